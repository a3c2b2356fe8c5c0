// HTTP behaviour: error shape and request ids on every answer, security headers, CORS,
// keep-alive on one raw socket, /healthz, /readyz and /metrics.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BACKEND, RawConn, castKeys, expectError, expectStatus, freshDatabase, rawRequest, request,
  startServer, taskBody,
} from './lib/harness.mjs';

// One suite per file: its hooks and tests run in order (also on Node 18).
describe('http', () => {
  const ORIGIN = 'https://app.pheme.test:8443';
  let srv; let keys; let anon; let creator; let user;

  before(async () => {
    const db = await freshDatabase('http');
    keys = await castKeys(db);
    srv = await startServer({ db, name: 'http', publicUrl: `${ORIGIN}/some/path/`, args: ['--body-limit', '2048'] });
    anon = srv.client();
    creator = srv.client(keys.creator.key);
    user = srv.client(keys.user.key);
  });

  after(async () => { if (srv) await srv.stop(); });

  // One answer of each kind the server gives.
  async function variety() {
    const t = expectStatus(await creator.post('/api/v1/tasks', taskBody()), 201);
    return [
      ['200', await anon.get('/healthz')],
      ['201', await creator.post('/api/v1/tasks', taskBody())],
      ['204', await srv.client(keys.admin.key).req('OPTIONS', '/api/v1/tasks', { headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST' } })],
      ['400', await creator.req('POST', '/api/v1/tasks', { body: '{', headers: { 'Content-Type': 'application/json' } })],
      ['401', await anon.get('/api/v1/me')],
      ['403', await user.post('/api/v1/tasks', taskBody())],
      ['404', await anon.get('/api/v1/nothing-here')],
      ['405', await anon.req('DELETE', '/api/v1/tasks')],
      ['409', await creator.post(`/api/v1/tasks/${t.id}/submissions`, { text: 'mine' })],
      ['413', await creator.req('POST', '/api/v1/tasks', { body: 'x'.repeat(5000), headers: { 'Content-Type': 'application/json' } })],
      ['415', await creator.req('POST', '/api/v1/tasks', { body: '{}', headers: { 'Content-Type': 'text/plain' } })],
      ['422', await creator.post('/api/v1/tasks', taskBody({ skills: [{ skill: 'no-such' }] }))],
    ];
  }

  test('every answer has an X-Request-Id; error bodies have the documented shape', async () => {
    const ids = new Set();
    for (const [status, r] of await variety()) {
      assert.equal(String(r.status), status, `${status}: ${r.text.slice(0, 200)}`);
      const id = r.headers['x-request-id'];
      assert.ok(id && id.length > 0 && id.length <= 64, `X-Request-Id on ${status}`);
      assert.ok(!ids.has(id), `request ids are unique (${id})`);
      ids.add(id);
      if (r.status >= 400) {
        const codes = { 400: 'API001', 401: 'AUTH001', 403: 'AUTH003', 404: 'API003', 405: 'API004', 409: 'DATA004', 413: 'API005', 415: 'API006', 422: 'DATA003' };
        expectError(r, r.status, codes[r.status], status);
        assert.deepEqual(Object.keys(r.body.error).sort(), ['code', 'details', 'message']);
      }
    }
  });

  test('an incoming X-Request-Id is echoed, in the header and in error details; a bad one is replaced', async () => {
    const ok = await anon.get('/healthz', { headers: { 'X-Request-Id': 'client-abc.123_XYZ' } });
    assert.equal(ok.headers['x-request-id'], 'client-abc.123_XYZ');
    const err = await anon.get('/api/v1/me', { headers: { 'X-Request-Id': 'trace-42' } });
    expectError(err, 401, 'AUTH001');
    assert.equal(err.headers['x-request-id'], 'trace-42');
    assert.equal(err.body.error.details.requestId, 'trace-42');
    for (const bad of ['has space', 'x'.repeat(65), 'semi;colon', '<script>']) {
      const r = await anon.get('/healthz', { headers: { 'X-Request-Id': bad } });
      assert.ok(r.headers['x-request-id'], 'still has an id');
      assert.notEqual(r.headers['x-request-id'], bad, `'${bad}' is not echoed`);
    }
    // the id of a write is the one in its audit row
    const w = await creator.post('/api/v1/tasks', taskBody(), { headers: { 'X-Request-Id': 'audit-trace-1' } });
    const t = expectStatus(w, 201);
    const rows = expectStatus(await srv.client(keys.admin.key).get(`/api/v1/audit?subject=task&id=${t.id}`), 200);
    assert.equal(rows.items[0].requestId, 'audit-trace-1');
  });

  test('security headers on API answers, errors included', async () => {
    for (const r of [await anon.get('/api/v1/tasks'), await anon.get('/api/v1/nope'), await anon.get('/api/v1/me')]) {
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['x-frame-options'], 'DENY');
      assert.ok(r.headers['referrer-policy'], 'Referrer-Policy');
      assert.match(r.headers['content-security-policy'] || '', /default-src 'none'/);
      assert.match(r.headers['content-security-policy'] || '', /frame-ancestors 'none'/);
      assert.equal(r.headers['cache-control'], 'no-store');
      assert.match(r.headers['content-type'], /^application\/json/);
      // HTTPS public URL: HSTS
      assert.match(r.headers['strict-transport-security'] || '', /max-age=\d+/);
    }
  });

  test('CORS: the public URL\'s origin is allowed, others are not', async () => {
    const r = await anon.get('/api/v1/tasks', { headers: { Origin: ORIGIN } });
    expectStatus(r, 200);
    assert.equal(r.headers['access-control-allow-origin'], ORIGIN);
    assert.match(r.headers.vary || '', /Origin/i);
    assert.match(r.headers['access-control-expose-headers'] || '', /X-Request-Id/i);
    const err = await anon.get('/api/v1/me', { headers: { Origin: ORIGIN } });
    assert.equal(err.status, 401);
    assert.equal(err.headers['access-control-allow-origin'], ORIGIN, 'errors carry CORS headers too, so browsers can read them');
    for (const o of ['https://evil.test', 'https://app.pheme.test', 'http://app.pheme.test:8443', `${ORIGIN}.evil.test`, 'null']) {
      const x = await anon.get('/api/v1/tasks', { headers: { Origin: o } });
      expectStatus(x, 200);
      assert.equal(x.headers['access-control-allow-origin'], undefined, `no CORS for ${o}`);
    }
    const none = await anon.get('/api/v1/tasks');
    assert.equal(none.headers['access-control-allow-origin'], undefined);
  });

  test('CORS preflight: 204 from the allowed origin, 403 SEC001 from another', async () => {
    const r = await anon.req('OPTIONS', '/api/v1/tasks', {
      headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' },
    });
    assert.equal(r.status, 204, r.text);
    assert.equal(r.text, '');
    assert.equal(r.headers['access-control-allow-origin'], ORIGIN);
    assert.match(r.headers['access-control-allow-methods'] || '', /POST/);
    assert.match(r.headers['access-control-allow-methods'] || '', /PATCH/);
    assert.match(r.headers['access-control-allow-methods'] || '', /DELETE/);
    assert.match(r.headers['access-control-allow-headers'] || '', /Authorization/i);
    assert.match(r.headers['access-control-allow-headers'] || '', /Content-Type/i);
    assert.ok(r.headers['x-request-id']);
    const bad = await anon.req('OPTIONS', '/api/v1/tasks', { headers: { Origin: 'https://evil.test', 'Access-Control-Request-Method': 'POST' } });
    expectError(bad, 403, 'SEC001', 'preflight from another origin');
    assert.equal(bad.headers['access-control-allow-origin'], undefined);
    const bad2 = await anon.req('OPTIONS', '/api/v1/me', { headers: { Origin: 'http://localhost:4000', 'Access-Control-Request-Method': 'PATCH' } });
    expectError(bad2, 403, 'SEC001', 'preflight from the default public URL when another one is configured');
  });

  test('keep-alive: several requests on one socket, also after a 404, a 400 and a 405', async () => {
    const c = await RawConn.open(srv.port);
    try {
      const steps = [
        [rawRequest('GET', '/healthz'), 200],
        [rawRequest('GET', '/api/v1/no-such-route'), 404],
        [rawRequest('GET', '/api/v1/tasks?limit=1'), 200],
        [rawRequest('POST', '/api/v1/tasks', { headers: { Authorization: `Bearer ${keys.creator.key}`, 'Content-Type': 'application/json' }, body: '{"type":' }), 400],
        [rawRequest('GET', '/readyz'), 200],
        [rawRequest('DELETE', '/api/v1/tasks'), 405],
        [rawRequest('GET', '/api/v1/me'), 401],
        [rawRequest('POST', '/api/v1/tasks', { headers: { Authorization: `Bearer ${keys.creator.key}`, 'Content-Type': 'application/json' }, body: JSON.stringify(taskBody()) }), 201],
        [rawRequest('POST', '/api/v1/tasks', { headers: { Authorization: `Bearer ${keys.creator.key}`, 'Content-Type': 'text/plain' }, body: '{}' }), 415],
        [rawRequest('POST', '/api/v1/no-such-route', { headers: { 'Content-Type': 'application/json' }, body: '{"a":"body to skip"}' }), 404],
        [rawRequest('POST', '/api/v1/guilds', { headers: { 'Content-Type': 'application/json' }, body: '{"slug":"no-auth","name":"x","type":"GEO"}' }), 401],
        [rawRequest('PUT', '/api/v1/tasks', { headers: { 'Content-Type': 'application/json' }, body: '{"a":1}' }), 405],
        [rawRequest('POST', '/api/v1/tasks', { headers: { Authorization: `Bearer ${keys.user.key}`, 'Content-Type': 'application/json' }, body: JSON.stringify(taskBody()) }), 403],
        [rawRequest('POST', '/api/v1/tasks', { headers: { Authorization: `Bearer ${keys.creator.key}`, 'Content-Type': 'application/json', Expect: '100-continue' }, body: JSON.stringify(taskBody()) }), 201],
        [rawRequest('GET', '/healthz'), 200],
      ];
      const ids = [];
      for (const [req, status] of steps) {
        assert.ok(!c.closed, `the socket is still open before ${req.split('\r\n')[0]}`);
        await c.write(req);
        let r = await c.readResponse({ timeout: 5000 });
        if (r.status === 100) r = await c.readResponse({ timeout: 5000 }); // Expect: 100-continue
        assert.equal(r.status, status, `${req.split('\r\n')[0]} -> ${r.status} ${r.text.slice(0, 200)}`);
        assert.ok(!/close/i.test(r.headers.connection || ''), `no Connection: close after ${status}`);
        ids.push(r.headers['x-request-id']);
      }
      assert.equal(new Set(ids).size, steps.length, 'one request id per request');
      assert.ok(!c.closed, 'the socket is open at the end');
      // pipelined: two requests written at once get two answers in order
      await c.write(rawRequest('GET', '/healthz', { headers: { 'X-Request-Id': 'pipe-1' } }) +
        rawRequest('GET', '/api/v1/nope', { headers: { 'X-Request-Id': 'pipe-2' } }));
      const a = await c.readResponse();
      const b = await c.readResponse();
      assert.equal(a.headers['x-request-id'], 'pipe-1');
      assert.equal(a.status, 200);
      assert.equal(b.headers['x-request-id'], 'pipe-2');
      assert.equal(b.status, 404);
      // Connection: close is honoured
      await c.write(rawRequest('GET', '/healthz', { headers: { Connection: 'close' } }));
      expectStatus(await c.readResponse(), 200);
      assert.ok(await c.waitClosed(3000), 'the server closes after Connection: close');
    } finally { c.destroy(); }
  });

  test('keep-alive also holds for an HTTP/1.0 client that asks for it, and a 413 closes the connection', async () => {
    const c = await RawConn.open(srv.port);
    try {
      await c.write('GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      expectStatus(await c.readResponse(), 200);
      await c.write('GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      expectStatus(await c.readResponse(), 200);
    } finally { c.destroy(); }
    const d = await RawConn.open(srv.port);
    try {
      await d.write(`POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${keys.creator.key}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`);
      const r = await d.readResponse();
      assert.equal(r.status, 413);
      // the unread body would be parsed as the next request: the server must not keep this connection
      assert.ok(await d.waitClosed(3000), 'the connection is closed after an early 413');
    } finally { d.destroy(); }
  });

  test('HEAD is answered like GET without a body (RFC 9110 §9.3.2: servers must support GET and HEAD)', async () => {
    for (const p of ['/healthz', '/api/v1/tasks', '/api/v1/skills/solidity', '/api/v1/openapi.json']) {
      const g = await anon.get(p);
      expectStatus(g, 200, `GET ${p}`);
      const c = await RawConn.open(srv.port);
      try {
        await c.write(rawRequest('HEAD', p, { headers: { Connection: 'close' } }));
        const h = await c.readResponse({ head: true, timeout: 5000 });
        assert.equal(h.status, 200, `HEAD ${p} -> ${h.status}`);
        assert.match(h.headers['content-type'] || '', /^application\/json/, `HEAD ${p} content type`);
        assert.ok(h.headers['x-request-id']);
        await c.waitClosed(2000);
        assert.equal(c.buf.length, 0, `HEAD ${p} has no body`);
      } finally { c.destroy(); }
    }
  });

  test('GET /healthz and /readyz', async () => {
    assert.deepEqual(expectStatus(await anon.get('/healthz'), 200), { status: 'ok' });
    const r = expectStatus(await anon.get('/readyz'), 200);
    assert.equal(r.status, 'ready');
    assert.equal(r.storage, BACKEND);
  });

  function parseMetrics(text) {
    const samples = [];
    const types = {};
    for (const line of text.split('\n')) {
      if (line === '') continue;
      if (line.startsWith('# TYPE ')) {
        const [, , name, type] = line.split(' ');
        types[name] = type;
        continue;
      }
      if (line.startsWith('# HELP ') || line.startsWith('#')) continue;
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)( \d+)?$/.exec(line);
      assert.ok(m, `a valid sample line: '${line}'`);
      const labels = {};
      if (m[3]) {
        const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/g;
        let lm;
        let consumed = 0;
        while ((lm = re.exec(m[3]))) { labels[lm[1]] = lm[2]; consumed += lm[0].length; }
        assert.equal(consumed, m[3].length, `labels of '${line}'`);
      }
      samples.push({ name: m[1], labels, value: Number(m[4]) });
    }
    return { samples, types };
  }

  test('GET /metrics: Prometheus text with requests, latency histogram, in-flight, storage pool, build and process metrics', async () => {
    for (let i = 0; i < 3; i++) expectStatus(await anon.get('/healthz'), 200);
    await anon.get('/api/v1/definitely-not-here');
    await anon.req('DELETE', '/api/v1/tasks');
    const r = await anon.get('/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers['content-type'], /^text\/plain/);
    assert.match(r.headers['content-type'], /version=0\.0\.4/);
    const { samples, types } = parseMetrics(r.text);
    const find = (name, labels = {}) => samples.filter((s) => s.name === name &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v));

    assert.equal(types.pheme_http_requests_total, 'counter');
    const hz = find('pheme_http_requests_total', { route: 'GET /healthz', status: '200' });
    assert.equal(hz.length, 1, 'one series for GET /healthz 200');
    assert.ok(hz[0].value >= 3, `GET /healthz count ${hz[0].value}`);
    assert.ok(find('pheme_http_requests_total', { status: '404' }).length >= 1, 'a 404 series');
    assert.ok(find('pheme_http_requests_total', { route: 'DELETE /api/v1/tasks', status: '405' }).length +
      find('pheme_http_requests_total', { status: '405' }).length >= 1, 'a 405 series');
    for (const s of find('pheme_http_requests_total')) {
      assert.ok('route' in s.labels && 'status' in s.labels, 'route and status labels');
      assert.ok(!/\/api\/v1\/tasks\/\d/.test(s.labels.route), 'routes are patterns, not raw paths');
    }
    // a later scrape counts more
    await anon.get('/healthz');
    const again = parseMetrics((await anon.get('/metrics')).text).samples
      .find((s) => s.name === 'pheme_http_requests_total' && s.labels.route === 'GET /healthz' && s.labels.status === '200');
    assert.ok(again.value >= hz[0].value + 1, 'the counter goes up');

    assert.equal(types.pheme_http_request_duration_seconds, 'histogram');
    const buckets = find('pheme_http_request_duration_seconds_bucket', { route: 'GET /healthz' });
    assert.ok(buckets.length >= 5, 'several buckets');
    const inf = buckets.find((b) => b.labels.le === '+Inf');
    assert.ok(inf, 'an +Inf bucket');
    let prev = -1;
    let prevLe = -Infinity;
    for (const b of buckets) {
      const le = b.labels.le === '+Inf' ? Infinity : Number(b.labels.le);
      assert.ok(le > prevLe, 'bucket bounds increase');
      assert.ok(b.value >= prev, 'buckets are cumulative');
      prev = b.value;
      prevLe = le;
    }
    const count = find('pheme_http_request_duration_seconds_count', { route: 'GET /healthz' })[0];
    const sum = find('pheme_http_request_duration_seconds_sum', { route: 'GET /healthz' })[0];
    assert.ok(count && sum, '_count and _sum');
    assert.equal(inf.value, count.value, '+Inf bucket equals count');
    assert.ok(sum.value >= 0 && sum.value < 60);

    const inflight = find('pheme_http_requests_in_flight');
    assert.equal(inflight.length, 1);
    assert.equal(types.pheme_http_requests_in_flight, 'gauge');
    assert.ok(inflight[0].value >= 1, 'the scrape itself is in flight');

    const pool = find('pheme_storage_pool_connections');
    assert.ok(pool.length >= 1, 'pheme_storage_pool_connections');
    assert.ok(pool.some((p) => p.labels.driver === BACKEND), `driver label ${BACKEND}`);
    const total = pool.find((p) => p.labels.state === 'total');
    assert.ok(total && total.value >= 1, 'a pool of at least one connection');

    const build = find('pheme_build_info');
    assert.equal(build.length, 1);
    assert.equal(build[0].value, 1);
    assert.ok(build[0].labels.version, 'version label');
    assert.ok('commit' in build[0].labels, 'commit label');

    const one = (n) => { const s = find(n); assert.equal(s.length, 1, n); return s[0].value; };
    assert.ok(one('process_cpu_seconds_total') > 0);
    assert.ok(one('process_resident_memory_bytes') > 1e6);
    assert.ok(one('process_open_fds') > 3);
    const start = one('process_start_time_seconds');
    assert.ok(Math.abs(start - Date.now() / 1000) < 3600, 'start time is recent, in seconds');
  });
});
