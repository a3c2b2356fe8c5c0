// Shared helpers of the HTTP integration suite: fresh databases (SQLite file or PostgreSQL
// database), API keys made with `pheme key create`, real `pheme serve` processes on loopback, an
// HTTP client with timeouts, a raw-socket HTTP/1.1 connection, and error-shape assertions.
//
// Everything is driven by environment variables set by run.sh:
//   PHEME_IT_BIN       the pheme binary (absolute path)
//   PHEME_IT_BACKEND   sqlite | postgresql
//   PHEME_IT_PG_URL    the throwaway cluster's URL (postgresql backend)
//   PHEME_IT_PG_BIN    PostgreSQL's bin folder (psql)
//   PHEME_IT_WORK      a temporary folder for databases, web roots and logs
//   PHEME_IT_PIDS      a folder where every started server leaves a file named by its PID, so that
//                      run.sh's trap can stop it even when this process dies
// Run by hand (sqlite only): PHEME_IT_BIN=build/pheme node --test tests/integration/x.test.mjs
import { spawn, execFile } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = process.env.PHEME_IT_ROOT ||
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BIN = path.resolve(process.env.PHEME_IT_BIN || path.join(ROOT, 'build', 'pheme'));
export const BACKEND = process.env.PHEME_IT_BACKEND || 'sqlite';
export const PG_URL = process.env.PHEME_IT_PG_URL || '';
const OWN_WORK = !process.env.PHEME_IT_WORK;
export const WORK = process.env.PHEME_IT_WORK || fs.mkdtempSync(path.join(os.tmpdir(), 'pheme-it-'));
const PIDS = process.env.PHEME_IT_PIDS || '';
const LOGS = process.env.PHEME_IT_LOGS || path.join(WORK, 'logs');
fs.mkdirSync(LOGS, { recursive: true });

if (BACKEND !== 'sqlite' && BACKEND !== 'postgresql') throw new Error(`unknown backend ${BACKEND}`);
if (BACKEND === 'postgresql' && !PG_URL) throw new Error('PHEME_IT_PG_URL is required for postgresql');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// A sleep that does not keep the process alive: for the losing side of a Promise.race.
export const later = (ms, value = null) => new Promise((r) => setTimeout(() => r(value), ms).unref());

// Addresses of the people of a test file.
export const ADDR = {
  admin: '0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  creator: '0xc1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1',
  creator2: '0xc2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2',
  user: '0x1111111111111111111111111111111111111111',
  user2: '0x2222222222222222222222222222222222222222',
  validator: '0x7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a',
};

// ---------- child processes ----------

// What AddressSanitizer, LeakSanitizer and UBSan print when they find something (the integration
// server is the sanitizer build). run.sh reads every server log for it too, whatever the test did.
export const SANITIZER_REPORT = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer/;

const children = new Set();
process.on('exit', () => {
  // A server the test file never stopped would end here by SIGKILL, before the sanitizers could
  // look for leaks: leave a mark that fails the file in run.sh.
  for (const c of children) fs.writeFileSync(path.join(LOGS, `unstopped-${c.pid}`), `pheme serve pid ${c.pid} was never stopped\n`);
  for (const c of children) {
    try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone already */ }
    if (PIDS) try { fs.unlinkSync(path.join(PIDS, String(c.pid))); } catch { /* ignore */ }
  }
  // a work folder made here (a file run by hand) goes with the process
  if (OWN_WORK && process.env.PHEME_IT_KEEP !== '1') fs.rmSync(WORK, { recursive: true, force: true });
});
// Interrupted: stop the servers too (the 'exit' handler above runs on process.exit).
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => process.exit(128 + os.constants.signals[sig]));

// The environment a pheme process sees: ours without any PHEME_* variable (the server rejects
// unknown PHEME_* keys, and a developer's own settings must not leak in), plus extra.
function childEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PHEME_')) env[k] = v;
  return { ...env, ...extra };
}

