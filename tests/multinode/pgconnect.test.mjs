// A PostgreSQL host that does not answer (db_connect_timeout, docs/operations.md "Connecting to
// PostgreSQL"): every connection the store opens, at start and when it reconnects, gives up after
// the timeout instead of blocking. On loopback a host that does not answer is a TCP proxy of this
// file that accepts and then says nothing (the startup packet is never answered: libpq's
// connect_timeout covers the whole exchange, which is what a host behind a dropping firewall or a
// hung server looks like after the handshake). The proxy forwards to run.sh's cluster until it is
// told to go silent.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { expectStatus, freshDatabase, request, runPheme } from '../integration/lib/harness.mjs';
import { freePort, sleep, startNode } from './lib.mjs';

// A TCP proxy to target; silent() cuts every open connection and accepts new ones without ever
// answering; forward() makes it a proxy again.
async function startProxy(targetPort) {
  const socks = new Set();
  let mode = 'forward';
  const server = net.createServer((c) => {
    socks.add(c);
    c.on('close', () => socks.delete(c));
    c.on('error', () => {});
    if (mode === 'silent') { c.resume(); return; } // read and drop: nothing ever comes back
    const up = net.connect(targetPort, '127.0.0.1');
    socks.add(up);
    up.on('close', () => { socks.delete(up); c.destroy(); });
    up.on('error', () => c.destroy());
    c.on('close', () => up.destroy());
    c.pipe(up);
    up.pipe(c);
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    silent() { mode = 'silent'; for (const s of socks) s.destroy(); },
    forward() { mode = 'forward'; for (const s of socks) s.destroy(); },
    close() { for (const s of socks) s.destroy(); return new Promise((r) => server.close(r)); },
  };
}

const viaPort = (db, port) => db.url.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${port}`);

describe('PostgreSQL connect timeout', () => {
  let proxy; let db;

  before(async () => {
    db = await freshDatabase('pgconnect');
    assert.equal((await runPheme(['migrate', '--database', db.url])).code, 0);
    proxy = await startProxy(Number(/127\.0\.0\.1:(\d+)/.exec(db.url)[1]));
  });
  after(async () => { if (proxy) await proxy.close(); });

  test('a host that never answers: the start fails after db_connect_timeout, it does not hang', async () => {
    proxy.silent();
    const t0 = Date.now();
    // runPheme kills it after 60 s: without a timeout libpq would wait for ever
    const r = await runPheme(['migrate', '--database', viaPort(db, proxy.port), '--db-connect-timeout', '2'], { timeout: 60000 });
    const took = Date.now() - t0;
    assert.equal(r.killed, false, `pheme migrate was still connecting after 60 s:\n${r.stderr}`);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /cannot connect to PostgreSQL: .*timeout/i);
    // libpq's clock counts whole seconds from the attempt: 2 s means between 1 and about 3 s
    assert.ok(took >= 1000, `it waited for the timeout, not a refusal (${took} ms)`);
    assert.ok(took < 30000, `bounded (${took} ms)`);
  });

  test('the host goes silent under a running node: requests fail cleanly after the timeout, and recover', async () => {
    proxy.forward();
    const node = await startNode({
      name: 'pgconnect', port: await freePort(), db: { ...db, url: viaPort(db, proxy.port) },
      args: ['--role', 'api', '--db-pool-size', '2', '--db-connect-timeout', '2', '--rate-limit', 'off',
        '--answer-cache', 'off', '--migrate-on-start', 'false'],
    });
    try {
      expectStatus(await request(node.port, 'GET', '/api/v1/tasks'), 200);
      proxy.silent(); // every pooled connection is cut; each reconnect meets a host that never answers
      for (let i = 0; i < 3; i++) {
        const t0 = Date.now();
        const r = await request(node.port, 'GET', '/api/v1/tasks', { timeout: 60000 });
        const took = Date.now() - t0;
        assert.equal(r.status, 503, `request ${i}: ${r.text}`);
        assert.equal(r.body.error.code, 'SYS002');
        assert.ok(took < 30000, `request ${i} answered within the reconnect's bound (${took} ms)`);
      }
      assert.match(node.log(), /timeout/i, 'the reconnect failed on its timeout');
      proxy.forward();
      let ok = false;
      for (let i = 0; i < 100 && !ok; i++) {
        ok = (await request(node.port, 'GET', '/api/v1/tasks', { timeout: 30000 })).status === 200;
        if (!ok) await sleep(100);
      }
      assert.ok(ok, 'the node reconnected once the host answered again');
    } finally {
      await node.stop();
    }
  });
});
