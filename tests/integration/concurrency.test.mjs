// Concurrent requests that race for the same record: exactly one wins, the others get the
// documented conflict (never a 500 or 503), and counters stay consistent with the rows.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADDR, addr, castKeys, createKey, expectError, expectStatus, freshDatabase, startServer, taskBody, walkPages,
} from './lib/harness.mjs';

// One suite per file: its hooks and tests run in order (also on Node 18).
describe('concurrency', () => {
  const N = 10;
  let srv; let keys; let db; let anon; let creator; let user;

  before(async () => {
    db = await freshDatabase('concurrency');
    keys = await castKeys(db);
    // no job workers: submissions stay live (the pipeline would reject those without evidence,
    // freeing the task for another; pipeline.test.mjs runs the pipeline)
    srv = await startServer({ db, name: 'concurrency', args: ['--jobs-workers', '0'] });
    anon = srv.client();
    creator = srv.client(keys.creator.key);
    user = srv.client(keys.user.key);
  });

  after(async () => { if (srv) await srv.stop(); });

  function tally(results) {
    const t = {};
    for (const r of results) t[r.status] = (t[r.status] || 0) + 1;
    return t;
  }

  test(`${N} concurrent creations of one guild slug: one 201, the rest 409 DATA002`, async () => {
    const rs = await Promise.all(Array.from({ length: N }, (_, i) =>
      user.post('/api/v1/guilds', { slug: 'race-guild', name: `Race ${i}`, type: 'GEO' })));
    assert.deepEqual(tally(rs), { 201: 1, 409: N - 1 }, JSON.stringify(tally(rs)));
    for (const r of rs) if (r.status === 409) expectError(r, 409, 'DATA002');
    assert.equal(expectStatus(await anon.get('/api/v1/guilds/race-guild'), 200).memberCount, 1);
  });

  // Races are repeated so that a check-then-write outside one transaction shows up reliably.
  const ROUNDS = 25;

  test(`${N} concurrent submissions by one person to one task: one 201, the rest 409 DATA002 (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const t = expectStatus(await creator.post('/api/v1/tasks', taskBody()), 201);
      const rs = await Promise.all(Array.from({ length: N }, (_, i) =>
        user.post(`/api/v1/tasks/${t.id}/submissions`, { text: `attempt ${i}` })));
      assert.deepEqual(tally(rs), { 201: 1, 409: N - 1 }, `round ${round}: ${JSON.stringify(tally(rs))}`);
      for (const r of rs) if (r.status === 409) expectError(r, 409, 'DATA002');
      const list = expectStatus(await creator.get(`/api/v1/tasks/${t.id}/submissions`), 200);
      assert.equal(list.items.length, 1, `round ${round}: one submission stored`);
    }
  });

  test(`${N} concurrent closes of one task: one 200, the rest 409 DATA004, one audit row (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const t = expectStatus(await creator.post('/api/v1/tasks', taskBody()), 201);
      const rs = await Promise.all(Array.from({ length: N }, () => creator.post(`/api/v1/tasks/${t.id}/close`)));
      assert.deepEqual(tally(rs), { 200: 1, 409: N - 1 }, `round ${round}: ${JSON.stringify(tally(rs))}`);
      const rows = expectStatus(await srv.client(keys.admin.key).get(`/api/v1/audit?subject=task&id=${t.id}&limit=100`), 200);
      assert.equal(rows.items.filter((x) => x.action !== 'task.create').length, 1, `round ${round}: one close in the audit log`);
    }
  });

  test(`concurrent edits of different fields of one task all take effect (no lost update, ${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const t = expectStatus(await creator.post('/api/v1/tasks', taskBody()), 201);
      const edits = [{ title: `Title ${round}` }, { description: `Description ${round}` }, { difficulty: 9 },
        { xpReward: 777 }, { tokenReward: '123456789012345678901234567890' }, { skills: [{ skill: 'rust', minLevel: 4 }] }];
      const rs = await Promise.all(edits.map((e) => creator.patch(`/api/v1/tasks/${t.id}`, e)));
      for (const r of rs) expectStatus(r, 200);
      const got = expectStatus(await anon.get(`/api/v1/tasks/${t.id}`), 200);
      const lost = edits.filter((e) => Object.entries(e).some(([k, v]) => JSON.stringify(got[k]) !== JSON.stringify(v)));
      assert.deepEqual(lost, [], `round ${round}: edits lost by concurrent PATCHes`);
    }
  });

  test(`a PATCH racing a close never reopens the closed task (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const t = expectStatus(await creator.post('/api/v1/tasks', taskBody()), 201);
      const patches = Array.from({ length: N }, (_, i) => creator.patch(`/api/v1/tasks/${t.id}`, { title: `Racing ${i}` }));
      const close = creator.post(`/api/v1/tasks/${t.id}/close`);
      const rs = await Promise.all([close, ...patches]);
      expectStatus(rs[0], 200, 'the close');
      for (const r of rs.slice(1)) assert.ok(r.status === 200 || r.status === 409, `a PATCH: ${r.status} ${r.text}`);
      const got = expectStatus(await anon.get(`/api/v1/tasks/${t.id}`), 200);
      assert.equal(got.status, 'CLOSED', `round ${round}: a PATCH that read the task before the close wrote it back as ${got.status}`);
    }
  });

  test(`${N} concurrent joins by one person: one 200, the rest 409 DATA002`, async () => {
    expectStatus(await creator.post('/api/v1/guilds', { slug: 'join-race', name: 'Join race', type: 'SKILL' }), 201);
    const rs = await Promise.all(Array.from({ length: N }, () => user.post('/api/v1/guilds/join-race/join')));
    assert.deepEqual(tally(rs), { 200: 1, 409: N - 1 }, JSON.stringify(tally(rs)));
    assert.equal(expectStatus(await anon.get('/api/v1/guilds/join-race'), 200).memberCount, 2);
  });

  test('many people joining and leaving at once: memberCount equals the members list', async () => {
    const people = [];
    for (let i = 0; i < 12; i++) {
      const addr = `0x${(0xd000 + i).toString(16).padStart(40, '0')}`;
      people.push(srv.client((await createKey(db, 'user', addr)).key));
    }
    expectStatus(await creator.post('/api/v1/guilds', { slug: 'crowd', name: 'Crowd', type: 'INTEREST' }), 201);
    const joins = await Promise.all(people.map((p) => p.post('/api/v1/guilds/crowd/join')));
    assert.deepEqual(tally(joins), { 200: people.length });
    let g = expectStatus(await anon.get('/api/v1/guilds/crowd'), 200);
    let members = await walkPages(anon, '/api/v1/guilds/crowd/members', 100, (m) => m.address);
    assert.equal(members.length, people.length + 1);
    assert.equal(g.memberCount, members.length, 'memberCount after concurrent joins');
    const leaves = await Promise.all(people.slice(0, 8).map((p) => p.post('/api/v1/guilds/crowd/leave')));
    assert.deepEqual(tally(leaves), { 200: 8 });
    g = expectStatus(await anon.get('/api/v1/guilds/crowd'), 200);
    members = await walkPages(anon, '/api/v1/guilds/crowd/members', 100, (m) => m.address);
    assert.equal(members.length, people.length + 1 - 8);
    assert.equal(g.memberCount, members.length, 'memberCount after concurrent leaves');
    assert.ok(members.some((m) => addr(m.address) === ADDR.creator), `the owner is listed: ${JSON.stringify(members)}`);
  });

  test('concurrent edits and reads of one task never fail and end in one of the written states', async () => {
    const t = expectStatus(await creator.post('/api/v1/tasks', taskBody({ skills: [{ skill: 'python' }] })), 201);
    const titles = Array.from({ length: N }, (_, i) => `Edit ${i}`);
    const edits = titles.map((title, i) => creator.patch(`/api/v1/tasks/${t.id}`, {
      title, skills: [{ skill: i % 2 ? 'rust' : 'sql', minLevel: i }],
    }));
    const reads = Array.from({ length: N }, () => anon.get(`/api/v1/tasks/${t.id}`));
    const rs = await Promise.all([...edits, ...reads]);
    for (const r of rs) expectStatus(r, 200);
    const final = expectStatus(await anon.get(`/api/v1/tasks/${t.id}`), 200);
    const i = titles.indexOf(final.title);
    assert.ok(i >= 0, 'the final title is one that was written');
    assert.deepEqual(final.skills, [{ skill: i % 2 ? 'rust' : 'sql', minLevel: i }], 'skills from the same edit as the title');
  });
});
