// Static files of the web app: index.html at /, SPA fallback for app routes, ETag and long
// caching for assets, 304 on If-None-Match, precompressed .gz, no escape from the web root.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  RawConn, WORK, expectError, expectStatus, freshDatabase, rawRequest, request, startServer,
} from './lib/harness.mjs';

// One suite per file: its hooks and tests run in order (also on Node 18).
describe('static', () => {
  const SECRET = `secret-${process.pid}-${Date.now()}`;
  const INDEX = '<!doctype html><html><head><title>PHEME test</title></head><body><div id="root"></div><script src="/assets/app.js"></script></body></html>\n';
  const APP_JS = `console.log("pheme app");\n${'// padding so that gzip is worth it\n'.repeat(50)}`;
  let srv; let webRoot; let base;

  before(async () => {
    base = fs.mkdtempSync(path.join(WORK, 'static-'));
    webRoot = path.join(base, 'web');
    fs.mkdirSync(path.join(webRoot, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(webRoot, 'index.html'), INDEX);
    fs.writeFileSync(path.join(webRoot, 'assets', 'app.js'), APP_JS);
    fs.writeFileSync(path.join(webRoot, 'assets', 'app.js.gz'), zlib.gzipSync(Buffer.from(APP_JS)));
    fs.writeFileSync(path.join(webRoot, 'robots.txt'), 'User-agent: *\n');
    fs.writeFileSync(path.join(webRoot, '.hidden'), SECRET);
    fs.writeFileSync(path.join(base, 'secret.txt'), SECRET);
    // the .gz twin must be at least as new as the file
    const t = new Date(Date.now() - 60000);
    fs.utimesSync(path.join(webRoot, 'assets', 'app.js'), t, t);
    const db = await freshDatabase('static');
    srv = await startServer({ db, name: 'static', webRoot });
  });

  after(async () => { if (srv) await srv.stop(); });

  const get = (p, headers = {}) => request(srv.port, 'GET', p, { headers });

  test('GET / serves index.html', async () => {
    const r = await get('/');
    assert.equal(r.status, 200);
    assert.equal(r.text, INDEX);
    assert.match(r.headers['content-type'], /^text\/html/);
    assert.ok(r.headers.etag, 'ETag');
    assert.match(r.headers['cache-control'], /no-cache/, 'index.html is revalidated');
    assert.ok(r.headers['x-request-id']);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.ok(r.headers['content-security-policy']);
    const idx = await get('/index.html');
    assert.equal(idx.status, 200);
    assert.equal(idx.text, INDEX);
  });

  test('app routes fall back to index.html', async () => {
    for (const p of ['/tasks/12', '/tasks', '/wallet/0x1111111111111111111111111111111111111111', '/guilds/lisbon/members']) {
      const r = await get(p);
      assert.equal(r.status, 200, p);
      assert.equal(r.text, INDEX, `${p} serves index.html`);
      assert.match(r.headers['content-type'], /^text\/html/);
    }
  });

  test('a missing file with an extension is 404, and /api/ paths never fall back', async () => {
    expectError(await get('/assets/missing.js'), 404, 'API003', 'missing asset');
    expectError(await get('/favicon.ico'), 404, 'API003', 'missing favicon');
    expectError(await get('/api/v1/nothing'), 404, 'API003', 'unknown API route');
    expectError(await get('/api/v1/tasks/1/nothing'), 404, 'API003', 'unknown API route under tasks');
    expectStatus(await get('/api/v1/tasks'), 200, 'API routes still answer');
    const r = await request(srv.port, 'POST', '/tasks/12', { body: '{}', headers: { 'Content-Type': 'application/json' } });
    expectError(r, 404, 'API003', 'POST to an app route');
  });

  test('/assets/app.js has an ETag and long Cache-Control; If-None-Match gives 304', async () => {
    const r = await get('/assets/app.js');
    assert.equal(r.status, 200);
    assert.equal(r.text, APP_JS);
    assert.match(r.headers['content-type'], /javascript/);
    assert.equal(r.headers['content-encoding'], undefined, 'not compressed when not asked');
    const etag = r.headers.etag;
    assert.match(etag, /^(W\/)?".+"$/, 'a quoted ETag');
    const cc = r.headers['cache-control'];
    const maxAge = Number((/max-age=(\d+)/.exec(cc) || [])[1]);
    assert.ok(maxAge >= 31536000, `long max-age: ${cc}`);
    assert.match(cc, /immutable/);
    assert.match(cc, /public/);
    const again = await get('/assets/app.js');
    assert.equal(again.headers.etag, etag, 'a stable ETag');
    const nm = await get('/assets/app.js', { 'If-None-Match': etag });
    assert.equal(nm.status, 304);
    assert.equal(nm.raw.length, 0, 'no body with 304');
    assert.equal(nm.headers.etag, etag);
    const other = await get('/assets/app.js', { 'If-None-Match': '"something-else"' });
    assert.equal(other.status, 200);
    assert.equal(other.text, APP_JS);
    const plain = await get('/robots.txt');
    assert.equal(plain.status, 200);
    assert.match(plain.headers['content-type'], /^text\/plain/);
  });

  test('Accept-Encoding: gzip serves the .gz twin with Content-Encoding', async () => {
    const r = await get('/assets/app.js', { 'Accept-Encoding': 'gzip, deflate, br' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.match(r.headers['content-type'], /javascript/, 'the type of the original file');
    assert.match(r.headers.vary || '', /Accept-Encoding/i);
    assert.equal(zlib.gunzipSync(r.raw).toString(), APP_JS);
    assert.ok(r.raw.length < Buffer.byteLength(APP_JS));
    const plain = await get('/assets/app.js');
    assert.notEqual(r.headers.etag, plain.headers.etag, 'the compressed and plain answers have different ETags');
    const nm = await get('/assets/app.js', { 'Accept-Encoding': 'gzip', 'If-None-Match': r.headers.etag });
    assert.equal(nm.status, 304);
  });

  test('If-None-Match with a list of tags or *, and Accept-Encoding gzip;q=0 (RFC 9110 §13.1.2, §12.5.3)', async () => {
    const etag = (await get('/assets/app.js')).headers.etag;
    const list = await get('/assets/app.js', { 'If-None-Match': `"x", ${etag}` });
    assert.equal(list.status, 304, 'If-None-Match with a list of tags that includes the current one');
    const star = await get('/assets/app.js', { 'If-None-Match': '*' });
    assert.equal(star.status, 304, 'If-None-Match: * matches any current file');
    const refused = await get('/assets/app.js', { 'Accept-Encoding': 'gzip;q=0, identity' });
    assert.equal(refused.headers['content-encoding'], undefined, 'gzip;q=0 means the client refuses gzip');
    assert.equal(refused.text, APP_JS);
  });

  test('paths cannot escape the web root', async () => {
    const attempts = [
      '/../etc/passwd', '/../../../../etc/passwd', '/assets/../../secret.txt', '/../secret.txt',
      '/%2e%2e/secret.txt', '/%2E%2E/%2E%2E/etc/passwd', '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e%2fsecret.txt', '/..\\secret.txt',
      '/assets/..\\..\\secret.txt', '//etc/passwd', '/.hidden', '/assets/./../.hidden', '/etc/passwd',
      '/assets/app.js%00.html', '/%252e%252e/secret.txt',
    ];
    for (const p of attempts) {
      const c = await RawConn.open(srv.port);
      try {
        await c.write(rawRequest('GET', p, { headers: { Connection: 'close' } }));
        const r = await c.readResponse({ timeout: 5000 });
        assert.ok(!r.text.includes(SECRET), `${p} leaked the secret`);
        assert.ok(!/root:.*:0:0:/.test(r.text), `${p} leaked /etc/passwd`);
        // whatever is served comes from inside the web root
        assert.ok(r.status === 200 ? [INDEX, APP_JS].includes(r.text) : r.status >= 400, `${p}: ${r.status} ${r.text.slice(0, 100)}`);
      } finally { c.destroy(); }
    }
    expectStatus(await get('/healthz'), 200, 'the server is fine');
  });
});
