// The validation pipeline over HTTP with real signatures (viem signs the EIP-712 reviews): a
// creator posts a task, a person uploads a file and submits, the jobs check and assess it, three
// validators sign reviews, consensus approves it and the outcome row is visible; a near-duplicate
// is rejected naming the earlier submission; an escalated submission is decided by an admin; a
// dispute is settled by a fresh panel; a review signed by the wrong key, by a validator not on the
// panel, by the submitter, or replayed on another submission is refused with its own code.
//
// viem comes from tests/auth's locked tree (tests/integration/run.sh installs it with npm ci).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import {
  ADDR, BIN, SANITIZER_REPORT, WORK, castKeys, createKey, expectError, expectStatus, freshDatabase, request, sleep, startServer, taskBody,
} from './lib/harness.mjs';

const requireAuth = createRequire(new URL('../auth/package.json', import.meta.url));
const viem = await import(requireAuth.resolve('viem'));
const accounts = await import(requireAuth.resolve('viem/accounts'));

// Six validators with keys of their own (fixed, test-only) and one more for the wrong-key case.
const KEYS = [1, 2, 3, 4, 5, 6, 7].map((i) => `0x${'a1'.repeat(31)}${(0x10 + i).toString(16)}`);
const STAKE = '1000000000000000000000'; // 1000 tokens in wei

function reviewTypes() {
  return {
    Review: [
      { name: 'submissionId', type: 'uint256' }, { name: 'round', type: 'uint256' },
      { name: 'validator', type: 'address' }, { name: 'score', type: 'uint8' },
      { name: 'criteriaHash', type: 'bytes32' }, { name: 'feedbackHash', type: 'bytes32' },
    ],
  };
}

// The body a validator posts: the review's fields and its signature by signer (an account).
async function signedReview(domain, signer, validatorAddress, submissionId, round, score, feedback = 'solid work') {
  const criteria = [{ id: 1, score }];
  const criteriaHash = viem.keccak256(viem.encodeAbiParameters(
    [{ type: 'uint256[]' }, { type: 'uint8[]' }], [criteria.map((c) => BigInt(c.id)), criteria.map((c) => c.score)]));
  const feedbackHash = viem.keccak256(viem.toBytes(feedback));
  const signature = await signer.signTypedData({
    domain: { name: domain.name, version: domain.version, chainId: domain.chainId, verifyingContract: domain.verifyingContract },
    types: reviewTypes(),
    primaryType: 'Review',
    message: { submissionId: BigInt(submissionId), round: BigInt(round), validator: validatorAddress, score, criteriaHash, feedbackHash },
  });
  return { submissionId, round, validator: validatorAddress, score, criteria, feedback, signature };
}

