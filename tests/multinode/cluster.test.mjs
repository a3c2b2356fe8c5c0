// The multi-node topology of deploy/compose.yaml as plain processes on loopback (issue 16):
// PostgreSQL (run.sh's) + Redis + anvil with the suite deployed, two `pheme serve --role api`, a
// worker, two indexers (one active, one standby), nginx with deploy/nginx.conf in front. Then the
// faults, in this order: an API node SIGKILLed under writes, the active indexer SIGKILLed, Redis
// stopped, PostgreSQL stopped hard and started again. Each test says what it holds to.
//
// No assertion is a wall-clock window of the test itself (the machine may be at load 10 and more):
// a test waits for its condition with a generous bound, and a figure the issue sets (the standby
// indexer's takeover ≤ 10 s) is measured by the processes' own clocks — PostgreSQL's, for the
// moment the standby's lease was written.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  ROOT, WORK, castKeys, expectStatus, freshDatabase, pgQuery, runPheme, taskBody,
} from '../integration/lib/harness.mjs';
import {
  DEV_KEY, freePort, metric, metrics, pgStart, pgStopImmediate, request, rpc, sleep,
  startAnvil, startNginx, startNode, startRedis,
} from './lib.mjs';

const require = createRequire(path.join(ROOT, 'tests', 'auth', 'package.json'));
const { generatePrivateKey, privateKeyToAccount } = await import(require.resolve('viem/accounts'));

const SKILLS = 'route="GET /api/v1/skills"';
const NONCE = 'route="POST /api/v1/auth/nonce"';

// Every status of count(route) on a node: sum of pheme_http_requests_total lines with those labels.
function served(text, route, status = '') {
  let n = 0;
  for (const l of text.split('\n')) {
    if (l.startsWith('pheme_http_requests_total{') && l.includes(route) && (!status || l.includes(`status="${status}"`))) n += Number(l.split(' ').pop());
  }
  return n;
}

