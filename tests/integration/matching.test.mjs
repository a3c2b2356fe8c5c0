// The matching engine over HTTP (docs/internals/matching.md): a creator's candidates for a task
// (ranked, with reasons, paged by cursor, only for the task's creator or an admin), a person's
// recommendations, availability taking a person out of candidate lists, and the batch assignment
// of applicants to a creator's bounties, proposed and then confirmed once.
//
// People with skill levels come from the demo seed (pheme serve --demo true): Ada (solidity 30,
// react 25, contract-security 20) and Grace (brand-design 25, technical-writing 20, translation 15).
// Job workers are off so that submissions stay live (SUBMITTED) while the assignment is made.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Client, castKeys, createKey, expectError, expectStatus, freshDatabase, startServer, taskBody,
} from './lib/harness.mjs';

const ADA = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
const GRACE = '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc';
const DEMO_CREATOR = '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266';

describe('matching', () => {
  let srv; let keys; let c; let ada; let grace;
  let solidityTask; let designTask;

  before(async () => {
    const db = await freshDatabase('matching');
    keys = await castKeys(db);
    ada = await createKey(db, 'user', ADA, 'it-ada');
    grace = await createKey(db, 'user', GRACE, 'it-grace');
    srv = await startServer({ db, name: 'matching', args: ['--demo', 'true', '--jobs-workers', '0'] });
    c = new Client(srv.port);
    const creator = c.as(keys.creator);
    solidityTask = expectStatus(await creator.post('/api/v1/tasks', taskBody({
      title: 'Audit a vault', skills: [{ skill: 'solidity', minLevel: 20 }], requirements: { minReputation: 0 },
    })), 201).id;
    designTask = expectStatus(await creator.post('/api/v1/tasks', taskBody({
      title: 'Design a badge', skills: [{ skill: 'brand-design', minLevel: 20 }],
    })), 201).id;
  });

  after(async () => { if (srv) await srv.stop(); });

  test('candidates: the qualified people, ranked by fit, with their reasons', async () => {
    const page = expectStatus(await c.as(keys.creator).get(`/api/v1/tasks/${solidityTask}/candidates`), 200);
    assert.equal(page.taskId, solidityTask);
    assert.equal(page.nextCursor, null);
    assert.equal(page.items.length, 1, JSON.stringify(page.items));
    const [it] = page.items;
    assert.equal(it.address.toLowerCase(), ADA);
    assert.deepEqual(it.skills, [{ skill: 'solidity', level: 30, minLevel: 20 }]);
    assert.equal(it.reasons, 'solidity level 30 (needs 20); reputation 0; active today');
    // fit = 5 × 30 + 3 × 0 + 200 (active today)
    assert.deepEqual(it.fitParts, { skill: 150, reputation: 0, activity: 200 });
    assert.equal(it.fit, 350);
    // an admin sees them too
    expectStatus(await c.as(keys.admin).get(`/api/v1/tasks/${solidityTask}/candidates`), 200);
  });

  test('candidates are for the task\'s creator or an admin only', async () => {
    expectError(await c.as(keys.creator2).get(`/api/v1/tasks/${solidityTask}/candidates`), 403, 'AUTH004');
    expectError(await c.as(ada).get(`/api/v1/tasks/${solidityTask}/candidates`), 403, 'AUTH003');
    expectError(await c.get(`/api/v1/tasks/${solidityTask}/candidates`), 401, 'AUTH001');
    expectError(await c.as(keys.creator).get('/api/v1/tasks/999999/candidates'), 404, 'DATA001');
    expectError(await c.as(keys.creator).get(`/api/v1/tasks/${solidityTask}/candidates?limit=0`), 400, 'API002');
    expectError(await c.as(keys.creator).get(`/api/v1/tasks/${solidityTask}/candidates?limit=101`), 400, 'API002');
    expectError(await c.as(keys.creator).get(`/api/v1/tasks/${solidityTask}/candidates?cursor=zz`), 400, 'API008');
  });

  test('a task without skills: everyone but its creator, paged by cursor in fit order', async () => {
    const creator = c.as(keys.creator);
    const open = expectStatus(await creator.post('/api/v1/tasks', taskBody({ title: 'Anyone' })), 201).id;
    const all = expectStatus(await creator.get(`/api/v1/tasks/${open}/candidates?limit=100`), 200);
    assert.equal(all.nextCursor, null);
    const seen = [];
    let cursor = null;
    for (let pages = 0; pages < 20; pages++) {
      const q = `/api/v1/tasks/${open}/candidates?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = expectStatus(await creator.get(q), 200);
      seen.push(...page.items);
      cursor = page.nextCursor;
      if (!cursor) break;
      assert.equal(page.items.length, 2);
    }
    assert.deepEqual(seen.map((x) => x.userId), all.items.map((x) => x.userId));
    const addrs = seen.map((x) => x.address.toLowerCase());
    assert.ok(addrs.includes(ADA) && addrs.includes(GRACE) && addrs.includes(DEMO_CREATOR));
    assert.ok(!addrs.includes(keys.creator.owner), 'the creator is not a candidate for their own task');
    assert.equal(new Set(addrs).size, addrs.length);
    for (let i = 1; i < seen.length; i++) {
      const a = seen[i - 1]; const b = seen[i];
      assert.ok(a.fit > b.fit || (a.fit === b.fit && a.userId < b.userId), 'fit desc, then user id asc');
    }
  });

  test('recommendations: open tasks the person qualifies for, with reasons', async () => {
    const recs = expectStatus(await c.as(ada).get('/api/v1/me/recommendations?limit=100'), 200);
    const mine = recs.items.find((x) => x.task.id === solidityTask);
    assert.ok(mine, 'the new solidity task is recommended to Ada');
    assert.match(mine.reasons, /^your solidity level 30 \(needs 20\); its challenge \(40\) is just above your level \(30\): room to grow$/);
    assert.equal(mine.yourLevel, 30);
    // growth = 100 − |40 − (30 + 10)| = 100; closeness = 100 − (30 − 20) = 90
    assert.equal(mine.growth, 100);
    assert.equal(mine.closeness, 90);
    assert.equal(mine.score, 6 * 100 + 4 * 90);
    assert.ok(!recs.items.some((x) => x.task.id === designTask), 'Ada has no brand-design');
    for (let i = 1; i < recs.items.length; i++) assert.ok(recs.items[i - 1].score >= recs.items[i].score);
    const g = expectStatus(await c.as(grace).get('/api/v1/me/recommendations?limit=100'), 200);
    assert.ok(g.items.some((x) => x.task.id === designTask));
    assert.ok(!g.items.some((x) => x.task.id === solidityTask));
    expectError(await c.get('/api/v1/me/recommendations'), 401, 'AUTH001');
  });

  test('availability: an unavailable person is no candidate', async () => {
    expectError(await c.as(ada).req('PUT', '/api/v1/me/availability', { json: { available: 'no' } }), 400, 'API002');
    assert.deepEqual(expectStatus(await c.as(ada).req('PUT', '/api/v1/me/availability', { json: { available: false } }), 200),
      { available: false });
    let page = expectStatus(await c.as(keys.creator).get(`/api/v1/tasks/${solidityTask}/candidates`), 200);
    assert.equal(page.items.length, 0);
    expectStatus(await c.as(ada).req('PUT', '/api/v1/me/availability', { json: { available: true } }), 200);
    page = expectStatus(await c.as(keys.creator).get(`/api/v1/tasks/${solidityTask}/candidates`), 200);
    assert.equal(page.items.length, 1);
  });

  test('assignment: the Hungarian proposal of applicants to bounties, confirmed once', async () => {
    const creator = c.as(keys.creator);
    expectStatus(await c.as(ada).post(`/api/v1/tasks/${solidityTask}/submissions`, { text: 'my audit' }), 201);
    expectStatus(await c.as(grace).post(`/api/v1/tasks/${designTask}/submissions`, { text: 'my badge' }), 201);
    // three open bounties (the solidity one, the design one, the one without skills): Ada fits the
    // first and the third (350 each), Grace the second and the third (325 each); the best total is 675
    const any = expectStatus(await creator.post('/api/v1/tasks/assign', {}), 201);
    assert.equal(any.status, 'PROPOSED');
    assert.equal(any.applicants, 2);
    assert.equal(any.bounties, 3);
    assert.equal(any.pairs.length, 2);
    assert.equal(any.totalFit, 675);
    assert.equal(new Set(any.pairs.map((x) => x.taskId)).size, 2);
    // appliedOnly: each to the bounty they submitted to
    const p = expectStatus(await creator.post('/api/v1/tasks/assign', { appliedOnly: true }), 201);
    const byTask = Object.fromEntries(p.pairs.map((x) => [x.taskId, x]));
    assert.equal(p.pairs.length, 2);
    assert.equal(byTask[solidityTask].address.toLowerCase(), ADA);
    assert.equal(byTask[designTask].address.toLowerCase(), GRACE);
    assert.equal(byTask[solidityTask].fit, 350);
    assert.equal(byTask[designTask].fit, 5 * 25 + 200);
    assert.equal(p.totalFit, 675);
    // only its creator (or an admin) sees or confirms it
    expectError(await c.as(keys.creator2).get(`/api/v1/tasks/assign/${p.id}`), 403, 'AUTH004');
    expectError(await c.as(keys.creator2).post(`/api/v1/tasks/assign/${p.id}/confirm`), 403, 'AUTH004');
    assert.equal(expectStatus(await creator.get(`/api/v1/tasks/assign/${p.id}`), 200).status, 'PROPOSED');
    const done = expectStatus(await creator.post(`/api/v1/tasks/assign/${p.id}/confirm`), 200);
    assert.equal(done.status, 'CONFIRMED');
    assert.ok(done.confirmedAt);
    expectError(await creator.post(`/api/v1/tasks/assign/${p.id}/confirm`), 409, 'DATA004');
    assert.equal(expectStatus(await creator.get(`/api/v1/tasks/assign/${any.id}`), 200).status, 'STALE');
    expectError(await creator.post(`/api/v1/tasks/assign/${any.id}/confirm`), 409, 'DATA004');
    expectError(await creator.post('/api/v1/tasks/assign/999999/confirm'), 404, 'DATA001');
    // assigned bounties are no longer offered: a new proposal has only the bounty without skills
    // left (and both applied elsewhere), and Ada's recommendations no longer show hers
    const again = expectStatus(await creator.post('/api/v1/tasks/assign', {}), 201);
    assert.equal(again.bounties, 1);
    assert.equal(again.applicants, 0);
    assert.equal(again.pairs.length, 0);
    assert.equal(again.totalFit, 0);
    const recs = expectStatus(await c.as(ada).get('/api/v1/me/recommendations?limit=100'), 200);
    assert.ok(!recs.items.some((x) => x.task.id === solidityTask));
    // a plain user cannot ask for an assignment; a creator cannot assign another's bounties
    expectError(await c.as(ada).post('/api/v1/tasks/assign', {}), 403, 'AUTH003');
    expectError(await c.as(keys.creator2).post('/api/v1/tasks/assign', { creator: keys.creator.owner }), 403, 'AUTH004');
    expectStatus(await c.as(keys.admin).post('/api/v1/tasks/assign', { creator: keys.creator.owner }), 201);
  });
});
