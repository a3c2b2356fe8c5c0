// Graceful shutdown on SIGTERM: requests in flight get complete answers, new connections are
// refused soon after the signal, the process exits 0 within the shutdown timeout, and a client
// that never finishes its body cannot hold the process past --shutdown-timeout.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADDR, RawConn, createKey, expectStatus, freshDatabase, later, rawRequest, sleep, startServer, tryConnect,
} from './lib/harness.mjs';

// One suite per file: its hooks and tests run in order (also on Node 18).
describe('shutdown', () => {
  // Opens a connection and sends a POST whose body is only half there: the request is in flight.
  async function halfPost(port, key, json) {
    const body = JSON.stringify(json);
    const c = await RawConn.open(port);
    const cut = Math.floor(body.length / 2);
    await c.write(`POST /api/v1/guilds HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, cut)}`);
    return { c, rest: body.slice(cut), json };
  }

  // Polls new connections every 20 ms until one is refused; returns ms after t0, or null.
  async function refusedWithin(port, t0, limitMs) {
    while (Date.now() - t0 < limitMs) {
      const r = await tryConnect(port, 500);
      if (r === 'refused') return Date.now() - t0;
      await sleep(20);
    }
    return null;
  }

  test('SIGTERM: in-flight requests complete, new connections are refused, exit 0 within the timeout', async () => {
    const db = await freshDatabase('shutdown');
    const user = await createKey(db, 'user', ADDR.user);
    const TIMEOUT = 8;
    const srv = await startServer({ db, name: 'shutdown', args: ['--shutdown-timeout', String(TIMEOUT), '--connection-timeout', '60'] });
    const inflight = [];
    let idle;
    try {
      // ten requests in flight: headers and half of the body sent
      for (let i = 0; i < 10; i++) {
        inflight.push(await halfPost(srv.port, user.key, { slug: `drain-${i}`, name: `Drain ${i}`, type: 'GEO' }));
      }
      // an idle keep-alive connection that already had an answer
      idle = await RawConn.open(srv.port);
      await idle.write(rawRequest('GET', '/healthz'));
      expectStatus(await idle.readResponse(), 200);
      await sleep(150); // let the server read the heads

      const t0 = Date.now();
      assert.ok(srv.signal('SIGTERM'));
      const refusedAt = await refusedWithin(srv.port, t0, 2000);
      assert.ok(refusedAt !== null, 'new connections are refused within 2 s of SIGTERM');
      assert.equal(srv.exit, null, 'the process waits for the requests in flight');

      // a new request on the idle keep-alive connection during the drain is turned away
      if (!idle.closed) {
        await idle.write(rawRequest('GET', '/healthz')).catch(() => {});
        let r = null;
        try { r = await idle.readResponse({ timeout: 3000 }); } catch { /* closed without an answer */ }
        if (r) {
          assert.equal(r.status, 503, `a request during the drain: ${r.status} ${r.text}`);
          assert.equal(r.body.error.code, 'API009');
          assert.match(r.headers.connection || '', /close/i);
        }
      }

      // the requests in flight finish and get whole answers
      for (const f of inflight) await f.c.write(f.rest);
      for (const f of inflight) {
        const r = await f.c.readResponse({ timeout: 5000 });
        assert.equal(r.status, 201, `in-flight request answered: ${r.status} ${r.text.slice(0, 200)}`);
        assert.equal(r.body.slug, f.json.slug, 'a complete JSON body');
        assert.equal(Number(r.headers['content-length']), r.raw.length);
      }
      const exit = await Promise.race([srv.exited, later((TIMEOUT + 3) * 1000)]);
      assert.ok(exit, `the process exits within the shutdown timeout of ${TIMEOUT}s`);
      assert.equal(exit.code, 0, `exit code ${exit.code} (signal ${exit.signal})`);
      assert.ok(exit.at - t0 < TIMEOUT * 1000, `exited ${exit.at - t0} ms after SIGTERM, within ${TIMEOUT}s`);
    } finally {
      for (const f of inflight) f.c.destroy();
      if (idle) idle.destroy();
      await srv.kill('SIGKILL');
    }
    // what was answered 201 during the drain was stored
    const again = await startServer({ db, name: 'shutdown-restart' });
    try {
      for (let i = 0; i < 10; i++) expectStatus(await again.client().get(`/api/v1/guilds/drain-${i}`), 200, `guild drain-${i}`);
    } finally {
      assert.equal((await again.stop()).code, 0);
    }
  });

  test('SIGTERM with only idle keep-alive connections exits at once', async () => {
    const db = await freshDatabase('shutdown_idle');
    const srv = await startServer({ db, name: 'shutdown-idle', args: ['--shutdown-timeout', '10'] });
    const conns = [];
    try {
      for (let i = 0; i < 5; i++) {
        const c = await RawConn.open(srv.port);
        await c.write(rawRequest('GET', '/healthz'));
        expectStatus(await c.readResponse(), 200);
        conns.push(c);
      }
      const t0 = Date.now();
      srv.signal('SIGTERM');
      const exit = await Promise.race([srv.exited, later(12000)]);
      assert.ok(exit, 'the process exits');
      assert.equal(exit.code, 0);
      assert.ok(exit.at - t0 < 2000, `idle connections do not hold the shutdown (${exit.at - t0} ms)`);
      for (const c of conns) assert.ok(await c.waitClosed(2000), 'idle connections are closed');
    } finally {
      for (const c of conns) c.destroy();
      await srv.kill('SIGKILL');
    }
  });

  test('a client that never finishes its body cannot hold the process past --shutdown-timeout', async () => {
    const db = await freshDatabase('shutdown_stuck');
    const user = await createKey(db, 'user', ADDR.user);
    const TIMEOUT = 2;
    const srv = await startServer({ db, name: 'shutdown-stuck', args: ['--shutdown-timeout', String(TIMEOUT), '--connection-timeout', '120'] });
    let stuck;
    try {
      stuck = await halfPost(srv.port, user.key, { slug: 'never-finished', name: 'Stuck', type: 'GEO' });
      await sleep(150);
      const t0 = Date.now();
      srv.signal('SIGTERM');
      const refusedAt = await refusedWithin(srv.port, t0, 1500);
      assert.ok(refusedAt !== null, 'new connections are refused while the stuck request waits');
      const exit = await Promise.race([srv.exited, later((TIMEOUT + 5) * 1000)]);
      assert.ok(exit, `the process exits despite the stuck client (--shutdown-timeout ${TIMEOUT})`);
      const took = exit.at - t0;
      assert.equal(exit.code, 0, `exit code ${exit.code} (signal ${exit.signal})`);
      assert.ok(took >= (TIMEOUT - 0.5) * 1000, `it waited for the request in flight up to the deadline (${took} ms)`);
      assert.ok(took < (TIMEOUT + 1.5) * 1000, `it exited by the deadline (${took} ms)`);
      assert.ok(await stuck.c.waitClosed(2000), 'the stuck connection is closed');
    } finally {
      if (stuck) stuck.c.destroy();
      await srv.kill('SIGKILL');
    }
    // the unfinished request wrote nothing
    const again = await startServer({ db, name: 'shutdown-stuck-restart' });
    try {
      assert.equal((await again.client().get('/api/v1/guilds/never-finished')).status, 404);
    } finally {
      await again.stop();
    }
  });
});
