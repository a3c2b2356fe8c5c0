// The routes the web app's pages read (src/api/site.c, people.c; docs/api.md): the landing page's
// figures (GET /api/v1/stats) against the lists they count, people by role (GET /users?role=),
// the credential's own role on GET /me (an admin API key of a person whose profile holds only
// "user"), and the operator's job queue over HTTP (`pheme jobs list|retry`): a job that died in a
// worker node is listed, counted and queued again by an admin only.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADDR, castKeys, expectError, expectStatus, freshDatabase, runPheme, sleep, startServer, taskBody,
  uniq, walkPages,
} from './lib/harness.mjs';

describe('site routes', () => {
  let db; let keys; let api; let worker;

  before(async () => {
    db = await freshDatabase('site');
    keys = await castKeys(db);
    // an API node keeps no queue of its own: the jobs of this file run only in the worker below
    api = await startServer({ db, name: 'site-api', args: ['--role', 'api', '--answer-cache', 'off'] });
  });
  after(async () => {
    if (worker) await worker.stop();
    if (api) await api.stop();
  });

  const count = async (client, p, idOf) => (await walkPages(client, p, 100, idOf)).length;

  test('GET /stats counts what the lists hold, and follows a new task and guild', async () => {
    const anon = api.client();
    const creator = api.client(keys.creator.key);
    const figures = async () => expectStatus(await anon.get('/api/v1/stats'), 200);
    const lists = async () => ({
      openTasks: await count(anon, '/api/v1/tasks?status=OPEN'),
      people: expectStatus(await anon.get('/api/v1/leaderboards/global?limit=1'), 200).total,
      guilds: await count(anon, '/api/v1/guilds', (g) => g.slug),
      skills: expectStatus(await anon.get('/api/v1/skills'), 200).items.length,
      quests: expectStatus(await anon.get('/api/v1/quests'), 200).items.length,
    });
    const before = await figures();
    assert.deepEqual(Object.keys(before).sort(), ['guilds', 'openTasks', 'people', 'quests', 'skills']);
    assert.deepEqual(before, await lists());
    assert.ok(before.skills > 0, 'the catalogue is seeded');

    expectStatus(await creator.post('/api/v1/tasks', taskBody({ status: 'OPEN' })), 201);
    expectStatus(await creator.post('/api/v1/tasks', taskBody({ status: 'DRAFT' })), 201);
    expectStatus(await api.client(keys.user.key).post('/api/v1/guilds', { slug: uniq('g').toLowerCase(), name: 'Site figures', type: 'INTEREST' }), 201);
    const after = await figures();
    assert.equal(after.openTasks, before.openTasks + 1, 'a draft is not an open task');
    assert.equal(after.guilds, before.guilds + 1);
    assert.deepEqual(after, await lists());
  });

  test('GET /users?role= lists the holders of a role only', async () => {
    const admin = api.client(keys.admin.key);
    expectStatus(await admin.post(`/api/v1/admin/users/${ADDR.user2}/roles`, { role: 'validator' }), 200);
    const anon = api.client();
    const everyone = await walkPages(anon, '/api/v1/users', 2, (u) => u.address);
    const validators = await walkPages(anon, '/api/v1/users?role=validator', 1, (u) => u.address);
    const want = everyone.filter((u) => u.roles.includes('validator')).map((u) => u.address);
    assert.deepEqual(validators.map((u) => u.address), want, 'the same people, newest first');
    assert.ok(want.some((a) => a.toLowerCase() === ADDR.user2), 'the new validator is listed');
    assert.ok(!validators.some((u) => u.address.toLowerCase() === ADDR.user), 'a plain user is left out');
    expectStatus(await admin.del(`/api/v1/admin/users/${ADDR.user2}/roles/validator`), 200);
    const left = await walkPages(anon, '/api/v1/users?role=validator', 10, (u) => u.address);
    assert.ok(!left.some((u) => u.address.toLowerCase() === ADDR.user2), 'a revoked role is no longer listed');
    const users = await walkPages(anon, '/api/v1/users?role=user', 10, (u) => u.address);
    assert.equal(users.length, everyone.length, 'everyone holds the user role');
    expectError(await anon.get('/api/v1/users?role=owner'), 400, 'API002');
  });

  test('GET /me names the role an API key acts with', async () => {
    const me = expectStatus(await api.client(keys.admin.key).get('/api/v1/me'), 200);
    assert.equal(me.authenticatedBy, 'api_key');
    assert.equal(me.keyRole, 'admin');
    assert.deepEqual(me.callerRoles, ['user', 'creator', 'validator', 'admin']);
    assert.ok(!me.roles.includes('admin'), 'the person behind the key is not an admin in their profile');
    const creator = expectStatus(await api.client(keys.creator.key).get('/api/v1/me'), 200);
    assert.equal(creator.keyRole, 'creator');
    assert.deepEqual(creator.callerRoles, ['user', 'creator']);
    const user = expectStatus(await api.client(keys.user.key).get('/api/v1/me'), 200);
    assert.equal(user.keyRole, 'user');
    assert.deepEqual(user.callerRoles, ['user']);
  });

  test('admin job list, figures and retry: a dead job is queued again, once', async () => {
    const kind = 'it.site.nohandler';
    const add = await runPheme(['jobs', 'add', kind, '{"n":1}', '--database', db.url, '--jobs-max-attempts', '1', '--log-level', 'warn']);
    assert.equal(add.code, 0, add.stderr);
    const id = Number(/queued job (\d+)/.exec(add.stdout)[1]);
    const admin = api.client(keys.admin.key);
    const queued = expectStatus(await admin.get(`/api/v1/admin/jobs?kind=${kind}`), 200).items;
    assert.deepEqual(queued.map((j) => [j.id, j.state, j.attempts]), [[id, 'queued', 0]], 'the API node runs no job');
    assert.deepEqual(queued[0].payload, { n: 1 });

    // a worker node: no handler for the kind, and one attempt, so the job dies
    worker = await startServer({ db, name: 'site-worker', args: ['--role', 'worker', '--jobs-poll-ms', '50'] });
    let job;
    for (let i = 0; i < 200; i++) {
      [job] = expectStatus(await admin.get(`/api/v1/admin/jobs?kind=${kind}`), 200).items;
      if (job.state === 'dead') break;
      await sleep(50);
    }
    await worker.stop();
    worker = null;
    assert.equal(job.state, 'dead');
    assert.match(job.lastError, /no handler/);
    const dead = expectStatus(await admin.get('/api/v1/admin/jobs?state=dead'), 200).items;
    assert.ok(dead.some((j) => j.id === id) && dead.every((j) => j.state === 'dead'));
    const stats = expectStatus(await admin.get('/api/v1/admin/jobs/stats'), 200);
    assert.deepEqual(Object.keys(stats.runs).sort(), ['dead', 'done', 'lost', 'retried']);
    const row = stats.kinds.find((k) => k.kind === kind);
    assert.equal(row.dead, 1);
    assert.equal(row.queued, 0);

    for (const who of ['user', 'creator', 'validator']) {
      expectError(await api.client(keys[who].key).post(`/api/v1/admin/jobs/${id}/retry`), 403, 'AUTH003');
      expectError(await api.client(keys[who].key).get('/api/v1/admin/jobs'), 403, 'AUTH003');
    }
    expectError(await api.client().get('/api/v1/admin/jobs/stats'), 401, 'AUTH001');
    const again = expectStatus(await admin.post(`/api/v1/admin/jobs/${id}/retry`), 200);
    assert.equal(again.id, id);
    assert.equal(again.state, 'queued');
    assert.equal(again.attempts, 0);
    assert.match(again.lastError, /no handler/, 'the last error is kept');
    expectError(await admin.post(`/api/v1/admin/jobs/${id}/retry`), 409, 'DATA004');
    expectError(await admin.post('/api/v1/admin/jobs/999999999/retry'), 404, 'DATA001');
    expectError(await admin.get('/api/v1/admin/jobs?state=stuck'), 400, 'API002');
    const after = expectStatus(await admin.get('/api/v1/admin/jobs/stats'), 200).kinds.find((k) => k.kind === kind);
    assert.equal(after.queued, 1);
    assert.equal(after.dead, 0);
  });
});
