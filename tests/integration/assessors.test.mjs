// The `openai` assessor in the HTTP flow, against a local server that speaks the OpenAI chat
// completions protocol (tests/validation/fake_openai.mjs; no model can be downloaded here): a
// submission to a task judged by AI alone is assessed by `openai` with the configured model and
// key; when the endpoint fails, the pipeline falls back to `builtin` and the record says so; a
// submission sent back for changes is resubmitted by its author and assessed again in a new round.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import {
  ROOT, castKeys, expectError, expectStatus, freshDatabase, request, sleep, startServer, taskBody,
} from './lib/harness.mjs';

const MODEL = 'fake-judge-1';
const KEY = 'sk-test-assessors';

// Starts the protocol server on a free loopback port; resolves to { child, base }.
function startFake() {
  const child = spawn(process.execPath, [path.join(ROOT, 'tests', 'validation', 'fake_openai.mjs'), '--model', MODEL, '--key', KEY],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input: child.stdout });
    rl.once('line', (line) => resolve({ child, base: `http://127.0.0.1:${JSON.parse(line).port}` }));
    child.once('exit', (code) => reject(new Error(`fake_openai.mjs exited (${code}) before it listened`)));
  });
}

describe('assessors', () => {
  let fake; let srv; let db; let keys; let creator; let user; let user2;

  const control = async (what, body) => {
    const r = await fetch(`${fake.base}/${what}`, body ? { method: 'POST', body: JSON.stringify(body) } : {});
    return r.json();
  };

  before(async () => {
    fake = await startFake();
    db = await freshDatabase('assessors');
    keys = await castKeys(db);
    srv = await startServer({
      db,
      name: 'assessors',
      args: ['--assessors', 'openai,builtin', '--openai-base-url', `${fake.base}/v1`, '--openai-model', MODEL,
        '--openai-retries', '0', '--openai-timeout-ms', '5000', '--jobs-poll-ms', '50', '--log-requests', 'true'],
      env: { OPENAI_API_KEY: KEY },
    });
    creator = srv.client(keys.creator.key);
    user = srv.client(keys.user.key);
    user2 = srv.client(keys.user2.key);
  });

  after(async () => {
    if (srv) await srv.stop();
    if (fake) fake.child.kill('SIGTERM');
  });

  async function until(id, ok, what) {
    let last;
    for (let i = 0; i < 200; i++) {
      last = expectStatus(await creator.get(`/api/v1/submissions/${id}`), 200);
      if (ok(last)) return last;
      await sleep(50);
    }
    assert.fail(`submission ${id} never got ${what}; last: ${JSON.stringify(last).slice(0, 800)}`);
  }
  const decided = (x) => ['APPROVED', 'REJECTED', 'CHANGES_REQUESTED'].includes(x.state);

  let task; let sub;
  test('a task judged by AI alone: the openai assessor answers with the configured model and key', async () => {
    await control('_reset', {});
    task = expectStatus(await creator.post('/api/v1/tasks', taskBody({
      validation: { minScore: 85, aiReview: true, peerReview: false, evidenceTypes: ['link'] },
    })), 201);
    const s = expectStatus(await user.post(`/api/v1/tasks/${task.id}/submissions`, {
      text: 'A gas report for an ERC-4626 vault: every external function measured before and after caching the share price.',
      evidence: [{ type: 'link', url: 'https://example.com/vault-gas' }],
    }), 201);
    sub = await until(s.id, decided, 'a decision');
    assert.equal(sub.assessments.length, 1);
    const as = sub.assessments[0];
    assert.equal(as.assessor, 'openai');
    assert.equal(as.model, MODEL);
    assert.equal(as.ok, true);
    assert.ok(as.scores.length > 0);
    // the fake's answer is 78 overall: below minScore 85 but within the changes margin
    assert.equal(as.overall, 78);
    assert.equal(sub.state, 'CHANGES_REQUESTED');
    const reqs = await control('_requests');
    assert.equal(reqs.length, 1);
    assert.equal(reqs[0].path, '/v1/chat/completions');
    assert.equal(reqs[0].authorization, `Bearer ${KEY}`);
    assert.deepEqual(reqs[0].problems, []);
    assert.equal(reqs[0].body.model, MODEL);
    // the call carries a W3C traceparent: the assessing job's trace, a span of the call's own
    assert.match(reqs[0].traceparent || '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  test('a request joins the trace its traceparent names (W3C Trace Context)', async () => {
    const traceId = crypto.randomBytes(16).toString('hex');
    const parent = 'a1b2c3d4e5f60718';
    const r = await request(srv.port, 'GET', '/api/v1/skills', { headers: { traceparent: `00-${traceId}-${parent}-01` } });
    assert.equal(r.status, 200);
    // the access line of that request names the trace (and a span of the server's own)
    let line;
    for (let i = 0; i < 100 && !line; i++) {
      line = srv.log().split('\n').find((l) => l.includes(`"trace_id":"${traceId}"`) && l.includes('"msg":"request"'));
      if (!line) await sleep(50);
    }
    assert.ok(line, 'no access line carries the trace id');
    const span = JSON.parse(line).span_id;
    assert.match(span, /^[0-9a-f]{16}$/);
    assert.notEqual(span, parent);
    // a malformed traceparent starts a trace of the server's own
    const bad = await request(srv.port, 'GET', '/api/v1/skills', { headers: { traceparent: `00-${traceId.toUpperCase()}-${parent}-01` } });
    assert.equal(bad.status, 200);
  });

  test('the author resubmits after changes were requested: assessed again in a new round', async () => {
    expectError(await user2.post(`/api/v1/submissions/${sub.id}/resubmit`, {
      text: 'not mine', evidence: [{ type: 'link', url: 'https://example.com/x' }],
    }), 403, 'AUTH004', 'someone else resubmitting');
    const v2 = 'The vault gas report again, now with the share-price cache invalidation tests and a comparison '
      + 'against two other vault implementations, as the reviewer asked.';
    const r = expectStatus(await user.post(`/api/v1/submissions/${sub.id}/resubmit`, {
      text: v2, evidence: [{ type: 'link', url: 'https://example.com/vault-gas-v2' }],
    }), 200);
    assert.equal(r.text, v2);
    assert.equal(r.finalScore, null);
    const again = await until(sub.id, (x) => decided(x) && x.assessments.length === 2, 'a second decision');
    assert.equal(again.assessments[1].assessor, 'openai');
    const events = again.timeline.map((e) => e.event);
    assert.ok(events.includes('resubmit'), events.join(','));
    assert.equal(events.filter((e) => e === 'check').length, 2);
    // a submission that is not waiting for changes cannot be resubmitted
    if (again.state !== 'CHANGES_REQUESTED') {
      expectError(await user.post(`/api/v1/submissions/${sub.id}/resubmit`, { text: v2, evidence: [] }), 409, 'DATA004', 'resubmitting a decided submission');
    }
  });

  test('the endpoint failing: the pipeline falls back to builtin and records why', async () => {
    await control('_reset', {});
    await control('_control', { queue: ['500', '500', '500', '500'] });
    const s = expectStatus(await user2.post(`/api/v1/tasks/${task.id}/submissions`, {
      text: 'A threat model for a cross-chain bridge relayer: keys, liveness, message replay, and the monitoring that catches each.',
      evidence: [{ type: 'link', url: 'https://example.com/bridge-threats' }],
    }), 201);
    const done = await until(s.id, decided, 'a decision');
    const as = done.assessments[0];
    assert.equal(as.assessor, 'builtin');
    assert.equal(as.ok, true);
    const steps = as.record.fallback;
    assert.ok(Array.isArray(steps), JSON.stringify(as.record).slice(0, 400));
    assert.ok(steps.some((x) => x.assessor === 'openai' && x.code !== 'ok'), JSON.stringify(steps));
    assert.equal(steps[steps.length - 1].assessor, 'builtin');
    assert.ok((await control('_requests')).length >= 2);
  });
});
