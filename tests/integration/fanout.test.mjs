// Events and the answer cache across nodes through Redis (core/redis_bus.h): two `pheme serve` on
// one database and one redis-server (Debian's, started here on loopback and stopped by its PID).
// A write through node B publishes a notice; node A's subscriber wakes its event hub at once, so
// an SSE client on A sees an event made on B although A polls the outbox only every 30 s, and A's
// answer cache (on by default with Redis configured, also on PostgreSQL) answers the new data on
// the next read. With Redis stopped: a node polling every 200 ms still delivers the event, the
// cache is bypassed (never stale), and /readyz and /metrics say Redis is down; Redis back: the
// subscriber reconnects and the cache serves hits again.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {
  WORK, castKeys, expectStatus, freePort, freshDatabase, request, sleep, startServer, taskBody, tryConnect,
} from './lib/harness.mjs';

const PIDS = process.env.PHEME_IT_PIDS || '';
const TEXT = 'A checklist for ERC-20 audits: allowance races, fee-on-transfer tokens, rebasing balances, '
  + 'return values of transfer, decimals, and a worked example on a real token with findings.';

async function startRedis(port) {
  const dir = fs.mkdtempSync(path.join(WORK, 'redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--dir', dir, '--protected-mode', 'yes'], { stdio: 'ignore' });
  if (PIDS) fs.writeFileSync(path.join(PIDS, String(child.pid)), '');
  const exited = new Promise((resolve) => child.on('exit', resolve));
  for (let i = 0; i < 100; i++) {
    if (await tryConnect(port, 200)) return { child, exited };
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not listen on ${port}`);
}

async function stopRedis(r) {
  r.child.kill('SIGTERM');
  await r.exited;
  if (PIDS) try { fs.unlinkSync(path.join(PIDS, String(r.child.pid))); } catch { /* ignore */ }
}

function metric(text, name) {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : NaN;
}

// An SSE client that notes when each event arrived.
class Sse {
  constructor(port, key, p) {
    this.events = [];
    this.ready = new Promise((resolve, reject) => {
      this.req = http.get({ host: '127.0.0.1', port, path: p, headers: { Accept: 'text/event-stream', Authorization: `Bearer ${key}` }, agent: false }, (res) => {
        this.status = res.statusCode;
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          const at = performance.now();
          buf += chunk;
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
            if (data) this.events.push({ at, data: JSON.parse(data) });
          }
        });
        resolve(this);
      });
      this.req.on('error', reject);
    });
  }

  async find(ok, timeout) {
    const end = Date.now() + timeout;
    for (;;) {
      const e = this.events.find(ok);
      if (e || Date.now() > end) return e;
      await sleep(5);
    }
  }

  close() { this.req.destroy(); }
}

// Reads path until an answer is a cache hit: while a notice is still on its way, or a connection to
// Redis is being made again after an outage (the back-off is 200 ms here), the cache is bypassed.
async function untilHit(client, p, what) {
  for (let i = 0; i < 60; i++) {
    const r = await client.get(p);
    if (r.headers['x-cache'] === 'hit') return r;
    await sleep(50);
  }
  assert.fail(`${p} was never a cache hit ${what}`);
}

describe('fanout through redis', () => {
  let redis; let redisPort; let db; let keys; let a; let b; let c; const env = {};
  const latencies = [];

  before(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    db = await freshDatabase('fanout');
    keys = await castKeys(db);
    env.PHEME_REDIS = `redis://127.0.0.1:${redisPort}/3`;
    // no job workers: a submission stays submitted, so the only event is the one the test makes.
    // Node A polls the outbox every 30 s: only a notice through Redis can wake it in time.
    const common = ['--redis-backoff-ms', '200', '--jobs-workers', '0', '--events-heartbeat', '0'];
    a = await startServer({ db, name: 'fanout-a', args: [...common, '--events-poll-ms', '30000'], env });
    b = await startServer({ db, name: 'fanout-b', args: [...common, '--events-poll-ms', '30000'], env });
  });

  after(async () => {
    for (const s of [a, b, c]) if (s) await s.stop();
    if (redis) await stopRedis(redis);
    if (latencies.length) console.log(`# A's SSE frame after B's POST was sent / answered (ms): ${latencies.map(([s, r]) => `${s.toFixed(2)}/${r.toFixed(2)}`).join(' ')}`);
  });

  async function submit(node) {
    const t = expectStatus(await node.client(keys.creator.key).post('/api/v1/tasks', taskBody()), 201);
    const t0 = performance.now();
    const s = expectStatus(await node.client(keys.user.key).post(`/api/v1/tasks/${t.id}/submissions`, { text: TEXT }), 201);
    return { sub: s, answered: performance.now(), sent: t0 };
  }
  const about = (id) => (e) => e.data.kind === 'submission.submitted' && e.data.data && e.data.data.submission_id === id;

  test('an SSE client on A sees an event made through B at once, though A polls every 30 s', async () => {
    const sse = await new Sse(a.port, keys.admin.key, '/api/v1/events?kinds=submission.*').ready;
    assert.equal(sse.status, 200);
    await sleep(100);
    for (let i = 0; i < 5; i++) {
      const w = await submit(b);
      const e = await sse.find(about(w.sub.id), 3000);
      assert.ok(e, `A's stream never saw submission ${w.sub.id} (its poll is 30 s: the notice did not wake it)`);
      latencies.push([e.at - w.sent, e.at - w.answered]);
    }
    sse.close();
    const m = (await request(a.port, 'GET', '/metrics')).text;
    assert.equal(metric(m, 'pheme_redis_subscribed'), 1);
    assert.ok(metric(m, 'pheme_redis_notices_total{direction="received"}') >= 5);
    const mb = (await request(b.port, 'GET', '/metrics')).text;
    assert.ok(metric(mb, 'pheme_redis_notices_total{direction="sent"}') >= 10);
    assert.ok(metric(mb, 'pheme_redis_shared_generation') >= 10);
  });

  test("A's answer cache (on by default with Redis) answers a write made through B at once", async () => {
    const creatorB = b.client(keys.creator.key);
    const t = expectStatus(await creatorB.post('/api/v1/tasks', taskBody({ title: 'Before' })), 201);
    const anonA = a.client();
    assert.equal((await anonA.get(`/api/v1/tasks/${t.id}`)).headers['x-cache'], 'miss');
    const hit = await untilHit(anonA, `/api/v1/tasks/${t.id}`, '(the cache is on with Redis configured, on either backend)');
    assert.equal(hit.body.title, 'Before');
    for (let i = 0; i < 5; i++) {
      expectStatus(await creatorB.patch(`/api/v1/tasks/${t.id}`, { title: `After ${i}` }), 200);
      const r = expectStatus(await anonA.get(`/api/v1/tasks/${t.id}`), 200);
      assert.equal(r.title, `After ${i}`, "A's next read shows B's write");
      const again = await untilHit(anonA, `/api/v1/tasks/${t.id}`, 'after the edit');
      assert.equal(again.body.title, `After ${i}`);
    }
  });

  test('Redis down: events arrive by the poll, the cache is bypassed, /readyz and /metrics say so; back: shared again', async () => {
    // node C polls every 200 ms
    c = await startServer({ db, name: 'fanout-c', args: ['--redis-backoff-ms', '200', '--jobs-workers', '0', '--events-heartbeat', '0', '--events-poll-ms', '200'], env });
    const t = expectStatus(await b.client(keys.creator.key).post('/api/v1/tasks', taskBody({ title: 'Cached' })), 201);
    const anonC = c.client();
    await untilHit(anonC, `/api/v1/tasks/${t.id}`, 'on C');
    await stopRedis(redis);
    redis = null;
    let state;
    for (let i = 0; i < 50 && state !== 'down'; i++) {
      await sleep(20);
      state = expectStatus(await request(c.port, 'GET', '/readyz'), 200).dependencies.redis.state;
    }
    assert.equal(state, 'down');
    const ready = expectStatus(await request(c.port, 'GET', '/readyz'), 200);
    assert.deepEqual(ready.degraded, ['redis']);
    const m = (await request(c.port, 'GET', '/metrics')).text;
    assert.equal(metric(m, 'pheme_redis_subscribed'), 0);
    assert.equal(metric(m, 'pheme_redis_up'), 0);
    // never stale: with nothing to say what the other nodes wrote, every read goes to storage
    for (let i = 0; i < 3; i++) assert.equal((await anonC.get(`/api/v1/tasks/${t.id}`)).headers['x-cache'], 'miss');
    expectStatus(await b.client(keys.creator.key).patch(`/api/v1/tasks/${t.id}`, { title: 'Edited while down' }), 200);
    assert.equal(expectStatus(await anonC.get(`/api/v1/tasks/${t.id}`), 200).title, 'Edited while down');
    // events: the write through B reaches C by its 200 ms poll; B's failed notice fails nothing
    const sse = await new Sse(c.port, keys.admin.key, '/api/v1/events?kinds=submission.*').ready;
    await sleep(100);
    const w = await submit(b);
    const e = await sse.find(about(w.sub.id), 5000);
    assert.ok(e, 'the poll delivers while Redis is down');
    sse.close();
    const mb = (await request(b.port, 'GET', '/metrics')).text;
    assert.ok(metric(mb, 'pheme_redis_notice_failures_total') >= 1);
    // Redis back: C subscribes again within its back-off and the cache serves hits again
    redis = await startRedis(redisPort);
    for (let i = 0; i < 100 && state !== 'up'; i++) {
      await sleep(50);
      state = expectStatus(await request(c.port, 'GET', '/readyz'), 200).dependencies.redis.state;
    }
    assert.equal(state, 'up');
    await untilHit(anonC, `/api/v1/tasks/${t.id}`, 'once Redis is back');
    assert.ok(metric((await request(c.port, 'GET', '/metrics')).text, 'pheme_redis_subscriptions_total') >= 2);
  });
});
