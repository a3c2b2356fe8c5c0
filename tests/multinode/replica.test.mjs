// Reads from a real streaming replica with bounded staleness (store/pg/replica.h): run.sh's
// cluster is the primary, a replica is made from it with pg_basebackup and started on its own
// port; two API nodes share Redis. Replay on the replica is paused (pg_wal_replay_pause) to make
// it fall behind on purpose. Clients are told apart by X-Forwarded-For (127.0.0.1 is a trusted
// proxy here, as nginx would be).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  ROOT, castKeys, expectStatus, freshDatabase, request, runPheme, taskBody,
} from '../integration/lib/harness.mjs';
import { freePort, metric, metrics, sleep, startNode, startRedis, startReplica } from './lib.mjs';

const require = createRequire(path.join(ROOT, 'tests', 'auth', 'package.json'));
const { generatePrivateKey, privateKeyToAccount } = await import(require.resolve('viem/accounts'));

const WRITER = { 'X-Forwarded-For': '203.0.113.10' };
const OTHER = { 'X-Forwarded-For': '203.0.113.20' };

const until = async (what, ms, fn) => {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await fn()) return; await sleep(50); }
  assert.fail(`${what}: not within ${ms} ms`);
};

describe('read replica: bounded staleness, read your own writes', () => {
  let replica; let redis; let db; let keys; let a; let b;

  const reads = async (node) => {
    const m = await metrics(node.port);
    return { replica: metric(m, 'pheme_storage_reads_total', ['to="replica"']), primary: metric(m, 'pheme_storage_reads_total', ['to="primary"']) };
  };

  before(async () => {
    db = await freshDatabase('replica');
    assert.equal((await runPheme(['migrate', '--database', db.url])).code, 0);
    keys = await castKeys(db);
    replica = await startReplica();
    const rport = await freePort();
    redis = await startRedis(rport);
    const env = { PHEME_REDIS: `redis://127.0.0.1:${rport}/5`, PHEME_JWT_KEYS: `k1:${crypto.randomBytes(32).toString('hex')}` };
    const args = ['--role', 'api', '--database-replica', replica.url(db), '--database-replica-max-lag-ms', '1000',
      '--trusted-proxies', '127.0.0.1', '--answer-cache', 'off', '--rate-limit', 'off', '--migrate-on-start', 'false'];
    a = await startNode({ name: 'replica-a', port: await freePort(), db, env, args });
    b = await startNode({ name: 'replica-b', port: await freePort(), db, env, args });
  });

  after(async () => {
    for (const n of [a, b]) if (n) await n.stop();
    if (replica) await replica.stop();
    if (redis) await redis.stop();
  });

  test('a caught-up standby serves the reads of requests; the nodes say so in /metrics', async () => {
    assert.equal((await replica.psql(db.name, 'SELECT pg_is_in_recovery()')).trim(), 't');
    await until('the replica is usable', 5000, async () => metric(await metrics(a.port), 'pheme_storage_replica_usable') === 1);
    const m = await metrics(a.port);
    assert.equal(metric(m, 'pheme_storage_replica_standby'), 1);
    const r0 = await reads(a);
    for (let i = 0; i < 5; i++) expectStatus(await request(a.port, 'GET', '/api/v1/tasks', { headers: OTHER }), 200);
    const r1 = await reads(a);
    assert.ok(r1.replica - r0.replica >= 5, `reads went to the replica: ${JSON.stringify([r0, r1])}`);
  });

  test('replay paused: the writer reads its write on either node; others read the replica until it is past the bound', async () => {
    // both nodes take the replica as within the bound before replay stops (a busy machine can
    // leave a node's last check behind the bound for a moment; CI saw the stale read go to the
    // primary once, session 9)
    for (const node of [a, b]) {
      await until(`node ${node === a ? 'a' : 'b'} uses the replica`, 5000, async () => metric(await metrics(node.port), 'pheme_storage_replica_usable') === 1);
    }
    await replica.psql(db.name, 'SELECT pg_wal_replay_pause()');
    // the pause is only requested: replay may apply more records until it takes effect
    await until('replay is paused', 5000, async () => (await replica.psql(db.name, 'SELECT pg_get_wal_replay_pause_state()')).trim() === 'paused');
    try {
      const t = expectStatus(await request(a.port, 'POST', '/api/v1/tasks', { key: keys.creator.key, headers: WRITER, json: taskBody({ title: 'Written while replay is paused' }) }), 201);
      // the writer (by its key, and by its address with no key at all), on the node it wrote
      // through and on the other one (the pin is shared through Redis)
      for (const node of [a, b]) {
        assert.equal(expectStatus(await request(node.port, 'GET', `/api/v1/tasks/${t.id}`, { key: keys.creator.key, headers: OTHER }), 200).id, t.id);
        assert.equal(expectStatus(await request(node.port, 'GET', `/api/v1/tasks/${t.id}`, { headers: WRITER }), 200).id, t.id);
      }
      // another client, right away: the replica is within the bound and does not have it yet
      const stale = await request(b.port, 'GET', `/api/v1/tasks/${t.id}`, { headers: OTHER });
      assert.equal(stale.status, 404, 'the read went to the replica, which has not replayed the write');
      // once the replica is more than 1 s behind, every read goes to the primary
      await until('node b stops using the replica', 3000, async () => metric(await metrics(b.port), 'pheme_storage_replica_usable') === 0);
      assert.equal(expectStatus(await request(b.port, 'GET', `/api/v1/tasks/${t.id}`, { headers: OTHER }), 200).id, t.id);
      assert.ok(metric(await metrics(b.port), 'pheme_storage_replica_lag_bytes') > 0);
      assert.ok(metric(await metrics(b.port), 'pheme_storage_replica_staleness_seconds') > 0.5, 'behind by about the bound (as of its last check)');
    } finally {
      await replica.psql(db.name, 'SELECT pg_wal_replay_resume()');
    }
    // replay resumed: back on the replica, for the writer too once it has replayed the write
    await until('the replica is usable again', 5000, async () => metric(await metrics(b.port), 'pheme_storage_replica_usable') === 1);
    const r0 = await reads(b);
    expectStatus(await request(b.port, 'GET', '/api/v1/tasks', { key: keys.creator.key, headers: WRITER }), 200);
    const r1 = await reads(b);
    assert.ok(r1.replica > r0.replica && r1.primary === r0.primary, `the writer reads the replica again: ${JSON.stringify([r0, r1])}`);
  });

  test('replay paused: a wallet signs in on one node and is served by the other at once (its pins cover the group commit)', async () => {
    const who = privateKeyToAccount(generatePrivateKey());
    const from = { 'X-Forwarded-For': '203.0.113.30' };
    await replica.psql(db.name, 'SELECT pg_wal_replay_pause()');
    // the pause is only requested: replay may apply more records until it takes effect
    await until('replay is paused', 5000, async () => (await replica.psql(db.name, 'SELECT pg_get_wal_replay_pause_state()')).trim() === 'paused');
    try {
      const n = expectStatus(await request(a.port, 'POST', '/api/v1/auth/nonce', { headers: from, json: { address: who.address, chainId: 31337 } }), 200);
      const signature = await who.signMessage({ message: n.message });
      const session = expectStatus(await request(b.port, 'POST', '/api/v1/auth/verify', { headers: from, json: { message: n.message, signature } }), 200);
      // the person and the session exist only on the primary: /me on the other node finds them
      const me = expectStatus(await request(a.port, 'GET', '/api/v1/me', { key: session.accessToken, headers: from }), 200);
      assert.equal(me.address.toLowerCase(), who.address.toLowerCase());
      assert.equal((await replica.psql(db.name, `SELECT count(*) FROM users WHERE address = decode('${who.address.slice(2).toLowerCase()}', 'hex')`)).trim(), '0',
        'the replica really does not have the new person yet');
    } finally {
      await replica.psql(db.name, 'SELECT pg_wal_replay_resume()');
    }
  });

  test('the replica stopped: reads go to the primary and nothing fails', async () => {
    await replica.stop();
    replica = null;
    await until('node a stops using the replica', 3000, async () => metric(await metrics(a.port), 'pheme_storage_replica_usable') === 0);
    for (let i = 0; i < 10; i++) expectStatus(await request(a.port, 'GET', '/api/v1/tasks', { headers: OTHER }), 200);
    expectStatus(await request(a.port, 'POST', '/api/v1/tasks', { key: keys.creator.key, json: taskBody() }), 201);
    assert.ok(metric(await metrics(a.port), 'pheme_storage_replica_checks_failed_total') >= 1);
  });
});

