// Protection against slow and greedy clients: the connection timeout closes idle and stalled
// connections, and the connection limit caps concurrent connections without hurting the server.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  RawConn, expectStatus, freshDatabase, rawRequest, request, sleep, startServer,
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

  test('--max-connections caps concurrent connections; freed slots are used again', async () => {
    await sleep(200); // connections of the previous test are gone
    const held = [];
    try {
      for (let i = 0; i < MAX_CONNECTIONS; i++) {
        const c = await RawConn.open(srv.port);
        await c.write(rawRequest('GET', '/healthz'));
        expectStatus(await c.readResponse(), 200, `connection ${i + 1} of ${MAX_CONNECTIONS}`);
        held.push(c);
      }
      // one more: refused, closed, or left unanswered while the others are open
      let extra = null;
      try { extra = await RawConn.open(srv.port, 2000); } catch { /* refused */ }
      if (extra) {
        await extra.write(rawRequest('GET', '/healthz')).catch(() => {});
        let answered = null;
        try { answered = await extra.readResponse({ timeout: 700 }); } catch { /* closed or no answer */ }
        assert.equal(answered, null, `connection ${MAX_CONNECTIONS + 1} was served beyond the limit`);
        extra.destroy();
      }
      // keep the held ones alive past nothing: free one and a new connection is served
      held.shift().destroy();
      await sleep(300);
      expectStatus(await request(srv.port, 'GET', '/healthz', { timeout: 3000 }), 200, 'a freed slot is used again');
    } finally {
      for (const c of held) c.destroy();
    }
    await sleep(200);
    const all = await Promise.all(Array.from({ length: 8 }, () => request(srv.port, 'GET', '/healthz', { timeout: 5000 }).catch((e) => e)));
    assert.ok(all.some((r) => r.status === 200), 'the server serves again after the burst');
  });
});
