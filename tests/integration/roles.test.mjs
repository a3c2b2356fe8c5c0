// Roles (`pheme serve --role api|worker|indexer|all`, docs/operations.md "Roles"): an API node on
// a database keeps no queue of its own — a submission made through it waits, SUBMITTED — until a
// worker node on the same database takes the jobs and the pipeline moves it on. A worker answers
// only /healthz, /readyz and /metrics; an unknown role is refused at start.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  castKeys, expectStatus, freshDatabase, request, runPheme, sleep, startServer, taskBody,
} from './lib/harness.mjs';

describe('roles', () => {
  let db; let keys; let api; let worker;

  before(async () => {
    db = await freshDatabase('roles');
    keys = await castKeys(db);
    api = await startServer({ db, name: 'roles-api', args: ['--role', 'api', '--answer-cache', 'off'] });
  });
  after(async () => {
    if (api) await api.stop();
    if (worker) await worker.stop();
  });

  test('an unknown role is refused at start', async () => {
    const r = await runPheme(['serve', '--role', 'everything', '--database', db.url, '--listen', '127.0.0.1:0']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /role|everything/);
  });

  test('an API node queues the work; a worker node on the same database does it', async () => {
    const creator = api.client(keys.creator.key);
    const user = api.client(keys.user.key);
    const t = expectStatus(await creator.post('/api/v1/tasks', taskBody({
      validation: { aiReview: true, peerReview: false, minScore: 1, evidenceTypes: ['link'] },
    })), 201);
    const s = expectStatus(await user.post(`/api/v1/tasks/${t.id}/submissions`, {
      text: 'Notes on role separation: API nodes hold no state, workers share one queue, one indexer is active per chain.',
      evidence: [{ type: 'link', url: 'https://example.com/roles' }],
    }), 201);
    await sleep(1000);
    assert.equal(expectStatus(await creator.get(`/api/v1/submissions/${s.id}`), 200).state, 'SUBMITTED');
    worker = await startServer({ db, name: 'roles-worker', args: ['--role', 'worker', '--jobs-poll-ms', '50'] });
    let state = 'SUBMITTED';
    for (let i = 0; i < 200 && !['APPROVED', 'REJECTED', 'CHANGES_REQUESTED'].includes(state); i++) {
      await sleep(50);
      state = expectStatus(await creator.get(`/api/v1/submissions/${s.id}`), 200).state;
    }
    assert.equal(state, 'APPROVED');
  });

  test('a worker answers only the operations routes', async () => {
    expectStatus(await request(worker.port, 'GET', '/healthz'), 200);
    assert.equal(expectStatus(await request(worker.port, 'GET', '/readyz'), 200).status, 'ready');
    assert.equal((await request(worker.port, 'GET', '/metrics')).status, 200);
    assert.equal((await request(worker.port, 'GET', '/api/v1/skills')).status, 404);
    assert.equal((await request(worker.port, 'GET', '/')).status, 404);
  });
});