describe('a replica that is down at start', () => {
  let replica; let db; let node;

  after(async () => {
    if (node) await node.stop();
    if (replica) await replica.stop();
  });

  test('the node starts with reads on the primary, says the replica is down, and attaches it once it runs', async () => {
    db = await freshDatabase('replica_late');
    assert.equal((await runPheme(['migrate', '--database', db.url])).code, 0);
    replica = await startReplica({ start: false }); // made by pg_basebackup, not running: its port refuses
    node = await startNode({
      name: 'replica-late', port: await freePort(), db,
      args: ['--role', 'api', '--database-replica', replica.url(db), '--database-replica-max-lag-ms', '1000',
        '--answer-cache', 'off', '--rate-limit', 'off', '--migrate-on-start', 'false'],
    });
    assert.match(node.log(), /replica is down at start/);
    const down = async () => {
      const r = await request(node.port, 'GET', '/readyz');
      return r.status === 200 && r.body.dependencies.replica && r.body.dependencies.replica.state === 'down';
    };
    await until('/readyz names the replica down', 10000, down);
    const ready = expectStatus(await request(node.port, 'GET', '/readyz'), 200);
    assert.equal(ready.dependencies.replica.usable, false);
    assert.ok(ready.degraded.includes('replica'), JSON.stringify(ready));
    let m = await metrics(node.port);
    assert.equal(metric(m, 'pheme_storage_replica_up'), 0);
    assert.equal(metric(m, 'pheme_storage_replica_usable'), 0);
    const p0 = metric(m, 'pheme_storage_reads_total', ['to="primary"']);
    for (let i = 0; i < 5; i++) expectStatus(await request(node.port, 'GET', '/api/v1/tasks', { headers: OTHER }), 200);
    m = await metrics(node.port);
    assert.ok(metric(m, 'pheme_storage_reads_total', ['to="primary"']) - p0 >= 5, 'the reads went to the primary');

    await replica.start();
    // checked again with back-off (at most 5 s apart): attached within that, with room for a busy machine
    await until('the node attaches the replica', 30000, async () => metric(await metrics(node.port), 'pheme_storage_replica_usable') === 1);
    const up = expectStatus(await request(node.port, 'GET', '/readyz'), 200);
    assert.equal(up.dependencies.replica.state, 'up');
    assert.ok(!up.degraded.includes('replica'), JSON.stringify(up));
    assert.equal(metric(await metrics(node.port), 'pheme_storage_replica_up'), 1);
    const r0 = metric(await metrics(node.port), 'pheme_storage_reads_total', ['to="replica"']);
    for (let i = 0; i < 5; i++) expectStatus(await request(node.port, 'GET', '/api/v1/tasks', { headers: OTHER }), 200);
    assert.ok(metric(await metrics(node.port), 'pheme_storage_reads_total', ['to="replica"']) - r0 >= 5, 'reads go to the replica now');
    assert.match(node.log(), /replica: answers again/);
  });
});
