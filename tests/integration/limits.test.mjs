// Protection against slow and greedy clients: the connection timeout closes idle and stalled
// connections, the connection limit caps concurrent connections without hurting the server, and
// an address whose credentials keep failing is answered from memory.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  RawConn, createKey, expectError, expectStatus, freshDatabase, rawRequest, request, sleep, startServer,
} from './lib/harness.mjs';

// One suite per file: its hooks and tests run in order (also on Node 18).
describe('limits', () => {
  const MAX_CONNECTIONS = 4;
  let srv;

  before(async () => {
    const db = await freshDatabase('limits');
    srv = await startServer({
      db, name: 'limits',
      args: ['--connection-timeout', '1', '--max-connections', String(MAX_CONNECTIONS), '--threads', '2'],
    });
  });

  after(async () => { if (srv) await srv.stop(); });

  test('--connection-timeout closes an idle keep-alive connection and a client stalled in its headers', async () => {
    const idle = await RawConn.open(srv.port);
    const stalled = await RawConn.open(srv.port);
    const body = await RawConn.open(srv.port);
    try {
      await idle.write(rawRequest('GET', '/healthz'));
      expectStatus(await idle.readResponse(), 200);
      await stalled.write('GET /api/v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      await body.write('POST /api/v1/guilds HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"slug":');
      const t0 = Date.now();
      assert.ok(await idle.waitClosed(4000), 'the idle connection is closed');
      assert.ok(await stalled.waitClosed(4000), 'the connection stalled in its headers is closed');
      assert.ok(await body.waitClosed(4000), 'the connection stalled in its body is closed');
      assert.ok(Date.now() - t0 < 4000);
    } finally {
      idle.destroy(); stalled.destroy(); body.destroy();
    }
    expectStatus(await request(srv.port, 'GET', '/healthz'), 200, 'the server is fine');
  });

  test('--max-connections caps concurrent connections; the reserve answers only health probes; freed slots are used again', async () => {
    await sleep(200); // connections of the previous test are gone
    const held = [];
    try {
      for (let i = 0; i < MAX_CONNECTIONS; i++) {
        const c = await RawConn.open(srv.port);
        await c.write(rawRequest('GET', '/healthz'));
        expectStatus(await c.readResponse(), 200, `connection ${i + 1} of ${MAX_CONNECTIONS}`);
        held.push(c);
      }
      // over the limit: a connection of the reserve, for /healthz and /readyz only
      const extra = await RawConn.open(srv.port, 2000);
      await extra.write(rawRequest('GET', '/api/v1/tasks'));
      expectError(await extra.readResponse(), 503, 'API013', 'an API request over the limit');
      assert.ok(await extra.waitClosed(2000), 'and its connection is closed');
      extra.destroy();
      const probe = await RawConn.open(srv.port, 2000);
      await probe.write(rawRequest('GET', '/healthz'));
      expectStatus(await probe.readResponse(), 200, 'a health probe over the limit is answered from the reserve');
      probe.destroy();
      // free one and a new connection is served
      held.shift().destroy();
      await sleep(300);
      expectStatus(await request(srv.port, 'GET', '/api/v1/tasks', { timeout: 3000 }), 200, 'a freed slot is used again');
    } finally {
      for (const c of held) c.destroy();
    }
    await sleep(200);
    const all = await Promise.all(Array.from({ length: 8 }, () => request(srv.port, 'GET', '/healthz', { timeout: 5000 }).catch((e) => e)));
    assert.ok(all.some((r) => r.status === 200), 'the server serves again after the burst');
  });

  test('failed authentication is counted per address: past rate_limit_auth a minute, credentials are refused from memory', async () => {
    const db = await freshDatabase('authfail');
    const good = await createKey(db, 'user', '0x1111111111111111111111111111111111111111', 'authfail');
    const limited = await startServer({ db, name: 'authfail', args: ['--rate-limit', 'on', '--rate-limit-auth', '3'] });
    try {
      const metric = async (name) => {
        const m = (await request(limited.port, 'GET', '/metrics')).text.match(new RegExp(`^${name} (\\d+)$`, 'm'));
        return m ? Number(m[1]) : NaN;
      };
      const bogus = 'phk_' + 'A'.repeat(43);
      for (let i = 0; i < 3; i++) expectError(await request(limited.port, 'GET', '/api/v1/me', { key: bogus }), 401, 'AUTH002');
      // the bucket is used up: the next ones are not looked at
      for (let i = 0; i < 5; i++) {
        const r = await request(limited.port, 'GET', '/api/v1/me', { key: bogus });
        expectError(r, 429, 'API007');
        assert.ok(Number(r.headers['retry-after']) >= 1, 'Retry-After');
      }
      assert.equal(await metric('pheme_http_auth_failures_total'), 3, 'only the first three reached authentication');
      assert.equal(await metric('pheme_http_auth_refused_total'), 5);
      // a forged session cookie counts as credentials too; a request without credentials goes on
      expectError(await request(limited.port, 'GET', '/api/v1/me', { headers: { cookie: '__Host-pheme_access=x' } }), 429, 'API007');
      expectStatus(await request(limited.port, 'GET', '/api/v1/tasks'), 200);
      // while the address is held back even a good key waits (telling it apart would cost the
      // work the limit saves); a token comes back every 60/3 = 20 s
      expectError(await request(limited.port, 'GET', '/api/v1/me', { key: good.key }), 429, 'API007');
    } finally {
      await limited.stop();
    }
  });
});
