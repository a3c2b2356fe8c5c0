// The read-replica setting (PostgreSQL): reads go to the replica's pool, writes to the primary.
// Two different databases stand in for primary and replica so the routing shows: a row that only
// the "replica" has is read, and a row written through the server lands in the primary only.
// (Replication itself is PostgreSQL's; with a real replica both hold the same rows, later.)
// With SQLite the setting is refused at start-up.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BACKEND, castKeys, expectStatus, freshDatabase, pgQuery, runPheme, startServer, taskBody,
} from './lib/harness.mjs';

describe('replica', () => {
  const servers = [];
  after(async () => { for (const s of servers) await s.stop(); });

  if (BACKEND === 'sqlite') {
    test('a replica URL with SQLite is refused, naming the setting', async () => {
      const db = await freshDatabase('replica');
      const r = await runPheme(['serve', '--listen', '127.0.0.1:0', '--database', db.url,
        '--database-replica', 'postgresql://nobody@127.0.0.1:1/x']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /database_replica is for PostgreSQL/);
    });
    return;
  }

  test('reads are served by the replica, writes go to the primary', async () => {
    const primary = await freshDatabase('primary');
    const replica = await freshDatabase('replica');
    // give the "replica" its own task, written by a server of its own
    const rkeys = await castKeys(replica);
    const rsrv = await startServer({ db: replica, name: 'replica-own' });
    servers.push(rsrv);
    const only = expectStatus(await rsrv.client(rkeys.creator.key).post('/api/v1/tasks', taskBody({ title: 'Only on the replica' })), 201);
    await rsrv.stop();
    servers.pop();

    const pkeys = await castKeys(primary);
    const srv = await startServer({ db: primary, name: 'with-replica', args: ['--database-replica', replica.url] });
    servers.push(srv);
    const anon = srv.client();
    const got = expectStatus(await anon.get(`/api/v1/tasks/${only.id}`), 200);
    assert.equal(got.title, 'Only on the replica', 'the read went to the replica');
    const primaryRows = await pgQuery(primary, `SELECT count(*) FROM tasks WHERE title = 'Only on the replica'`);
    assert.equal(primaryRows.trim(), '0', 'the primary never had that task');
    // a write goes to the primary (authentication reads the key from the replica, which has the
    // same key rows only if replicated: copy them, as replication would)
    await pgQuery(replica, 'DELETE FROM api_keys');
    const keyRows = await pgQuery(primary, `SELECT id, user_id, encode(hash, 'hex'), prefix, role FROM api_keys ORDER BY id`);
    const userRows = await pgQuery(primary, `SELECT id, encode(address, 'hex') FROM users ORDER BY id`);
    for (const line of userRows.trim().split('\n')) {
      const [id, addr] = line.split('|');
      await pgQuery(replica, `INSERT INTO users (id, address, created_at, updated_at) VALUES (${id}, decode('${addr}', 'hex'), 0, 0) ON CONFLICT (id) DO UPDATE SET address = EXCLUDED.address`);
    }
    for (const line of keyRows.trim().split('\n')) {
      const [id, user, hash, prefix, role] = line.split('|');
      await pgQuery(replica, `INSERT INTO api_keys (id, user_id, hash, prefix, role, created_at) VALUES (${id}, ${user}, decode('${hash}', 'hex'), '${prefix}', '${role}', 0)`);
    }
    const made = expectStatus(await srv.client(pkeys.creator.key).post('/api/v1/tasks', taskBody({ title: 'Written to the primary' })), 201);
    const onPrimary = await pgQuery(primary, `SELECT title FROM tasks WHERE id = ${made.id}`);
    assert.equal(onPrimary.trim(), 'Written to the primary');
    const onReplica = await pgQuery(replica, `SELECT count(*) FROM tasks WHERE title = 'Written to the primary'`);
    assert.equal(onReplica.trim(), '0', 'nothing was written to the replica');
  });
});