describe('pipeline', () => {
  let srv; let db; let keys;
  let admin; let creator; let user; let user2;
  const vals = []; // { account, client }
  let domain;

  before(async () => {
    db = await freshDatabase('pipeline');
    keys = await castKeys(db);
    for (const k of KEYS) {
      const account = accounts.privateKeyToAccount(k);
      const key = await createKey(db, 'user', account.address.toLowerCase(), 'it-validator');
      vals.push({ account, key: key.key });
    }
    srv = await startServer({ db, name: 'pipeline', args: ['--panel-max', '3', '--jobs-poll-ms', '50'] });
    admin = srv.client(keys.admin.key);
    creator = srv.client(keys.creator.key);
    user = srv.client(keys.user.key);
    user2 = srv.client(keys.user2.key);
    for (const v of vals) v.client = srv.client(v.key);
  });

  after(async () => { if (srv) await srv.stop(); });

  // Polls GET /api/v1/submissions/:id (as the task's creator) until ok(submission) holds.
  async function until(id, ok, what) {
    let last;
    for (let i = 0; i < 200; i++) {
      last = expectStatus(await creator.get(`/api/v1/submissions/${id}`), 200);
      if (ok(last)) return last;
      await sleep(50);
    }
    assert.fail(`submission ${id} never got ${what}; last: ${JSON.stringify(last).slice(0, 800)}`);
  }
  const seatsOf = (s, round) => s.panel.filter((p) => p.round === round)
    .map((p) => vals.find((v) => v.account.address.toLowerCase() === p.validator.toLowerCase()));

  test('validators are registered by an admin with their stake', async () => {
    for (const v of vals.slice(0, 6)) {
      const r = await admin.req('PUT', `/api/v1/admin/validators/${v.account.address}`, { json: { stake: STAKE, domains: ['technical'] } });
      const b = expectStatus(r, 200, 'register a validator');
      assert.equal(b.stake, STAKE);
      assert.equal(b.status, 'active');
    }
    expectError(await user.req('PUT', `/api/v1/admin/validators/${vals[0].account.address}`, { json: { stake: STAKE } }),
      403, 'AUTH003', 'a user registering a validator');
    // the queue names the EIP-712 domain reviews are signed in
    const q = expectStatus(await vals[0].client.get('/api/v1/validators/me/queue'), 200);
    domain = q.domain;
    assert.equal(domain.name, 'PhemeValidatorRegistry');
    assert.deepEqual(q.items, []);
    expectError(await user.get('/api/v1/validators/me/queue'), 404, 'DATA001', 'a person who is no validator');
  });

  const TEXT = 'A checklist for ERC-20 audits: allowance races, fee-on-transfer tokens, rebasing balances, '
    + 'return values of transfer, decimals, and a worked example on a real token with findings.';
  let task; let first; let firstSeats; let firstReview;

  test('submit with uploaded evidence: checks, builtin assessment, panel, three signed reviews, APPROVED with its outcome', async () => {
    task = expectStatus(await creator.post('/api/v1/tasks', taskBody({
      validation: { minScore: 60, minValidators: 3, consensusThreshold: 66, evidenceTypes: ['link', 'document'] },
    })), 201);
    const up = await request(srv.port, 'POST', '/api/v1/content', {
      key: keys.user.key, headers: { 'Content-Type': 'text/plain' }, body: Buffer.from('my audit checklist, in full'),
    });
    const cid = expectStatus(up, 201, 'upload').cid;
    // a CID that is not stored is refused at once
    const missing = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
    expectError(await user.post(`/api/v1/tasks/${task.id}/submissions`, {
      text: TEXT, evidence: [{ type: 'document', url: `http://127.0.0.1:${srv.port}/ipfs/${missing}` }],
    }), 422, 'WORK002', 'evidence naming content not stored');
    const s = expectStatus(await user.post(`/api/v1/tasks/${task.id}/submissions`, {
      text: TEXT, evidence: [{ type: 'document', url: `http://127.0.0.1:${srv.port}/ipfs/${cid}` }],
    }), 201);
    first = await until(s.id, (x) => x.state === 'PEER_REVIEW' && x.panel.length === 3, 'a panel of three');
    const events = first.timeline.map((e) => e.event);
    assert.deepEqual(events, ['submit', 'check', 'to_ai', 'to_peer', 'panel']);
    assert.equal(first.timeline[1].detail.evidence[0].cid, cid);
    assert.equal(first.assessments.length, 1);
    assert.equal(first.assessments[0].assessor, 'builtin');
    assert.equal(first.assessments[0].ok, true);
    firstSeats = seatsOf(first, 0);
    assert.equal(firstSeats.length, 3);
    const q = expectStatus(await firstSeats[0].client.get('/api/v1/validators/me/queue'), 200);
    assert.deepEqual(q.items.map((x) => x.id), [s.id]);

    // refused: by the submitter, by a validator not on the panel, signed by the wrong key
    const seat = firstSeats[0];
    const outsider = vals.slice(0, 6).find((v) => !firstSeats.includes(v));
    const body = await signedReview(domain, seat.account, seat.account.address, s.id, 0, 80);
    expectError(await user.post(`/api/v1/submissions/${s.id}/reviews`, body), 403, 'VAL003', 'the submitter reviewing');
    expectError(await outsider.client.post(`/api/v1/submissions/${s.id}/reviews`,
      await signedReview(domain, outsider.account, outsider.account.address, s.id, 0, 80)), 403, 'VAL002', 'not on the panel');
    expectError(await seat.client.post(`/api/v1/submissions/${s.id}/reviews`,
      await signedReview(domain, vals[6].account, seat.account.address, s.id, 0, 80)), 401, 'VAL001', 'signed by the wrong key');

    const scores = [80, 84, 78];
    for (let i = 0; i < 3; i++) {
      const b = i === 0 ? body : await signedReview(domain, firstSeats[i].account, firstSeats[i].account.address, s.id, 0, scores[i]);
      if (i === 0) firstReview = b;
      expectStatus(await firstSeats[i].client.post(`/api/v1/submissions/${s.id}/reviews`, b), 201, `review ${i}`);
      if (i === 0) {
        expectError(await seat.client.post(`/api/v1/submissions/${s.id}/reviews`, b), 409, 'DATA002', 'the same review twice');
      }
    }
    first = await until(s.id, (x) => x.state === 'APPROVED', 'APPROVED');
    assert.equal(first.finalScore, 80);
    assert.equal(first.reviews.length, 3);
    assert.ok(first.reviews.every((r) => /^0x[0-9a-f]{130}$/.test(r.signature)));
    assert.equal(first.outcome.finalScore, 80);
    assert.equal(first.outcome.taskId, task.id);
    // the rewards engine's award job (enqueued with the outcome) takes it soon after
    first = await until(s.id, (x) => x.outcome.consumed === true, 'the outcome consumed by the award job');
    assert.equal(first.timeline[first.timeline.length - 1].event, 'approve');
    assert.equal(first.timeline[first.timeline.length - 1].detail.finalScore, 80);
  });

  test('a near-duplicate by another person is rejected, naming the earlier submission', async () => {
    const s = expectStatus(await user2.post(`/api/v1/tasks/${task.id}/submissions`, {
      text: TEXT.toUpperCase(), evidence: [{ type: 'link', url: 'https://example.com/mine' }],
    }), 201);
    const done = await until(s.id, (x) => x.state === 'REJECTED', 'REJECTED');
    assert.match(done.feedback, new RegExp(`near-duplicate of submission ${first.id}`));
    assert.equal(done.timeline[1].detail.duplicateOf, first.id);
  });

  let second;
  test('a review replayed on another submission is refused; no consensus escalates; an admin decides', async () => {
    const t2 = expectStatus(await creator.post('/api/v1/tasks', taskBody({ title: 'Second task',
      validation: { minScore: 60, minValidators: 3, consensusThreshold: 66 } })), 201);
    const s = expectStatus(await user2.post(`/api/v1/tasks/${t2.id}/submissions`, {
      text: 'A different piece of work entirely: a fuzzing harness for a token contract and what it found.',
      evidence: [{ type: 'link', url: 'https://example.com/fuzz' }],
    }), 201);
    second = await until(s.id, (x) => x.state === 'PEER_REVIEW' && x.panel.length === 3, 'a panel');
    const seats = seatsOf(second, 0);
    const onBoth = seats.find((v) => v.account.address === firstReview.validator) || seats[0];
    const replay = onBoth.account.address === firstReview.validator ? firstReview
      : await signedReview(domain, onBoth.account, onBoth.account.address, first.id, 0, 80);
    expectError(await onBoth.client.post(`/api/v1/submissions/${s.id}/reviews`, replay), 409, 'VAL004', 'replayed on another submission');
    const spread = [10, 50, 95];
    for (let i = 0; i < 3; i++) {
      expectStatus(await seats[i].client.post(`/api/v1/submissions/${s.id}/reviews`,
        await signedReview(domain, seats[i].account, seats[i].account.address, s.id, 0, spread[i])), 201);
    }
    second = await until(s.id, (x) => x.state === 'ESCALATED', 'ESCALATED');
    assert.equal(second.outcome, null);
    expectError(await creator.post(`/api/v1/submissions/${s.id}/decision`, { decision: 'approve', score: 70 }), 403, 'AUTH003', 'a creator deciding');
    const d = expectStatus(await admin.post(`/api/v1/submissions/${s.id}/decision`, { decision: 'approve', score: 70, reason: 'read it myself' }), 200);
    assert.equal(d.state, 'APPROVED');
    assert.equal(d.finalScore, 70);
    assert.equal(d.outcome.finalScore, 70);
    assert.equal(d.timeline[d.timeline.length - 1].actor, 'admin');
    expectError(await admin.post(`/api/v1/submissions/${s.id}/decision`, { decision: 'reject', score: 10 }), 409, 'DATA004', 'deciding twice');
  });

  test('a dispute by the creator is settled by a fresh panel', async () => {
    expectError(await user2.post(`/api/v1/submissions/${first.id}/disputes`, { reason: 'not mine but I object' }),
      403, 'AUTH004', 'a stranger disputing');
    const d = expectStatus(await creator.post(`/api/v1/submissions/${first.id}/disputes`, { reason: 'the example is missing' }), 201);
    assert.equal(d.state, 'DISPUTED');
    assert.equal(d.disputes.length, 1);
    expectError(await creator.post(`/api/v1/submissions/${first.id}/disputes`, { reason: 'again' }), 409, 'DATA004', 'disputing twice');
    const panel = await until(first.id, (x) => x.panel.filter((p) => p.round === 1).length === 3, 'a fresh panel');
    const fresh = seatsOf(panel, 1);
    for (const v of fresh) assert.ok(!firstSeats.includes(v), 'no earlier member on the fresh panel');
    expectError(await firstSeats[0].client.post(`/api/v1/submissions/${first.id}/reviews`,
      await signedReview(domain, firstSeats[0].account, firstSeats[0].account.address, first.id, 1, 30)), 403, 'VAL002', 'an earlier member');
    const low = [30, 32, 28];
    for (let i = 0; i < 3; i++) {
      expectStatus(await fresh[i].client.post(`/api/v1/submissions/${first.id}/reviews`,
        await signedReview(domain, fresh[i].account, fresh[i].account.address, first.id, 1, low[i])), 201);
    }
    const done = await until(first.id, (x) => x.state === 'RESOLVED', 'RESOLVED');
    assert.equal(done.finalScore, 30);
    assert.equal(done.disputes[0].outcome, 'RESOLVED');
    assert.equal(done.disputes[0].firstScore, 80);
    assert.equal(done.disputes[0].finalScore, 30);
    assert.equal(done.timeline[done.timeline.length - 1].detail.overturned, true);
    // the overturned first panel lost accuracy
    const list = expectStatus(await admin.get('/api/v1/admin/validators'), 200);
    const before = list.items.find((v) => v.address.toLowerCase() === firstSeats[0].account.address.toLowerCase());
    assert.ok(Number(before.accuracy) < 1, `accuracy ${before.accuracy}`);
  });

  test('the routes are in the OpenAPI document', async () => {
    const doc = expectStatus(await request(srv.port, 'GET', '/api/v1/openapi.json'), 200);
    for (const p of ['/api/v1/submissions/{id}/reviews', '/api/v1/submissions/{id}/disputes',
      '/api/v1/submissions/{id}/decision', '/api/v1/validators/me/queue']) {
      assert.ok(doc.paths[p], `${p} in the OpenAPI document`);
    }
    assert.ok(doc.components.schemas.ReviewPost);
    assert.equal(ADDR.user.length, 42);
  });

  test('the pipeline\'s figures are in /metrics', async () => {
    const m = await request(srv.port, 'GET', '/metrics');
    assert.equal(m.status, 200);
    assert.match(m.text, /^pheme_reviews 9$/m);
    assert.match(m.text, /^pheme_submissions\{state="RESOLVED"\} 1$/m);
    assert.match(m.text, /^pheme_submissions\{state="REJECTED"\} 1$/m);
    assert.match(m.text, /^pheme_submissions\{state="APPROVED"\} 1$/m);
    assert.match(m.text, /^pheme_validators_active 6$/m);
    assert.match(m.text, /^pheme_disputes_open 0$/m);
    assert.match(m.text, /^pheme_pipeline_storage_up 1$/m);
  });
});