// Runs pheme to completion; never throws on a non-zero exit. killed is true when it had to be
// killed after timeout ms (for `serve`: it started instead of refusing its configuration).
export function runPheme(args, { env = {}, timeout = 20000, cwd = WORK } = {}) {
  return new Promise((resolve) => {
    const child = spawn(BIN, args, { env: childEnv(env), cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const t = setTimeout(() => { killed = true; child.kill('SIGKILL'); }, timeout);
    child.on('error', (e) => {
      clearTimeout(t);
      children.delete(child);
      resolve({ code: null, signal: null, stdout, stderr: `${stderr}cannot run ${BIN}: ${e.message}`, killed });
    });
    child.on('close', (code, signal) => {
      clearTimeout(t);
      children.delete(child);
      resolve({ code, signal, stdout, stderr, killed });
    });
  });
}

function runTool(file, args, timeout = 20000) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env: childEnv(), timeout }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

function pgBin(tool) {
  if (process.env.PHEME_IT_PG_BIN) return path.join(process.env.PHEME_IT_PG_BIN, tool);
  return tool;
}

let dbCounter = 0;
// A new empty database for one test file (or one part of it).
export async function freshDatabase(label = 'db') {
  const name = `it_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}_${++dbCounter}`;
  if (BACKEND === 'sqlite') {
    const file = path.join(WORK, `${name}.db`);
    return { backend: BACKEND, url: `sqlite:${file}`, file, name };
  }
  await runTool(pgBin('psql'), [PG_URL, '-v', 'ON_ERROR_STOP=1', '-qAtc', `CREATE DATABASE ${name}`]);
  const url = PG_URL.replace(/\/[^/?]*(\?.*)?$/, (_, q) => `/${name}${q || ''}`);
  return { backend: BACKEND, url, name };
}

// Runs SQL against a PostgreSQL test database (for checks only).
export async function pgQuery(db, sql) {
  return runTool(pgBin('psql'), [db.url, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql]);
}

export async function sqlite3(file, sql) {
  return runTool('sqlite3', [file, sql]);
}

// `pheme key create`: the key is the last line of its output; the id is in the first.
export async function createKey(db, role, owner, label = '') {
  const args = ['key', 'create', '--role', role, '--owner', owner, '--database', db.url, '--log-level', 'warn'];
  if (label) args.push('--label', label);
  const r = await runPheme(args);
  if (r.code !== 0) throw new Error(`pheme key create failed (${r.code}): ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  const key = lines[lines.length - 1].trim();
  const m = /API key (\d+)/.exec(r.stdout);
  assert.match(key, /^phk_[A-Za-z0-9_-]{43}$/, `unexpected key line in: ${r.stdout}`);
  return { key, id: m ? Number(m[1]) : null, owner, role };
}

// Keys for the usual cast of a test file.
export async function castKeys(db) {
  const k = {};
  for (const [who, role] of [['admin', 'admin'], ['creator', 'creator'], ['creator2', 'creator'],
    ['user', 'user'], ['user2', 'user'], ['validator', 'validator']]) {
    k[who] = await createKey(db, role, ADDR[who], `it-${who}`);
  }
  return k;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

let rateLimitArgs;
// Lifts rate limits when this build has them (DESIGN §1: --rate-limit off), so that the suite's
// bursts are not answered 429.
async function rateArgs() {
  if (rateLimitArgs === undefined) {
    const r = await runPheme(['help']);
    rateLimitArgs = /--rate-limit\b/.test(r.stdout + r.stderr) ? ['--rate-limit', 'off'] : [];
  }
  return rateLimitArgs;
}

let serverCounter = 0;
// Starts `pheme serve` on 127.0.0.1 and a free port and waits until /healthz answers.
export async function startServer({ db, args = [], env = {}, webRoot = '', name = 'server',
  readyTimeout = 15000, publicUrl } = {}) {
  const extra = await rateArgs();
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const logFile = path.join(LOGS, `${name}-${process.pid}-${++serverCounter}.log`);
    const argv = ['serve', '--listen', `127.0.0.1:${port}`, '--database', db.url, '--web-root', webRoot,
      '--log-requests', 'false', ...(publicUrl ? ['--public-url', publicUrl] : []), ...extra, ...args];
    const fd = fs.openSync(logFile, 'a');
    const child = spawn(BIN, argv, { cwd: WORK, env: childEnv(env), stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    children.add(child);
    if (PIDS) fs.writeFileSync(path.join(PIDS, String(child.pid)), '');
    const exited = new Promise((resolve) => {
      child.on('error', (e) => {
        children.delete(child);
        fs.appendFileSync(logFile, `cannot run ${BIN}: ${e.message}\n`);
        resolve({ code: null, signal: null, at: Date.now(), error: e });
      });
      child.on('exit', (code, signal) => {
        children.delete(child);
        if (PIDS) try { fs.unlinkSync(path.join(PIDS, String(child.pid))); } catch { /* ignore */ }
        resolve({ code, signal, at: Date.now() });
      });
    });
    const srv = new Server(child, port, exited, logFile, db);
    const ok = await srv.waitReady(readyTimeout);
    if (ok) return srv;
    const log = fs.readFileSync(logFile, 'utf8');
    await srv.kill('SIGKILL');
    if (attempt < 3 && /cannot listen/.test(log)) continue; // the free port was taken meanwhile
    throw new Error(`pheme serve did not become ready on port ${port}:\n${log}`);
  }
}

export class Server {
  constructor(child, port, exited, logFile, db) {
    this.child = child;
    this.pid = child.pid;
    this.port = port;
    this.exited = exited;
    this.logFile = logFile;
    this.db = db;
    this.exit = null;
    exited.then((e) => { this.exit = e; });
  }

  async waitReady(timeout) {
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      if (this.exit) return false;
      try {
        const r = await request(this.port, 'GET', '/healthz', { timeout: 1000 });
        if (r.status === 200) return true;
      } catch { /* not listening yet */ }
      await sleep(50);
    }
    return false;
  }

  signal(sig) {
    if (this.exit) return false;
    try { process.kill(this.pid, sig); return true; } catch { return false; }
  }

  // Sends sig and waits for the exit (SIGKILL after timeout ms).
  async kill(sig = 'SIGTERM', timeout = 15000) {
    if (this.exit) return this.exit;
    this.signal(sig);
    const t = setTimeout(() => this.signal('SIGKILL'), timeout);
    const e = await this.exited;
    clearTimeout(t);
    return e;
  }

  // The graceful stop every test ends with: SIGTERM, then the exit must be 0 (a sanitizer that finds
  // a leak or an error at exit makes it non-zero) with no sanitizer report in the log.
  async stop() {
    const e = await this.kill('SIGTERM');
    const log = this.log();
    const report = log.match(SANITIZER_REPORT);
    if (e.code !== 0 || report) {
      const at = report ? log.indexOf(report[0]) : Math.max(0, log.length - 3000);
      throw new Error(`pheme serve (pid ${this.pid}) did not stop cleanly: exit ${e.code}, signal ${e.signal}` +
        `${report ? `, sanitizer report '${report[0]}'` : ''}\n${log.slice(at, at + 4000)}`);
    }
    return e;
  }

  log() { try { return fs.readFileSync(this.logFile, 'utf8'); } catch { return ''; } }

  client(key) { return new Client(this.port, key); }
}

// ---------- HTTP ----------

// One HTTP request on its own connection. Resolves {status, headers, text, body (parsed JSON or
// undefined), raw}; rejects on network errors and after timeout ms.
export function request(port, method, urlPath, { headers = {}, body, json, key, timeout = 10000 } = {}) {
  return new Promise((resolve, reject) => {
    const h = { ...headers };
    let data = body;
    if (json !== undefined) {
      data = JSON.stringify(json);
      if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json';
    }
    if (key) h.Authorization = `Bearer ${key}`;
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers: h, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        const raw = Buffer.concat(chunks);
        const text = raw.toString('utf8');
        let parsed;
        try { parsed = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, text, body: parsed, raw });
      });
      res.on('error', (e) => { clearTimeout(timer); reject(e); });
    });
    const timer = setTimeout(() => req.destroy(new Error(`timeout after ${timeout} ms: ${method} ${urlPath}`)), timeout);
    req.on('error', (e) => { clearTimeout(timer); reject(e); });
    if (data !== undefined) req.end(data);
    else req.end();
  });
}

export class Client {
  constructor(port, key) { this.port = port; this.key = key; }
  as(key) { return new Client(this.port, key && key.key ? key.key : key); }
  req(method, p, opts = {}) { return request(this.port, method, p, { key: this.key, ...opts }); }
  get(p, opts) { return this.req('GET', p, opts); }
  post(p, json, opts = {}) { return this.req('POST', p, json === undefined ? opts : { json, ...opts }); }
  patch(p, json, opts = {}) { return this.req('PATCH', p, json === undefined ? opts : { json, ...opts }); }
  del(p, opts) { return this.req('DELETE', p, opts); }
}

// Asserts a JSON error answer: status, code, and the shape {"error":{code,message,details:{requestId}}}
// with the request id equal to the X-Request-Id header.
export function expectError(res, status, code, what = '') {
  const where = `${what} -> ${res.status} ${res.text.slice(0, 300)}`;
  assert.equal(res.status, status, `status ${where}`);
  assert.match(String(res.headers['content-type']), /^application\/json/, `content type ${where}`);
  assert.ok(res.body && typeof res.body === 'object', `JSON body ${where}`);
  assert.deepEqual(Object.keys(res.body), ['error'], `top-level keys ${where}`);
  const e = res.body.error;
  assert.equal(e.code, code, `code ${where}`);
  assert.equal(typeof e.message, 'string', `message ${where}`);
  assert.ok(e.message.length > 0, `message ${where}`);
  assert.ok(e.details && typeof e.details === 'object', `details ${where}`);
  assert.ok(res.headers['x-request-id'], `X-Request-Id header ${where}`);
  assert.equal(e.details.requestId, res.headers['x-request-id'], `details.requestId ${where}`);
  return e;
}

export function expectStatus(res, status, what = '') {
  assert.equal(res.status, status, `${what} -> ${res.status} ${res.text.slice(0, 400)}`);
  return res.body;
}

// Walks a list endpoint page by page (limit per page) to the end; returns every item. Checks that
// pages are at most limit long, that nextCursor is null exactly at the end, and no item repeats.
export async function walkPages(client, p, limit, idOf = (x) => x.id) {
  const all = [];
  const seen = new Set();
  let cursor = null;
  for (let pages = 0; pages < 10000; pages++) {
    const sep = p.includes('?') ? '&' : '?';
    const url = `${p}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const r = await client.get(url);
    expectStatus(r, 200, `GET ${url}`);
    assert.ok(Array.isArray(r.body.items), `items of ${url}`);
    assert.ok(r.body.items.length <= limit, `page of ${url} longer than ${limit}`);
    for (const it of r.body.items) {
      const id = idOf(it);
      assert.ok(!seen.has(id), `item ${id} repeated while walking ${p}`);
      seen.add(id);
      all.push(it);
    }
    assert.ok('nextCursor' in r.body, `nextCursor in ${url}`);
    if (r.body.nextCursor === null) return all;
    assert.equal(typeof r.body.nextCursor, 'string');
    assert.equal(r.body.items.length, limit, `a page with a next cursor is full (${url})`);
    cursor = r.body.nextCursor;
  }
  throw new Error(`no end of pages for ${p}`);
}

// ---------- raw HTTP/1.1 over one TCP socket ----------

export class RawConn {
  static open(port, timeout = 5000) {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: '127.0.0.1', port });
      const t = setTimeout(() => { sock.destroy(); reject(new Error('connect timeout')); }, timeout);
      sock.once('connect', () => { clearTimeout(t); resolve(new RawConn(sock)); });
      sock.once('error', (e) => { clearTimeout(t); reject(e); });
    });
  }

  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.closed = false;
    this.error = null;
    this.waiters = [];
    sock.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this.wake(); });
    sock.on('close', () => { this.closed = true; this.wake(); });
    sock.on('error', (e) => { this.error = e; this.wake(); });
    this.closedPromise = new Promise((r) => sock.once('close', r));
  }

  wake() { const w = this.waiters; this.waiters = []; for (const f of w) f(); }

  write(data) {
    return new Promise((resolve, reject) => {
      this.sock.write(data, (e) => (e ? reject(e) : resolve()));
    });
  }

  // Waits until pred() is true, the socket closes, or timeout.
  async until(pred, timeout) {
    const deadline = Date.now() + timeout;
    while (!pred()) {
      if (this.closed) return false;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`raw socket: timeout waiting for an answer; got so far: ${this.buf.toString('latin1').slice(0, 300)}`);
      await new Promise((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => { clearTimeout(t); r(); });
      });
    }
    return true;
  }

  // Reads the next complete response (Content-Length, chunked, or until close).
  async readResponse({ timeout = 5000, head = false } = {}) {
    await this.until(() => this.buf.indexOf('\r\n\r\n') >= 0, timeout);
    const he = this.buf.indexOf('\r\n\r\n');
    if (he < 0) throw new Error(`raw socket: closed before a response head; got: ${this.buf.toString('latin1').slice(0, 200)}`);
    const headText = this.buf.subarray(0, he).toString('latin1');
    const lines = headText.split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
    if (!m) throw new Error(`raw socket: bad status line '${lines[0]}'`);
    const status = Number(m[1]);
    const headers = {};
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      const k = l.slice(0, i).trim().toLowerCase();
      const v = l.slice(i + 1).trim();
      headers[k] = headers[k] !== undefined ? `${headers[k]}, ${v}` : v;
    }
    let rest = this.buf.subarray(he + 4);
    let body;
    const noBody = head || status === 204 || status === 304 || (status >= 100 && status < 200);
    if (noBody) {
      body = Buffer.alloc(0);
      this.buf = rest;
    } else if (headers['content-length'] !== undefined) {
      const n = Number(headers['content-length']);
      await this.until(() => this.buf.length - he - 4 >= n, timeout);
      rest = this.buf.subarray(he + 4);
      if (rest.length < n) throw new Error(`raw socket: closed after ${rest.length} of ${n} body bytes`);
      body = rest.subarray(0, n);
      this.buf = rest.subarray(n);
    } else if (/chunked/i.test(headers['transfer-encoding'] || '')) {
      const parts = [];
      let off = he + 4;
      for (;;) {
        await this.until(() => this.buf.indexOf('\r\n', off) >= 0, timeout);
        const le = this.buf.indexOf('\r\n', off);
        if (le < 0) throw new Error('raw socket: closed inside a chunked body');
        const size = parseInt(this.buf.subarray(off, le).toString('latin1'), 16);
        const need = le + 2 + size + 2;
        await this.until(() => this.buf.length >= need, timeout);
        if (this.buf.length < need) throw new Error('raw socket: closed inside a chunk');
        parts.push(this.buf.subarray(le + 2, le + 2 + size));
        off = need;
        if (size === 0) break;
      }
      body = Buffer.concat(parts);
      this.buf = this.buf.subarray(off);
    } else {
      await this.until(() => false, timeout).catch(() => {});
      body = this.buf.subarray(he + 4);
      this.buf = Buffer.alloc(0);
    }
    const text = body.toString('utf8');
    let json;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status, headers, body: json, text, raw: body, headText };
  }

  // Resolves true when the peer closes the connection within timeout ms.
  async waitClosed(timeout = 5000) {
    if (this.closed) return true;
    return Promise.race([this.closedPromise.then(() => true), later(timeout, false)]);
  }

  destroy() { this.sock.destroy(); }
}