// An SSE reader: collects the data: payloads of /api/v1/events.
function subscribe(port, key, p) {
  return new Promise((resolve, reject) => {
    const got = [];
    const req = http.get({ host: '127.0.0.1', port, path: p, agent: false,
      headers: { Accept: 'text/event-stream', Authorization: `Bearer ${key}` } }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buf += chunk;
        for (let i; (i = buf.indexOf('\n\n')) >= 0; buf = buf.slice(i + 2)) {
          const data = buf.slice(0, i).split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
          if (data) got.push(JSON.parse(data));
        }
      });
      resolve({ status: res.statusCode, got, close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}

async function until(what, ms, fn, every = 100) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    last = await fn().catch((e) => ({ error: e.message }));
    if (last && !last.error && last !== false) return last;
    await sleep(every);
  }
  assert.fail(`${what}: not within ${ms} ms (last: ${JSON.stringify(last)})`);
}

describe('multi-node: nginx, two API nodes, a worker, two indexers, PostgreSQL, Redis', () => {
  const P = {};
  let redis; let anvil; let nginx; let db; let keys; let env; let manifest;
  const nodes = {};
  let common; let chainArgs;

  const viaNginx = (method, p, opts = {}) => request(P.nginx, method, p, { timeout: 15000, ...opts });
  const api = (name) => nodes[name];

  async function startApi(name, port) {
    nodes[name] = await startNode({ name, port, db, env, args: [...common, ...chainArgs, '--role', 'api', '--jobs-workers', '0'] });
    return nodes[name];
  }
  async function startIndexer(name, port, database = db) {
    return startNode({ name, port, db: database, env,
      args: [...common, ...chainArgs, '--role', 'indexer', '--chain-poll-ms', '200', '--chain-confirmations', '0'] });
  }
  const cursor = async (database = db) => {
    const [owner, block] = (await pgQuery(database, 'SELECT coalesce(owner, \'\'), block_number FROM chain_cursor WHERE chain_id = 31337')).trim().split('|');
    return { owner, block: Number(block) };
  };

  before(async () => {
    for (const k of ['redis', 'anvil', 'nginx', 'api1', 'api2', 'worker', 'idx1', 'idx2', 'idx3']) P[k] = await freePort();
    redis = await startRedis(P.redis);
    anvil = await startAnvil(P.anvil);
    const keyFile = path.join(WORK, 'operator.key');
    fs.writeFileSync(keyFile, DEV_KEY, { mode: 0o600 });
    manifest = path.join(WORK, 'manifest-31337.json');
    chainArgs = ['--chain-rpc', `http://127.0.0.1:${P.anvil}`, '--chain-id', '31337', '--chain-manifest', manifest,
      '--chain-operator-key', `@${keyFile}`];
    const dep = await runPheme(['chain', 'deploy', ...chainArgs], { timeout: 60000 });
    assert.equal(dep.code, 0, `pheme chain deploy: ${dep.stderr}`);
    db = await freshDatabase('multinode');
    const mig = await runPheme(['migrate', '--database', db.url]);
    assert.equal(mig.code, 0, mig.stderr);
    keys = await castKeys(db);
    // secrets in the environment, as compose's env_file gives them: one JWT key for every node
    env = { PHEME_REDIS: `redis://127.0.0.1:${P.redis}/4`, PHEME_JWT_KEYS: `k1:${crypto.randomBytes(32).toString('hex')}` };
    common = ['--public-url', `http://127.0.0.1:${P.nginx}`, '--trusted-proxies', '127.0.0.1', '--migrate-on-start', 'false',
      '--rate-limit', 'on', '--rate-limit-auth', '10', '--rate-limit-read', '100000', '--rate-limit-write', '100000',
      '--redis-backoff-ms', '200', '--events-poll-ms', '60000', '--events-heartbeat', '0', '--jobs-poll-ms', '100',
      '--db-busy-timeout', '2000'];
    await startApi('api1', P.api1);
    await startApi('api2', P.api2);
    nodes.worker = await startNode({ name: 'worker', port: P.worker, db, env, args: [...common, ...chainArgs, '--role', 'worker'] });
    nodes.idx1 = await startIndexer('idx1', P.idx1);
    await until('idx1 holds the lease', 60000, async () => (await cursor()).owner.includes(`:${nodes.idx1.pid}:`));
    nodes.idx2 = await startIndexer('idx2', P.idx2);
    nginx = await startNginx(P.nginx, [P.api1, P.api2]);
  });

  after(async () => {
    for (const n of Object.values(nodes)) if (n && !n.exit) await n.stop();
    if (nginx) await nginx.stop('SIGQUIT');
    if (anvil) await anvil.stop();
    if (redis) await redis.stop();
  });

  test('requests through nginx succeed and are spread over both API nodes; the worker does the jobs', async () => {
    const m0 = [await metrics(P.api1), await metrics(P.api2)];
    for (let i = 0; i < 40; i++) expectStatus(await viaNginx('GET', '/api/v1/skills'), 200, 'GET /api/v1/skills via nginx');
    const m1 = [await metrics(P.api1), await metrics(P.api2)];
    const each = m1.map((m, i) => served(m, SKILLS, '200') - served(m0[i], SKILLS, '200'));
    assert.equal(each[0] + each[1], 40, `the nodes served ${each}`);
    assert.ok(each[0] >= 10 && each[1] >= 10, `both nodes served a share: ${each}`);
    // a submission made through nginx is moved on by the worker node (the API nodes run no jobs)
    const auth = { Authorization: `Bearer ${keys.creator.key}` };
    const t = expectStatus(await viaNginx('POST', '/api/v1/tasks', { headers: auth, json: taskBody({
      validation: { aiReview: true, peerReview: false, minScore: 1, evidenceTypes: ['link'] } }) }), 201);
    const s = expectStatus(await viaNginx('POST', `/api/v1/tasks/${t.id}/submissions`, { headers: { Authorization: `Bearer ${keys.user.key}` },
      json: { text: 'Stateless API nodes behind nginx; one queue shared by the workers; one indexer elected per chain.',
        evidence: [{ type: 'link', url: 'https://example.com/multinode' }] } }), 201);
    await until('the worker approves the submission', 60000, async () =>
      expectStatus(await viaNginx('GET', `/api/v1/submissions/${s.id}`, { headers: auth }), 200).state === 'APPROVED');
  });

  test('a person signs in through one node and is served by the other', async () => {
    const who = privateKeyToAccount(generatePrivateKey());
    const n = expectStatus(await request(P.api1, 'POST', '/api/v1/auth/nonce', { json: { address: who.address, chainId: 31337 } }), 200);
    const signature = await who.signMessage({ message: n.message });
    const session = expectStatus(await request(P.api2, 'POST', '/api/v1/auth/verify', { json: { message: n.message, signature } }), 200);
    const me = expectStatus(await request(P.api1, 'GET', '/api/v1/me', { key: session.accessToken }), 200);
    assert.equal(me.address.toLowerCase(), who.address.toLowerCase());
    const fresh = expectStatus(await request(P.api1, 'POST', '/api/v1/auth/refresh', { json: { refreshToken: session.refreshToken } }), 200);
    expectStatus(await request(P.api2, 'GET', '/api/v1/me', { key: fresh.accessToken }), 200);
    // the spent refresh token used again on the other node ends the session there, and the node
    // that issued the fresh token refuses it at once: sessions live in the database, not a node
    assert.equal((await request(P.api2, 'POST', '/api/v1/auth/refresh', { json: { refreshToken: session.refreshToken } })).status, 401);
    assert.equal((await request(P.api1, 'GET', '/api/v1/me', { key: fresh.accessToken })).status, 401);
  });

  // Node 1 polls the outbox only once a minute: three events made one after another, each seen
  // within 15 s, cannot all have come by the poll (after one poll the next is a minute away).
  test('an SSE subscriber on node 1 sees events made through node 2 through Redis, not by its once-a-minute poll', async () => {
    const sse = await subscribe(P.api1, keys.admin.key, '/api/v1/events?kinds=submission.submitted');
    assert.equal(sse.status, 200);
    await sleep(100);
    const t = expectStatus(await request(P.api2, 'POST', '/api/v1/tasks', { key: keys.creator.key, json: taskBody({ title: 'Fan-out' }) }), 201);
    for (const who of ['user', 'user2', 'validator']) {
      const s = expectStatus(await request(P.api2, 'POST', `/api/v1/tasks/${t.id}/submissions`, { key: keys[who].key,
        json: { text: 'Events cross nodes through Redis: a notice wakes every node, which reads the outbox in order.' } }), 201);
      await until(`node 1's stream shows submission ${s.id}`, 15000, async () =>
        sse.got.some((e) => e.kind === 'submission.submitted' && e.data && e.data.submission_id === s.id), 20);
    }
    sse.close();
  });

  test('a limit of 10 sign-in requests a minute holds across both nodes behind nginx: exactly 10 of 20 pass', async () => {
    const m0 = [await metrics(P.api1), await metrics(P.api2)];
    const statuses = [];
    for (let i = 0; i < 20; i++) {
      // the client nginx names in X-Forwarded-For (127.0.0.1 is a trusted proxy): one client
      const r = await viaNginx('POST', '/api/v1/auth/nonce', { headers: { 'X-Forwarded-For': '198.51.100.7' },
        json: { address: '0x1111111111111111111111111111111111111111', chainId: 31337 } });
      statuses.push(r.status);
    }
    assert.equal(statuses.filter((s) => s === 200).length, 10, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 429).length, 10, statuses.join(','));
    const m1 = [await metrics(P.api1), await metrics(P.api2)];
    const refused = m1.map((m, i) => served(m, NONCE, '429') - served(m0[i], NONCE, '429'));
    assert.ok(refused[0] > 0 && refused[1] > 0, `both nodes refused some (one bucket, not one per node): ${refused}`);
  });

  test('node 1 SIGKILLed under writes: every acknowledged write is kept, the clients go on through node 2', async () => {
    const acked = [];
    const failed = [];
    let deadAt = 0; // node 1 reaped: every write started after this cannot be in flight on it
    const afterKill = [];
    const auth = { Authorization: `Bearer ${keys.creator.key}` };
    // the writers go on until node 2 has taken 12 writes after the kill (or a generous bound)
    const giveUp = Date.now() + 90000;
    const enough = () => (deadAt && afterKill.length >= 12) || Date.now() > giveUp;
    const writer = async (w) => {
      for (let i = 0; !enough(); i++) {
        const started = Date.now();
        let r;
        try {
          r = await viaNginx('POST', '/api/v1/tasks', { headers: auth, json: taskBody({ title: `Load ${w}-${i}` }) });
        } catch (e) { r = { status: 0, text: e.message }; }
        if (r.status === 201) acked.push(r.body.id); else failed.push({ status: r.status, started, text: r.text.slice(0, 200) });
        if (deadAt && started > deadAt) afterKill.push(r.status);
      }
    };
    const killer = (async () => {
      // killed under writes: once both nodes have acknowledged some
      await until('writes before the kill', 60000, async () => acked.length >= 8, 20);
      await api('api1').kill('SIGKILL');
      deadAt = Date.now();
    })();
    await Promise.all([writer(1), writer(2), writer(3), writer(4), killer]);
    assert.ok(acked.length >= 20, `writes went on: ${acked.length} acknowledged`);
    // only a write in flight on node 1 when it died may fail (nginx does not resend a POST that
    // reached a node); each of the 4 clients has at most one in flight
    assert.ok(failed.length <= 4, `failed: ${JSON.stringify(failed)}`);
    for (const f of failed) assert.ok(f.started <= deadAt && f.status === 502, `only writes in flight at the kill fail: ${JSON.stringify(f)}`);
    assert.ok(afterKill.length >= 12 && afterKill.every((s) => s === 201), `after the kill every write went through node 2: ${afterKill}`);
    console.log(`# ${acked.length} writes acknowledged, ${failed.length} failed (${failed.map((f) => f.status)}), ${afterKill.length} after the kill`);
    const stored = (await pgQuery(db, `SELECT count(*) FROM tasks WHERE id IN (${acked.join(',')})`)).trim();
    assert.equal(Number(stored), acked.length, 'every acknowledged write is in the database');
    // reads go on too, and node 1 comes back on its port and takes its share again
    for (let i = 0; i < 10; i++) expectStatus(await viaNginx('GET', `/api/v1/tasks/${acked[i]}`), 200);
    await startApi('api1', P.api1);
    // (nginx skips a node that failed for fail_timeout, 10 s, then tries it again)
    await until('nginx sends to node 1 again', 60000, async () => {
      expectStatus(await viaNginx('GET', '/api/v1/skills'), 200);
      return served(await metrics(P.api1), SKILLS) > 0;
    }, 200);
  });

  test('the active indexer SIGKILLed: the standby takes the lease within 10 s and its projections equal a fresh index', async () => {
    const head0 = Number(await rpc(P.anvil, 'eth_blockNumber'));
    await until('idx1 indexed the deployment', 60000, async () => (await cursor()).block >= head0);
    assert.match((await cursor()).owner, new RegExp(`:${nodes.idx1.pid}:`));
    // PostgreSQL notes the moment the lease changes hands, by its own clock (the same machine
    // clock as this process's): the takeover is timed by when the standby wrote its lease, not by
    // when this test, maybe starved of CPU, looked
    await pgQuery(db, `CREATE TABLE test_lease_changes (owner TEXT, at_ms BIGINT);
      CREATE FUNCTION test_note_lease() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        INSERT INTO test_lease_changes VALUES (NEW.owner, (extract(epoch FROM clock_timestamp()) * 1000)::bigint); RETURN NEW; END $$;
      CREATE TRIGGER test_note_lease AFTER UPDATE ON chain_cursor FOR EACH ROW
        WHEN (OLD.owner IS DISTINCT FROM NEW.owner) EXECUTE FUNCTION test_note_lease();`);
    const killed = Date.now(); // SIGKILL is sent right after, synchronously
    await nodes.idx1.kill('SIGKILL');
    // the chain moves on meanwhile: a delegation (a projected event) and some empty blocks
    const dev = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
    const token = JSON.parse(fs.readFileSync(manifest, 'utf8')).contracts.PhemeToken;
    await rpc(P.anvil, 'eth_sendTransaction', [{ from: dev, to: token, data: `0x5c19a95c${dev.slice(2).toLowerCase().padStart(64, '0')}` }]);
    await rpc(P.anvil, 'anvil_mine', ['0x5']);
    const head = Number(await rpc(P.anvil, 'eth_blockNumber'));
    await until('idx2 takes the lease', 60000, async () => (await cursor()).owner.includes(`:${nodes.idx2.pid}:`), 200);
    const [owner, at] = (await pgQuery(db, 'SELECT owner, at_ms FROM test_lease_changes ORDER BY at_ms LIMIT 1')).trim().split('|');
    assert.match(owner, new RegExp(`:${nodes.idx2.pid}:`), 'the first change of hands after the kill is to the standby');
    const took = Number(at) - killed;
    assert.ok(took >= 0 && took <= 10000, `the standby took the lease ${took} ms after the kill (at most 10 s; lease 8 s)`);
    await pgQuery(db, 'DROP TRIGGER test_note_lease ON chain_cursor; DROP FUNCTION test_note_lease(); DROP TABLE test_lease_changes');
    await until('idx2 indexes to the head', 60000, async () => (await cursor()).block >= head);
    console.log(`# standby took over ${took} ms after the kill (lease 8 s)`);
    // a fresh index of the same chain, by a third indexer on an empty database
    const fresh = await freshDatabase('fresh_index');
    assert.equal((await runPheme(['migrate', '--database', fresh.url])).code, 0);
    const idx3 = await startIndexer('idx3', P.idx3, fresh);
    try {
      await until('a fresh indexer reaches the head', 90000, async () => (await cursor(fresh)).block >= head);
    } finally { await idx3.stop(); }
    const projection = 'SELECT kind, key, encode(owner, \'hex\'), amount, data, ord, block_number FROM chain_entities ORDER BY kind, key';
    const a = await pgQuery(db, projection);
    const b = await pgQuery(fresh, projection);
    assert.ok(a.split('\n').length > 10, 'the deployment made projections');
    assert.ok(/delegat/.test(a), 'the delegation made after the kill is projected');
    assert.equal(a, b, 'the taken-over index equals a fresh one');
    const logs = 'SELECT count(*), coalesce(sum(block_number), 0) FROM chain_logs';
    assert.equal(await pgQuery(db, logs), await pgQuery(fresh, logs));
  });

  test('the chain node hangs (SIGSTOP) and comes back: requests never wait for it, the indexer catches up', async () => {
    const before = (await cursor()).block;
    process.kill(anvil.pid, 'SIGSTOP');
    try {
      // a request that waited for the hung node would take its RPC timeout (10 s, src/chain/rpc.c):
      // each one answered well before that waited for nothing
      const timed = async (what, fn) => {
        const t0 = Date.now();
        await fn();
        const took = Date.now() - t0;
        assert.ok(took < 8000, `${what} answered in ${took} ms: it did not wait for the chain node`);
      };
      for (let i = 0; i < 10; i++) await timed('a read', async () => expectStatus(await viaNginx('GET', '/api/v1/tasks?limit=5'), 200, 'a read while the node hangs'));
      await timed('a write', async () => expectStatus(await viaNginx('POST', '/api/v1/tasks', { headers: { Authorization: `Bearer ${keys.creator.key}` }, json: taskBody() }), 201));
      await sleep(2000);
      for (const name of ['api1', 'api2', 'worker', 'idx2']) assert.equal(nodes[name].exit, null, `${name} is still running`);
      expectStatus(await request(P.idx2, 'GET', '/readyz'), 200);
    } finally { process.kill(anvil.pid, 'SIGCONT'); }
    await rpc(P.anvil, 'anvil_mine', ['0x3']);
    const head = Number(await rpc(P.anvil, 'eth_blockNumber'));
    assert.ok(head >= before + 3);
    await until('the indexer indexes the blocks made after the node came back', 60000, async () => (await cursor()).block >= head);
  });

  test('Redis down: nothing fails, /readyz and /metrics say degraded; Redis back: shared again', async () => {
    await redis.stop();
    redis = null;
    const auth = { Authorization: `Bearer ${keys.creator.key}` };
    for (let i = 0; i < 20; i++) {
      expectStatus(await viaNginx('GET', '/api/v1/skills'), 200, 'a read while Redis is down');
      if (i % 4 === 0) expectStatus(await viaNginx('POST', '/api/v1/tasks', { headers: auth, json: taskBody() }), 201, 'a write while Redis is down');
    }
    for (const name of ['api1', 'api2', 'worker']) {
      const port = nodes[name].port;
      const r = await until(`${name} says Redis is down`, 30000, async () => {
        const x = (await request(port, 'GET', '/readyz')).body;
        return x && x.dependencies.redis.state === 'down' ? x : false;
      });
      assert.equal(r.status, 'ready');
      assert.deepEqual(r.degraded, ['redis']);
      assert.equal(metric(await metrics(port), 'pheme_redis_up'), 0);
    }
    redis = await startRedis(P.redis);
    for (const name of ['api1', 'api2']) {
      const port = nodes[name].port;
      await until(`${name} shares Redis again`, 30000, async () => {
        await request(port, 'GET', '/api/v1/skills'); // a rate-limit check after the back-off reconnects
        return (await request(port, 'GET', '/readyz')).body.dependencies.redis.state === 'up';
      });
      assert.equal(metric(await metrics(port), 'pheme_redis_up'), 1);
    }
  });

  test('PostgreSQL restarted while the nodes are idle: no request after it is refused', async () => {
    // every pooled connection of every node is broken now, and libpq learns it only when it sends
    // a statement on one: a read or a BEGIN that meets one reconnects and runs again
    // (src/store/pg/driver.c); without that, the first use of each would answer 503 SYS002
    await pgStopImmediate();
    await pgStart();
    const auth = { Authorization: `Bearer ${keys.creator.key}` };
    const answers = [];
    for (let round = 0; round < 3; round++) {
      const batch = [];
      for (const name of ['api1', 'api2']) {
        // authenticated, so that each read looks its key up in the database (the answer cache
        // cannot stand in for that), six at once to meet several pooled connections
        for (let i = 0; i < 6; i++) batch.push(request(nodes[name].port, 'GET', '/api/v1/tasks?limit=5', { headers: auth }).then((r) => ({ r, what: `${name} read` })));
        batch.push(request(nodes[name].port, 'POST', '/api/v1/tasks', { headers: auth, json: taskBody({ title: `After restart ${round} ${name}` }) })
          .then((r) => ({ r, what: `${name} write` })));
      }
      answers.push(...await Promise.all(batch));
    }
    assert.deepEqual(answers.filter((a) => a.r.status !== (a.what.endsWith('read') ? 200 : 201)).map((a) => `${a.what}: ${a.r.status} ${a.r.text.slice(0, 100)}`), []);
  });

  test('PostgreSQL stopped hard under load: clean 503 SYS002 answers, not-ready; started again: every request succeeds, no restart', async () => {
    const pids = Object.fromEntries(['api1', 'api2', 'worker', 'idx2'].map((n) => [n, nodes[n].pid]));
    const auth = { Authorization: `Bearer ${keys.creator.key}` };
    const answers = [];
    let stop = false;
    const load = (async () => {
      for (let i = 0; !stop; i++) {
        const at = Date.now();
        const r = i % 2 ? await viaNginx('GET', '/api/v1/tasks?limit=5') : await viaNginx('POST', '/api/v1/tasks', { headers: auth, json: taskBody({ title: `During ${i}` }) });
        r.at = at;
        r.read = i % 2 === 1;
        answers.push(r);
        await sleep(20);
      }
    })();
    await sleep(500);
    await pgStopImmediate();
    const down = Date.now();
    for (const name of ['api1', 'api2', 'worker', 'idx2']) {
      await until(`${name} is not ready`, 30000, async () => (await request(nodes[name].port, 'GET', '/readyz')).status === 503);
    }
    await sleep(1000);
    const during = answers.filter((r) => r.status !== 200 && r.status !== 201);
    assert.ok(during.length > 0, 'requests were refused while PostgreSQL was down');
    for (const r of during) {
      assert.equal(r.status, 503, `a clean refusal: ${r.status} ${r.text.slice(0, 200)}`);
      assert.equal(r.body.error.code, 'SYS002', r.text);
    }
    await pgStart();
    const up = Date.now();
    for (const name of ['api1', 'api2', 'worker', 'idx2']) {
      await until(`${name} is ready again`, 60000, async () => (await request(nodes[name].port, 'GET', '/readyz')).status === 200);
    }
    const ready = Date.now() - up;
    const n = answers.length;
    await until('twenty more requests answered', 60000, async () => answers.length >= n + 20);
    stop = true;
    await load;
    // once PostgreSQL is back (pg_ctl -w has returned: it takes connections), nothing is refused:
    // a read or a BEGIN that meets a pooled connection the restart broke reconnects and runs again
    // (src/store/pg/driver.c), so every request started after that succeeds, on every node
    const after = answers.filter((r) => r.at >= up);
    assert.ok(after.length >= 20 && after.some((r) => r.read) && after.some((r) => !r.read), `requests after the restart: ${after.length}`);
    assert.deepEqual(after.filter((r) => r.status !== (r.read ? 200 : 201)).map((r) => `${r.read ? 'read' : 'write'} ${r.status} ${r.text.slice(0, 100)}`), []);
    for (const [name, pid] of Object.entries(pids)) {
      assert.equal(nodes[name].exit, null, `${name} kept running`);
      assert.equal(nodes[name].pid, pid);
    }
    console.log(`# PostgreSQL down ${up - down} ms; every node ready ${ready} ms after it was back`);
  });
});