// pheme serve --demo seeds a submission that has gone through the whole loop with the dev chain's
// three validators, so a newcomer sees it work.
describe('pipeline demo', () => {
  let srv;
  after(async () => { if (srv) await srv.stop(); });
  test('the demo submission is APPROVED by three signed reviews, with its outcome', async () => {
    const db = await freshDatabase('pipeline-demo');
    const key = await createKey(db, 'admin', ADDR.admin, 'it-admin');
    srv = await startServer({ db, name: 'pipeline-demo', args: ['--demo', 'true'] });
    const admin = srv.client(key.key);
    const s = expectStatus(await admin.get('/api/v1/submissions/1'), 200);
    assert.equal(s.state, 'APPROVED');
    assert.equal(s.reviews.length, 3);
    assert.equal(s.finalScore, 84);
    assert.equal(s.outcome.finalScore, 84);
    assert.deepEqual(s.timeline.map((e) => e.event),
      ['submit', 'check', 'to_ai', 'to_peer', 'panel', 'review', 'review', 'review', 'approve']);
    // the queued jobs of those steps find nothing left to do
    await sleep(300);
    const again = expectStatus(await admin.get('/api/v1/submissions/1'), 200);
    assert.equal(again.timeline.length, 9);
  });
});

// The jobs run in a `pheme worker` process next to a server that runs none: the pipeline's kinds
// are registered there too, and the worker stops cleanly on SIGTERM.
describe('pipeline in pheme worker', () => {
  let srv; let worker; let workerOut = '';
  after(async () => {
    if (worker && worker.exitCode === null) worker.kill('SIGKILL');
    if (srv) await srv.stop();
  });
  test('a submission is checked, assessed and given a panel by the worker process', async () => {
    const db = await freshDatabase('pipeline-worker');
    const keys = await castKeys(db);
    srv = await startServer({ db, name: 'pipeline-worker', args: ['--jobs-workers', '0'] });
    const admin = srv.client(keys.admin.key);
    for (const k of KEYS.slice(0, 3)) {
      const a = accounts.privateKeyToAccount(k);
      expectStatus(await admin.req('PUT', `/api/v1/admin/validators/${a.address}`, { json: { stake: STAKE } }), 200);
    }
    const creator = srv.client(keys.creator.key);
    const t = expectStatus(await creator.post('/api/v1/tasks', taskBody()), 201);
    const s = expectStatus(await srv.client(keys.user.key).post(`/api/v1/tasks/${t.id}/submissions`, {
      text: 'Work checked by another process', evidence: [{ type: 'link', url: 'https://example.com/w' }],
    }), 201);
    await sleep(200);
    assert.equal(expectStatus(await creator.get(`/api/v1/submissions/${s.id}`), 200).state, 'SUBMITTED');
    worker = spawn(BIN, ['worker', '--database', db.url, '--jobs-poll-ms', '50', '--log-level', 'warn'],
      { cwd: WORK, stdio: ['ignore', 'pipe', 'pipe'], env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PHEME_'))) });
    worker.stdout.on('data', (d) => { workerOut += d; });
    worker.stderr.on('data', (d) => { workerOut += d; });
    let got;
    for (let i = 0; i < 200; i++) {
      got = expectStatus(await creator.get(`/api/v1/submissions/${s.id}`), 200);
      if (got.panel.length === 3) break;
      await sleep(50);
    }
    assert.equal(got.state, 'PEER_REVIEW', workerOut);
    assert.equal(got.panel.length, 3);
    const exited = new Promise((r) => worker.on('exit', (code) => r(code)));
    worker.kill('SIGTERM');
    assert.equal(await exited, 0, workerOut);
    assert.doesNotMatch(workerOut, SANITIZER_REPORT);
  });
});