// Tries to open a TCP connection; resolves 'connected', 'refused' or another error code.
export function tryConnect(port, timeout = 2000) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const t = setTimeout(() => { sock.destroy(); resolve('timeout'); }, timeout);
    sock.once('connect', () => { clearTimeout(t); sock.destroy(); resolve('connected'); });
    sock.once('error', (e) => { clearTimeout(t); resolve(e.code === 'ECONNREFUSED' ? 'refused' : e.code || String(e)); });
  });
}

// A request as text for a raw socket.
export function rawRequest(method, p, { headers = {}, body } = {}) {
  const h = { Host: '127.0.0.1', ...headers };
  if (body !== undefined && !Object.keys(h).some((k) => /^(content-length|transfer-encoding)$/i.test(k))) {
    h['Content-Length'] = Buffer.byteLength(body);
  }
  let s = `${method} ${p} HTTP/1.1\r\n`;
  for (const [k, v] of Object.entries(h)) s += `${k}: ${v}\r\n`;
  s += '\r\n';
  return body !== undefined ? s + body : s;
}

// ---------- the route table ----------

// The rows of api_routes[] in src/api/routes.c.
// Rows like {"GET", "/api/v1/tasks/:id", tasks_get, PUBLIC, "summary", "tag", "Body" | NULL, 200[, ROUTE_CACHEABLE]},
// (the optional field after the status holds the route's flags, src/http/router.h: ROUTE_CACHEABLE
// for a route whose answers may be cached, ROUTE_LIVE for one whose answer lives on; the one after
// it names the body stream of an upload route)
export function routeTable(file = path.join(ROOT, 'src', 'api', 'routes.c')) {
  const src = fs.readFileSync(file, 'utf8');
  const start = src.indexOf('api_routes[]');
  assert.ok(start >= 0, 'routes.c defines api_routes[]');
  const end = src.indexOf('};', start);
  const body = src.slice(start, end);
  const rows = [];
  // {method, pattern, handler, role, rate-limit class, summary, tag, body schema, status[, flags[, stream]]}
  const re = /\{\s*"(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)"\s*,\s*"([^"]+)"\s*,\s*(\w+)\s*,\s*(\w+)\s*,\s*(\w+)\s*,\s*"((?:[^"\\]|\\.)*)"\s*,\s*"([^"]*)"\s*,\s*(NULL|BODY\((\w+)\))\s*,\s*(\d+)\s*(?:,\s*(0|ROUTE_\w+(?:\s*\|\s*ROUTE_\w+)*)\s*)?(?:,\s*&?(\w+)\s*)?\}/g;
  const rates = { RL_AUTH: 'auth', RL_READ: 'read', RL_WRITE: 'write', RL_GRAPHQL: 'graphql', UNLIMITED: null };
  let m;
  while ((m = re.exec(body))) {
    assert.ok(m[5] in rates, `route ${m[1]} ${m[2]}: rate-limit class ${m[5]}`);
    rows.push({ method: m[1], pattern: m[2], handler: m[3], role: m[4], rate: rates[m[5]], summary: m[6], tag: m[7], body: m[9] || null, status: Number(m[10]), cacheable: /ROUTE_CACHEABLE/.test(m[11] || ''), live: /ROUTE_LIVE/.test(m[11] || ''), stream: m[12] || null });
  }
  // every row-looking line was understood
  const looksLikeRow = body.split('\n').filter((l) => /^\s*\{\s*"[A-Z]+"\s*,/.test(l)).length;
  assert.equal(rows.length, looksLikeRow, 'every row of the route table parsed');
  return rows;
}

// ---------- data ----------

// An address from an answer, lower-cased for comparison (the wire form is EIP-55 or lower case).
export function addr(x) {
  assert.match(String(x), /^0x[0-9a-fA-F]{40}$/, `an address: ${x}`);
  return x.toLowerCase();
}


export const UINT256_MAX = '115792089237316195423570985008687907853269984665640564039457584007913129639935';
export const TWO_256 = '115792089237316195423570985008687907853269984665640564039457584007913129639936';

let seq = 0;
export function uniq(prefix = 'x') { return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++seq}`; }

export function taskBody(over = {}) {
  return {
    type: 'BOUNTY',
    title: 'Write a Solidity audit checklist',
    description: 'A checklist for reviewing ERC-20 contracts, with examples.',
    difficulty: 4,
    xpReward: 250,
    ...over,
  };
}
