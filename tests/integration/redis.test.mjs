// Rate limits shared by several nodes through Redis (core/redis.h, http/ratelimit.c): two
// `pheme serve` on one database and one redis-server (Debian's, started here on loopback and
// stopped by its PID). A limit of 10 reads a minute holds across both nodes: of 20 reads sent
// alternately to A and B exactly 10 pass (a limit under 128 a minute is never leased: every check
// is one call to Redis). A limit of 640 GraphQL requests a minute is leased to the nodes a few
// tokens at a time (at most 640/64 = 10 per lease) and still holds: from a full bucket, concurrent
// requests to both nodes pass no more than 640 plus what refilled meanwhile, no fewer than 640
// minus one lease per node, and most of them without a call to Redis. With Redis stopped the nodes keep serving on limits of
// their own and say so in /readyz and /metrics; once Redis is back they share again. A client that
// closes its connection while its check waits for Redis does not keep the node from stopping.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { WORK, expectStatus, freePort, freshDatabase, request, sleep, startServer, tryConnect } from './lib/harness.mjs';

const PIDS = process.env.PHEME_IT_PIDS || '';

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

describe('redis', () => {
  let redis; let redisPort; let db; let a; let b;

  before(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    db = await freshDatabase('redis');
    // the URL may hold a password: a secret, given in the environment, never on the command line
    const env = { PHEME_REDIS: `redis://127.0.0.1:${redisPort}/2` };
    const args = ['--redis-backoff-ms', '300', '--rate-limit', 'on', '--rate-limit-read', '10', '--rate-limit-graphql', '640',
      '--answer-cache', 'off'];
    a = await startServer({ db, name: 'redis-a', args, env });
    // or in a file the flag names (--redis @FILE): node b reads its URL that way
    const urlFile = path.join(WORK, `redis-url-${redisPort}`);
    fs.writeFileSync(urlFile, `${env.PHEME_REDIS}\n`, { mode: 0o600 });
    b = await startServer({ db, name: 'redis-b', args: [...args, '--redis', `@${urlFile}`] });
  });

  after(async () => {
    if (a) await a.stop();
    if (b) await b.stop();
    if (redis) await stopRedis(redis);
  });

  test('/readyz names each dependency: database up, redis up, chain off', async () => {
    const r = expectStatus(await request(a.port, 'GET', '/readyz'), 200);
    assert.equal(r.dependencies.database.state, 'up');
    assert.equal(r.dependencies.redis.state, 'up');
    assert.equal(r.dependencies.redis.at, `127.0.0.1:${redisPort}/2`);
    assert.equal(r.dependencies.chain.state, 'off');
    assert.deepEqual(r.degraded, []);
  });

  test('a limit of 10 reads a minute holds across two nodes: exactly 10 of 20 pass', async () => {
    const statuses = [];
    const t0 = Date.now();
    for (let i = 0; i < 20; i++) {
      const node = i % 2 ? b : a;
      const r = await request(node.port, 'GET', '/api/v1/skills');
      statuses.push(r.status);
      // the headers come from the shared bucket's answer, whichever node asked (one token per 6 s)
      assert.equal(r.headers['x-ratelimit-limit'], '10');
      if (Date.now() - t0 > 900) continue; // the exact values below hold while under a second passed
      if (r.status === 200) {
        assert.equal(r.headers['x-ratelimit-remaining'], String(9 - i), `request ${i}`);
        assert.equal(r.headers['x-ratelimit-reset'], String(6 * (i + 1)), `request ${i}: full again in ${6 * (i + 1)} s`);
      } else {
        assert.equal(r.body.error.code, 'API007');
        assert.equal(r.headers['x-ratelimit-remaining'], '0');
        assert.equal(r.headers['x-ratelimit-reset'], '60');
        assert.equal(r.headers['retry-after'], '6', 'one token back in 6 s less the time since the first take');
      }
    }
    assert.equal(statuses.filter((s) => s === 200).length, 10, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 429).length, 10, statuses.join(','));
    // both nodes refused some: the buckets are one, not one per node
    assert.ok(statuses.slice(10).every((s) => s === 429), statuses.join(','));
  });

  test('a limit of 640 a minute is leased to the nodes and holds: 640 - 2 leases <= passed <= 640 + refill', async () => {
    const limit = 640; const lease = limit / 64;
    const calls = async () => {
      let n = 0;
      for (const node of [a, b]) n += metric((await request(node.port, 'GET', '/metrics')).text, 'pheme_ratelimit_shared_calls_total');
      return n;
    };
    const calls0 = await calls();
    const one = async (node) => (await request(node.port, 'GET', '/graphql?query=%7B__typename%7D')).status;
    let passed = 0; let refused = 0; let sent = 0; let quiet = 0;
    const t0 = Date.now();
    // four requests in flight on each node at once, until three rounds in a row pass nothing
    while (quiet < 3 && sent < 5000) {
      const statuses = await Promise.all([a, a, a, a, b, b, b, b].map(one));
      sent += statuses.length;
      const ok = statuses.filter((s) => s === 200).length;
      passed += ok;
      refused += statuses.filter((s) => s === 429).length;
      quiet = ok ? 0 : quiet + 1;
    }
    const elapsed = Date.now() - t0;
    assert.equal(passed + refused, sent, 'every answer is 200 or 429');
    // never more than one bucket admits: the 640 it held, plus what refilled while the test ran
    const refill = Math.floor((elapsed / 60000) * limit) + 1;
    assert.ok(passed <= limit + refill, `passed ${passed} > ${limit} + ${refill} refilled in ${elapsed} ms`);
    // at most one lease per node may be left unspent (both nodes kept asking until nothing passed)
    assert.ok(passed >= limit - 2 * lease, `passed ${passed} < ${limit} - 2 x ${lease}`);
    // leases at work: fewer calls to Redis than requests
    const used = (await calls()) - calls0;
    assert.ok(used < sent * 0.75, `${used} calls to Redis for ${sent} requests`);
    console.log(`# ${passed} of ${sent} passed in ${elapsed} ms (refill <= ${refill}); ${used} calls to Redis`);
  });

  test('a public read runs while its check is in Redis; refused, its answer is a clean 429 and the client is not overlapped again', async () => {
    // the answer cache on: its shared generation is read from Redis on the same connection while
    // the check's reply is awaited there (core/redis.h, redis_command_send)
    const c = await startServer({ db, name: 'redis-overlap', args: ['--rate-limit', 'on', '--rate-limit-read', '10',
      '--answer-cache', 'on', '--trusted-proxies', '127.0.0.1'], env: { PHEME_REDIS: `redis://127.0.0.1:${redisPort}/2` } });
    try {
      const counters = async () => {
        const m = (await request(c.port, 'GET', '/metrics')).text;
        return { overlapped: metric(m, 'pheme_ratelimit_overlapped_total'), refused: metric(m, 'pheme_ratelimit_overlap_refused_total') };
      };
      const before = await counters();
      const headers = { 'X-Forwarded-For': '10.77.0.1' };
      const statuses = [];
      for (let i = 0; i < 13; i++) {
        const r = await request(c.port, i === 5 ? 'HEAD' : 'GET', '/api/v1/stats', { headers });
        statuses.push(r.status);
        if (r.status === 200) {
          assert.equal(r.headers['x-ratelimit-limit'], '10');
          if (i !== 5) { // HEAD: no body, and not through the answer cache
            assert.ok(['hit', 'miss'].includes(r.headers['x-cache']), `request ${i}: the handler's own header`);
            assert.equal(typeof r.body.openTasks, 'number', `request ${i}: the handler's answer`);
          }
        } else {
          assert.equal(r.status, 429, `request ${i}`);
          assert.equal(r.body.error.code, 'API007');
          assert.equal(r.headers['x-cache'], undefined, 'nothing of the thrown-away answer');
          assert.equal(r.headers['x-ratelimit-remaining'], '0');
          assert.ok(Number(r.headers['retry-after']) >= 1);
        }
      }
      assert.deepEqual(statuses, [...Array(10).fill(200), 429, 429, 429]);
      const after = await counters();
      // the ten admitted and the first refusal ran overlapped; the two after it waited for Redis
      assert.equal(after.overlapped - before.overlapped, 11);
      assert.equal(after.refused - before.refused, 1);
    } finally {
      await c.stop();
    }
  });

  test('clients that leave while their checks wait for Redis do not hold up the graceful stop', async () => {
    const c = await startServer({ db, name: 'redis-c', args: ['--rate-limit', 'on', '--rate-limit-read', '1000000', '--answer-cache', 'off',
      '--trusted-proxies', '127.0.0.1'], env: { PHEME_REDIS: `redis://127.0.0.1:${redisPort}/2` } });
    try {
      // 16 connections each sending its next read as soon as an answer is in, every read from a
      // client of its own (a check in Redis each, parked while it waits); all of them closed at
      // once, three times, with requests at every stage (some woken on a closed connection)
      let sent = 0;
      for (const ms of [200, 350, 500]) {
        const socks = [];
        for (let i = 0; i < 16; i++) {
          const sock = net.connect(c.port, '127.0.0.1');
          const next = () => {
            sent++;
            sock.write(`GET /api/v1/skills HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: 10.9.${(sent >> 8) & 255}.${sent & 255}\r\n\r\n`);
          };
          sock.on('connect', next);
          sock.on('data', (d) => { if (d.includes('\r\n\r\n')) next(); });
          sock.on('error', () => {});
          socks.push(sock);
        }
        await sleep(ms);
        for (const sock of socks) sock.destroy();
      }
      assert.ok(sent > 100, `${sent} reads sent`);
      await sleep(300);
    } finally {
      await c.stop(); // exit 0 at once, not SIGKILLed after 15 s of waiting for requests counted as parked
    }
  });

  test('Redis down: the nodes serve on limits of their own and say so; Redis back: shared again', async () => {
    await stopRedis(redis);
    redis = null;
    // a node's own bucket is fresh: reads pass again, nothing fails for Redis being away
    const r = await request(a.port, 'GET', '/api/v1/skills');
    assert.equal(r.status, 200);
    const ready = expectStatus(await request(a.port, 'GET', '/readyz'), 200);
    assert.equal(ready.status, 'ready');
    assert.equal(ready.dependencies.redis.state, 'down');
    assert.deepEqual(ready.degraded, ['redis']);
    const m = (await request(a.port, 'GET', '/metrics')).text;
    assert.equal(metric(m, 'pheme_redis_up'), 0);
    assert.ok(metric(m, 'pheme_ratelimit_shared_fallbacks_total') >= 1);
    redis = await startRedis(redisPort);
    let state;
    for (let i = 0; i < 40 && state !== 'up'; i++) {
      await sleep(100);
      await request(b.port, 'GET', '/api/v1/skills'); // a check after the back-off reconnects
      state = expectStatus(await request(b.port, 'GET', '/readyz'), 200).dependencies.redis.state;
    }
    assert.equal(state, 'up');
  });
});
