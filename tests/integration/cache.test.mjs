// The answer cache (GET /api/v1/tasks/:id and /api/v1/wallets/:address): a second read is a
// hit, every write in between makes it a miss with the new content, other routes are never
// cached, and /metrics reports hits and misses. On PostgreSQL the cache is off by default
// (other nodes could write), and on with --answer-cache on.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADDR, BACKEND, castKeys, expectStatus, freshDatabase, startServer, taskBody,
} from './lib/harness.mjs';

describe('cache', () => {
  let srv; let keys; let creator; let user; let anon;

  before(async () => {
    const db = await freshDatabase('cache');
    keys = await castKeys(db);
    // on PostgreSQL the cache is off unless asked for; ask, to test the mechanism on both
    // no job workers: their periodic jobs (sweeps, recomputes) write, and any write moves the
    // cache's generation; this file tests the mechanism, so only its own writes may
    const args = ['--jobs-workers', '0', ...(BACKEND === 'sqlite' ? [] : ['--answer-cache', 'on'])];
    srv = await startServer({ db, name: 'cache', args });
    anon = srv.client();
    creator = srv.client(keys.creator.key);
    user = srv.client(keys.user.key);
  });

  after(async () => { if (srv) await srv.stop(); });

  test('a repeated read is a hit and a write makes it a miss with the new content', async () => {
    const t = expectStatus(await creator.post('/api/v1/tasks', taskBody({ title: 'Before' })), 201);
    const first = await anon.get(`/api/v1/tasks/${t.id}`);
    assert.equal(first.headers['x-cache'], 'miss');
    const second = await anon.get(`/api/v1/tasks/${t.id}`);
    assert.equal(second.headers['x-cache'], 'hit');
    assert.equal(second.text, first.text, 'a hit answers the same bytes');
    assert.ok(second.headers['x-request-id'] && second.headers['x-request-id'] !== first.headers['x-request-id']);
    expectStatus(await creator.patch(`/api/v1/tasks/${t.id}`, { title: 'After' }), 200);
    const third = await anon.get(`/api/v1/tasks/${t.id}`);
    assert.equal(third.headers['x-cache'], 'miss', 'the edit moved the generation on');
    assert.equal(third.body.title, 'After');
    // any write invalidates, not only one to the same task
    expectStatus(await anon.get(`/api/v1/tasks/${t.id}`), 200);
    expectStatus(await user.post('/api/v1/guilds', { slug: 'cache-guild', name: 'C', type: 'GEO' }), 201);
    assert.equal((await anon.get(`/api/v1/tasks/${t.id}`)).headers['x-cache'], 'miss');
  });

  test('wallets are cached and see guild changes at once', async () => {
    const w1 = expectStatus(await anon.get(`/api/v1/wallets/${ADDR.user}`), 200);
    const hit = await anon.get(`/api/v1/wallets/${ADDR.user}`);
    assert.equal(hit.headers['x-cache'], 'hit');
    expectStatus(await user.post('/api/v1/guilds/cache-guild/leave'), 409); // the owner stays
    const other = srv.client(keys.validator.key);
    expectStatus(await other.post('/api/v1/guilds/cache-guild/join'), 200);
    const w2 = await anon.get(`/api/v1/wallets/${ADDR.user}`);
    assert.equal(w2.headers['x-cache'], 'miss');
    assert.deepEqual(w2.body.guilds.map((g) => g.slug), w1.guilds.map((g) => g.slug));
  });

  test('errors and other routes are not cached', async () => {
    const miss1 = await anon.get('/api/v1/tasks/999999');
    assert.equal(miss1.status, 404);
    const miss2 = await anon.get('/api/v1/tasks/999999');
    assert.equal(miss2.headers['x-cache'], 'miss', 'a 404 is not kept');
    const list = await anon.get('/api/v1/tasks');
    assert.equal(list.headers['x-cache'], undefined, 'lists are not cacheable');
  });

  test('/metrics reports hits and misses', async () => {
    const m = (await anon.get('/metrics')).text;
    const hits = Number((m.match(/^pheme_http_cache_hits_total (\d+)$/m) || [])[1]);
    const misses = Number((m.match(/^pheme_http_cache_misses_total (\d+)$/m) || [])[1]);
    assert.ok(hits >= 2, `hits ${hits}`);
    assert.ok(misses >= 5, `misses ${misses}`);
  });
});
