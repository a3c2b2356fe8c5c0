// Connection pools sized per role (docs/operations.md "Connection pools"): each node on a database
// of its own, so that pg_stat_activity's count per database is that node's pool.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { BIN, freshDatabase, pgQuery, PG_URL, sleep } from '../integration/lib/harness.mjs';
import { Proc, freePort, startNode } from './lib.mjs';

describe('connection pools per role', () => {
  const nodes = [];
  after(async () => { for (const n of nodes) await n.stop(); });

  async function connections(db) {
    return Number((await pgQuery({ url: PG_URL }, `SELECT count(*) FROM pg_stat_activity WHERE datname = '${db.name}'`)).trim());
  }

  test('api, worker, indexer and all open the pools their keys say; workers and indexers open no replica pool', async () => {
    const dbs = {};
    for (const k of ['api', 'apiReplica', 'worker', 'workerReplica', 'indexer', 'all']) dbs[k] = await freshDatabase(`pool_${k}`);
    // every role is given every key: each must take its own
    const keys = ['--db-pool-size', '4', '--db-pool-size-api', '3', '--db-pool-size-worker', '5', '--db-pool-size-indexer', '2',
      '--db-replica-pool-size', '2', '--jobs-workers', '1', '--rate-limit', 'off'];
    for (const [name, role, db, replica] of [['pool-api', 'api', dbs.api, dbs.apiReplica], ['pool-worker', 'worker', dbs.worker, dbs.workerReplica],
      ['pool-indexer', 'indexer', dbs.indexer, null], ['pool-all', 'all', dbs.all, null]]) {
      nodes.push(await startNode({ name, port: await freePort(), db, args: [...keys, '--role', role, ...(replica ? ['--database-replica', replica.url] : [])] }));
    }
    assert.equal(await connections(dbs.api), 3, 'db_pool_size_api');
    assert.equal(await connections(dbs.apiReplica), 2, 'db_replica_pool_size');
    assert.equal(await connections(dbs.worker), 5, 'db_pool_size_worker');
    assert.equal(await connections(dbs.workerReplica), 0, 'a worker reads the primary only');
    assert.equal(await connections(dbs.indexer), 2, 'db_pool_size_indexer');
    assert.equal(await connections(dbs.all), 4, 'db_pool_size for role all');
  });

  test('`pheme worker` (no listener) is a worker node too: db_pool_size_worker, no replica pool', async () => {
    const db = await freshDatabase('pool_cli_worker');
    const replica = await freshDatabase('pool_cli_worker_replica');
    const w = new Proc('pool-cli-worker', BIN, ['worker', '--database', db.url, '--database-replica', replica.url,
      '--db-pool-size', '4', '--db-pool-size-worker', '5', '--db-replica-pool-size', '2', '--jobs-workers', '1',
      '--log-level', 'warn']);
    try {
      // the pools open at start; wait until the primary's has (or the process died)
      for (let i = 0; i < 600 && !w.exit && await connections(db) < 5; i++) await sleep(50);
      assert.equal(w.exit, null, 'the worker is running');
      assert.equal(await connections(db), 5, 'db_pool_size_worker');
      assert.equal(await connections(replica), 0, 'a worker reads the primary only');
    } finally {
      await w.stop();
    }
  });
});
