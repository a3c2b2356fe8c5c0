// The read-replica setting (PostgreSQL; store/pg/replica.h): reads of requests go to the replica
// only while it is a standby within database_replica_max_lag_ms of the primary. Here two different
// databases stand in for primary and "replica": the second is not in recovery, so nothing says how
// far behind it is, and it is never read (a row only it has is not found; writes land in the
// primary only). With SQLite the setting is refused at start-up.
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

  // A real streaming replica (bounded staleness, read-your-writes) is tests/multinode/replica.test.mjs.
  test('a "replica" that is not a standby in recovery serves nothing: every read goes to the primary', async () => {
    const primary = await freshDatabase('primary');
    const replica = await freshDatabase('replica');
    // give the "replica" its own task, written by a server of its own
    const rkeys = await castKeys(replica);
    const rsrv = await startServer({ db: replica, name: 'replica-own' });
    servers.push(rsrv);
    // (two: the primary gets one, so the second id exists only here)
    expectStatus(await rsrv.client(rkeys.creator.key).post('/api/v1/tasks', taskBody({ title: 'Also only on the replica' })), 201);
    const only = expectStatus(await rsrv.client(rkeys.creator.key).post('/api/v1/tasks', taskBody({ title: 'Only on the replica' })), 201);
    await rsrv.stop();
    servers.pop();

    const pkeys = await castKeys(primary);
    const srv = await startServer({ db: primary, name: 'with-replica', args: ['--database-replica', replica.url] });
    servers.push(srv);
    const made = expectStatus(await srv.client(pkeys.creator.key).post('/api/v1/tasks', taskBody({ title: 'Written to the primary' })), 201);
    // nothing says how far behind a database that is not replaying WAL is: it is never read
    expectStatus(await srv.client().get(`/api/v1/tasks/${only.id}`), 404);
    assert.equal(expectStatus(await srv.client().get(`/api/v1/tasks/${made.id}`), 200).title, 'Written to the primary');
    const m = (await srv.client().get('/metrics')).text;
    const value = (name, label = '') => Number(m.split('\n').find((l) => l.startsWith(name) && l.includes(label)).split(' ').pop());
    assert.equal(value('pheme_storage_replica_standby'), 0);
    assert.equal(value('pheme_storage_replica_usable'), 0);
    assert.equal(value('pheme_storage_reads_total', 'to="replica"'), 0);
    assert.ok(value('pheme_storage_reads_total', 'to="primary"') > 0);
    const onReplica = await pgQuery(replica, `SELECT count(*) FROM tasks WHERE title = 'Written to the primary'`);
    assert.equal(onReplica.trim(), '0', 'nothing was written to the replica');
  });
});
