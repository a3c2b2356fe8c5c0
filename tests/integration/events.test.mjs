// Events out (issue 11 §9): a submission moving through the validation pipeline shows up on the
// SSE stream (and resumes after Last-Event-ID), on a WebSocket client (the `ws` package, from
// tests/auth's locked tree) and at a webhook receiver whose signature is checked here with
// Node's own HMAC; a person sees only their own private events; webhook targets on loopback,
// ::1, 10/8, 169.254.169.254 and a name resolving to loopback are refused, and a redirect is
// never followed; the WebSocket's limits and close codes.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';
import {
  ADDR, castKeys, expectError, expectStatus, freshDatabase, sleep, startServer, taskBody,
} from './lib/harness.mjs';

const requireAuth = createRequire(new URL('../auth/package.json', import.meta.url));
const WebSocket = requireAuth('ws');

const TEXT = 'A checklist for ERC-20 audits: allowance races, fee-on-transfer tokens, rebasing balances, '
  + 'return values of transfer, decimals, and a worked example on a real token with findings.';

// An SSE client on a plain HTTP connection: frames are parsed as the spec says (id, event, data
// lines; a blank line ends a frame; ':' lines are comments).
class Sse {
  constructor(port, { key, path = '/api/v1/events', lastEventId } = {}) {
    this.events = [];
    this.comments = 0;
    this.status = 0;
    this.ended = false;
    const headers = { Accept: 'text/event-stream' };
    if (key) headers.Authorization = `Bearer ${key}`;
    if (lastEventId !== undefined) headers['Last-Event-ID'] = String(lastEventId);
    this.ready = new Promise((resolve, reject) => {
      this.req = http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
        this.status = res.statusCode;
        this.headers = res.headers;
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          buf += chunk;
          let at;
          while ((at = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, at);
            buf = buf.slice(at + 2);
            const f = { data: [] };
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) { this.comments++; continue; }
              const c = line.indexOf(':');
              const name = c < 0 ? line : line.slice(0, c);
              const value = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
              if (name === 'data') f.data.push(value); else f[name] = value;
            }
            if (f.event || f.data.length) this.events.push({ id: f.id, event: f.event, data: JSON.parse(f.data.join('\n')) });
          }
        });
        res.on('end', () => { this.ended = true; });
        res.on('error', () => { this.ended = true; });
        resolve(this);
      });
      this.req.on('error', reject);
    });
  }

  async until(ok, what, timeout = 20000) {
    const end = Date.now() + timeout;
    while (Date.now() < end) {
      if (ok(this)) return this;
      await sleep(20);
    }
    assert.fail(`SSE never saw ${what}; saw ${JSON.stringify(this.events.map((e) => [e.id, e.event]))}`);
  }

  close() { this.req.destroy(); }
}

// A WebSocket client that keeps every message and the close.
function wsClient(port, { key } = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, key ? { headers: { Authorization: `Bearer ${key}` } } : {});
  ws.msgs = [];
  ws.closed = null;
  ws.on('message', (m) => ws.msgs.push(JSON.parse(m.toString())));
  ws.on('close', (code, reason) => { ws.closed = { code, reason: reason.toString() }; });
  ws.on('error', () => {});
  ws.opened = new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  ws.until = async (ok, what, timeout = 20000) => {
    const end = Date.now() + timeout;
    while (Date.now() < end) {
      if (ok(ws)) return ws;
      await sleep(20);
    }
    assert.fail(`WebSocket never saw ${what}; saw ${JSON.stringify(ws.msgs).slice(0, 1500)} closed ${JSON.stringify(ws.closed)}`);
  };
  return ws;
}

// A webhook receiver: answers each POST with the next of `answers` (default 204), keeps the
// request (headers, raw body).
function receiver(answers = []) {
  const got = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      got.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      const a = answers.shift() || { status: 204 };
      res.writeHead(a.status, a.headers || {});
      res.end(a.body || '');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, got, port: server.address().port })));
}

// The signature check a receiver does, with Node's crypto only: t=<s>,v1=<hex HMAC-SHA256 of "t.body">.
function verify(secret, header, body) {
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=')));
  const mac = crypto.createHmac('sha256', secret).update(`${parts.t}.`).update(body).digest('hex');
  return { ok: crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(parts.v1 || '')), t: Number(parts.t) };
}

describe('events out', () => {
  let srv; let db; let keys; let creator; let user; let user2; let admin;

  before(async () => {
    db = await freshDatabase('events');
    keys = await castKeys(db);
    srv = await startServer({
      db, name: 'events',
      args: ['--jobs-poll-ms', '50', '--events-poll-ms', '50', '--events-heartbeat', '1',
        '--webhooks-allow-private', 'true', '--jobs-backoff-base-ms', '50', '--jobs-backoff-cap-ms', '200',
        '--ws-message-max', '1024'],
    });
    creator = srv.client(keys.creator.key);
    user = srv.client(keys.user.key);
    user2 = srv.client(keys.user2.key);
    admin = srv.client(keys.admin.key);
  });

  after(async () => { if (srv) await srv.stop(); });

  let sub; let seen; // the submission and the SSE events about it, in order

  test('a submission through the pipeline: SSE, WebSocket and a signed webhook, each person seeing their own', async () => {
    const rx = await receiver();
    const hook = expectStatus(await user.post('/api/v1/webhooks', { url: `http://127.0.0.1:${rx.port}/hook`, events: ['submission.*'] }), 201);
    assert.match(hook.secret, /^whsec_[0-9a-f]{64}$/);
    assert.deepEqual(hook.events, ['submission.*']);
    // the secret is shown once
    const again = expectStatus(await user.get(`/api/v1/webhooks/${hook.id}`), 200);
    assert.equal(again.secret, undefined);
    expectError(await user2.get(`/api/v1/webhooks/${hook.id}`), 404, 'DATA001', "another person's webhook");

    const mine = await new Sse(srv.port, { key: keys.user.key, path: '/api/v1/events?kinds=submission.*' }).ready;
    const other = await new Sse(srv.port, { key: keys.user2.key }).ready;
    const anon = await new Sse(srv.port).ready;
    const all = await new Sse(srv.port, { key: keys.admin.key, path: '/api/v1/events?kinds=submission.*' }).ready;
    // an admin following one person: the other person's events do not come
    const aboutUser2 = await new Sse(srv.port, { key: keys.admin.key, path: `/api/v1/events?person=${ADDR.user2}` }).ready;
    assert.equal(mine.status, 200);
    assert.match(mine.headers['content-type'], /^text\/event-stream/);
    const ws = wsClient(srv.port);
    await ws.opened;
    ws.send(JSON.stringify({ type: 'auth', token: keys.user.key }));
    ws.send(JSON.stringify({ type: 'subscribe', kinds: ['submission.*'], id: 'sub-1' }));
    await ws.until((w) => w.msgs.some((m) => m.type === 'subscribed' && m.id === 'sub-1'), 'subscribed');
    assert.deepEqual(ws.msgs.slice(0, 2).map((m) => m.type), ['welcome', 'authenticated']);

    const task = expectStatus(await creator.post('/api/v1/tasks', taskBody()), 201);
    sub = expectStatus(await user.post(`/api/v1/tasks/${task.id}/submissions`, { text: TEXT }), 201);
    const about = (e) => e.data.data && e.data.data.submission_id === sub.id;
    // submitted, then the check job moves it on, and on: three states at least
    await mine.until((s) => s.events.filter(about).length >= 3, 'three states of the submission');
    seen = mine.events.filter(about);
    assert.equal(seen[0].event, 'submission.submitted');
    assert.equal(seen[1].event, 'submission.checking');
    for (const e of seen) {
      assert.equal(e.data.kind, e.event);
      assert.equal(e.data.id, Number(e.id));
      assert.equal(e.data.public, false);
      assert.deepEqual(e.data.subject, { type: 'submission', id: sub.id });
    }
    for (let i = 1; i < seen.length; i++) assert.ok(Number(seen[i].id) > Number(seen[i - 1].id), 'ids ascend');
    // the admin sees them too; the other person and an anonymous stream do not
    await all.until((s) => s.events.filter(about).length >= seen.length, 'the admin stream');
    await sleep(300);
    assert.equal(other.events.filter(about).length, 0, 'another person saw a private event');
    assert.equal(anon.events.filter(about).length, 0, 'an anonymous stream saw a private event');
    assert.equal(aboutUser2.events.filter(about).length, 0, 'a stream of another person saw this one');
    aboutUser2.close();
    assert.ok(anon.comments >= 1, 'heartbeats (comment lines) on an idle stream');
    // the same events on the WebSocket, in the same order
    await ws.until((w) => w.msgs.filter((m) => m.type === 'event' && m.event.data.submission_id === sub.id).length >= seen.length, 'the events');
    const wsIds = ws.msgs.filter((m) => m.type === 'event' && m.event.data.submission_id === sub.id).map((m) => String(m.event.id));
    assert.deepEqual(wsIds.slice(0, seen.length), seen.map((e) => e.id));
    // and at the webhook receiver, each signed with the secret
    const end = Date.now() + 20000;
    while (rx.got.filter((g) => JSON.parse(g.body).data.submission_id === sub.id).length < seen.length && Date.now() < end) await sleep(50);
    const deliveries = rx.got.filter((g) => JSON.parse(g.body).data.submission_id === sub.id);
    assert.ok(deliveries.length >= seen.length, `webhook got ${deliveries.length} of ${seen.length}`);
    for (const d of deliveries) {
      assert.equal(d.method, 'POST');
      assert.equal(d.headers['content-type'], 'application/json');
      const v = verify(hook.secret, d.headers['pheme-signature'], d.body);
      assert.ok(v.ok, `signature of ${d.headers['pheme-event-id']}`);
      assert.ok(Math.abs(v.t - Date.now() / 1000) < 120, 'timestamp near now');
      assert.equal(verify(`${hook.secret}x`, d.headers['pheme-signature'], d.body).ok, false, 'another secret fails');
      const body = JSON.parse(d.body);
      assert.equal(d.headers['pheme-event'], body.kind);
      assert.equal(d.headers['pheme-event-id'], String(body.id));
    }
    assert.deepEqual([...new Set(deliveries.map((d) => d.headers['pheme-event-id']))].sort(), seen.map((e) => e.id).sort());
    const log = expectStatus(await user.get(`/api/v1/webhooks/${hook.id}/deliveries`), 200);
    assert.ok(log.items.filter((d) => d.outcome === 'delivered').length >= seen.length);
    assert.ok(log.items.every((d) => d.status === 204 && d.attempt === 1));
    for (const s of [mine, other, anon, all]) s.close();
    ws.close();
    rx.server.close();
  });

  test('Last-Event-ID resumes after that event, from the table, then live', async () => {
    const first = seen[0].id;
    const s = await new Sse(srv.port, { key: keys.user.key, path: '/api/v1/events?kinds=submission.*', lastEventId: first }).ready;
    await s.until((x) => x.events.length >= seen.length - 1, 'the rest');
    assert.deepEqual(s.events.slice(0, seen.length - 1).map((e) => e.id), seen.slice(1).map((e) => e.id));
    // the query form, for clients that cannot set the header
    const q = await new Sse(srv.port, { key: keys.user.key, path: `/api/v1/events?kinds=submission.*&lastEventId=${seen[1].id}` }).ready;
    await q.until((x) => x.events.length >= seen.length - 2, 'the rest (query)');
    assert.equal(q.events[0].id, seen[2].id);
    // then live: a new submission's first event arrives after the replayed ones
    const task = expectStatus(await creator.post('/api/v1/tasks', taskBody({ title: 'A second task for the live part' })), 201);
    const sub2 = expectStatus(await user.post(`/api/v1/tasks/${task.id}/submissions`, { text: `${TEXT} Second.` }), 201);
    await s.until((x) => x.events.some((e) => e.data.data.submission_id === sub2.id), 'the live event');
    const ids = s.events.map((e) => Number(e.id));
    assert.deepEqual([...ids].sort((a, b) => a - b), ids, 'in order');
    assert.equal(new Set(ids).size, ids.length, 'no repeat');
    s.close();
    q.close();
    // the WebSocket resumes the same way
    const ws = wsClient(srv.port, { key: keys.user.key });
    await ws.opened;
    ws.send(JSON.stringify({ type: 'subscribe', kinds: ['submission.*'], lastEventId: first }));
    await ws.until((w) => w.msgs.filter((m) => m.type === 'event').length >= seen.length - 1, 'the replay');
    assert.deepEqual(ws.msgs.filter((m) => m.type === 'event').slice(0, seen.length - 1).map((m) => String(m.event.id)),
      seen.slice(1).map((e) => e.id));
    ws.close();
    expectError(await user.get('/api/v1/events', { headers: { 'Last-Event-ID': 'abc' } }), 400, 'API002', 'a bad Last-Event-ID');
    expectError(await user.get('/api/v1/events?kinds=Not%20A%20Kind'), 400, 'API002', 'a bad kind');
    expectError(await user.get('/api/v1/events?person=0x12'), 400, 'API002', 'a bad person');
    expectError(await user.get(`/api/v1/events?person=0x${'9'.repeat(40)}`), 404, 'DATA001', 'an unknown person');
  });

  test('a failed delivery is retried with backoff and logged; a redirect is not followed', async () => {
    const rx = await receiver([{ status: 500, body: 'busy' }]);
    const hook = expectStatus(await user2.post('/api/v1/webhooks', { url: `http://127.0.0.1:${rx.port}/h`, events: ['submission.submitted'] }), 201);
    const target = await receiver();
    const redirect = await receiver([{ status: 302, headers: { Location: `http://127.0.0.1:${target.port}/stolen` } }]);
    const hook2 = expectStatus(await user2.post('/api/v1/webhooks', { url: `http://127.0.0.1:${redirect.port}/r`, events: ['submission.submitted'] }), 201);
    const task = expectStatus(await creator.post('/api/v1/tasks', taskBody({ title: 'A third task for retries' })), 201);
    expectStatus(await user2.post(`/api/v1/tasks/${task.id}/submissions`, { text: `${TEXT} Third.` }), 201);
    const end = Date.now() + 20000;
    let log;
    while (Date.now() < end) {
      log = expectStatus(await user2.get(`/api/v1/webhooks/${hook.id}/deliveries`), 200);
      if (log.items.some((d) => d.outcome === 'delivered')) break;
      await sleep(100);
    }
    const items = log.items.slice().reverse(); // oldest first
    assert.equal(items[0].outcome, 'failed');
    assert.equal(items[0].status, 500);
    assert.equal(items[0].attempt, 1);
    assert.match(items[0].error, /status 500: busy/);
    assert.equal(items[items.length - 1].outcome, 'delivered');
    assert.equal(items[items.length - 1].attempt, 2);
    assert.equal(rx.got.length, 2);
    let log2;
    while (Date.now() < end) {
      log2 = expectStatus(await user2.get(`/api/v1/webhooks/${hook2.id}/deliveries`), 200);
      if (log2.items.length) break;
      await sleep(100);
    }
    assert.equal(log2.items.at(-1).status, 302);
    assert.equal(log2.items.at(-1).outcome, 'failed');
    assert.match(log2.items.at(-1).error, /redirects are not followed/);
    await sleep(300);
    assert.equal(target.got.length, 0, 'the redirect target was reached');
    // pause and delete
    const paused = expectStatus(await user2.patch(`/api/v1/webhooks/${hook2.id}`, { active: false }), 200);
    assert.equal(paused.active, false);
    expectStatus(await user2.del(`/api/v1/webhooks/${hook2.id}`), 204);
    expectError(await user2.get(`/api/v1/webhooks/${hook2.id}`), 404, 'DATA001', 'a deleted webhook');
    for (const r of [rx, target, redirect]) r.server.close();
  });

  test('WebSocket: a bad token closes 1008, a binary message 1003, not JSON 1007, a message over the limit 1009; bad requests answered', async () => {
    const bad = wsClient(srv.port);
    await bad.opened;
    bad.send(JSON.stringify({ type: 'auth', token: 'phk_notavalidkeynotavalidkeynotavalidkeynotava' }));
    await bad.until((w) => w.closed, 'a close');
    assert.equal(bad.closed.code, 1008);
    assert.ok(bad.msgs.some((m) => m.type === 'error'));

    const bin = wsClient(srv.port);
    await bin.opened;
    bin.send(Buffer.from([1, 2, 3]));
    await bin.until((w) => w.closed, 'a close');
    assert.equal(bin.closed.code, 1003);

    const nj = wsClient(srv.port);
    await nj.opened;
    nj.send('{not json');
    await nj.until((w) => w.closed, 'a close');
    assert.equal(nj.closed.code, 1007);

    const big = wsClient(srv.port);
    await big.opened;
    big.send(JSON.stringify({ type: 'ping', id: 'x'.repeat(2000) }));
    await big.until((w) => w.closed, 'a close');
    assert.equal(big.closed.code, 1009);

    const ok = wsClient(srv.port, { key: keys.user.key }); // the token in the upgrade's header
    await ok.opened;
    ok.send(JSON.stringify({ type: 'subscribe', kinds: ['NOT A KIND'], id: 'k' }));
    ok.send(JSON.stringify({ type: 'subscribe', bogus: 1 }));
    ok.send(JSON.stringify({ type: 'ping', id: 'p1' }));
    await ok.until((w) => w.msgs.some((m) => m.type === 'pong' && m.id === 'p1'), 'a pong');
    assert.equal(ok.msgs[0].type, 'welcome');
    assert.equal(ok.msgs[0].viewer, 'person');
    const errors = ok.msgs.filter((m) => m.type === 'error');
    assert.equal(errors.length, 2);
    assert.equal(errors[0].id, 'k');
    assert.match(errors[1].message, /unknown field 'bogus'/);
    assert.equal(ok.closed, null, 'a bad message does not close');
    ok.close(1000);
    await ok.until((w) => w.closed, 'the close');
    assert.equal(ok.closed.code, 1000);

    // not an upgrade
    expectError(await user.get('/ws'), 400, 'API002', 'a plain GET of /ws');
  });

  test('/metrics shows the hub, the streams and the sockets', async () => {
    const m = (await srv.client().get('/metrics')).text;
    for (const name of ['pheme_events_subscribers', 'pheme_events_delivered_total', 'pheme_sse_streams', 'pheme_ws_connections_total', 'pheme_events_webhook_jobs_total'])
      assert.match(m, new RegExp(`^${name}`, 'm'), name);
    assert.match(m, /^pheme_ws_connections_total [1-9]/m);
    // idle streams were woken by writing to their sockets, without resuming the connection
    assert.match(m, /^pheme_sse_wakes_total\{path="direct"\} [1-9]/m);
  });
});

describe('webhook targets that are not public are refused', () => {
  let srv; let db; let keys; let user;
  before(async () => {
    db = await freshDatabase('events_ssrf');
    keys = await castKeys(db);
    srv = await startServer({ db, name: 'events-ssrf' }); // webhooks_allow_private is false by default
    user = srv.client(keys.user.key);
  });
  after(async () => { if (srv) await srv.stop(); });

  for (const [what, url] of [
    ['IPv4 loopback', 'http://127.0.0.1:8080/hook'],
    ['another loopback address', 'http://127.1.2.3/hook'],
    ['IPv6 loopback', 'http://[::1]:8080/hook'],
    ['10/8', 'http://10.1.2.3/hook'],
    ['172.16/12', 'https://172.20.0.1/hook'],
    ['192.168/16', 'http://192.168.1.1/hook'],
    ['the cloud metadata address', 'http://169.254.169.254/latest/meta-data/'],
    ['IPv6 link-local', 'http://[fe80::1]/hook'],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]/hook'],
    ['unspecified', 'http://0.0.0.0/hook'],
    ['a name that resolves to loopback', 'http://localhost:8080/hook'],
    ['loopback in decimal', 'http://2130706433/hook'],
  ]) {
    test(what, async () => {
      const r = await user.post('/api/v1/webhooks', { url, events: ['submission.approved'] });
      expectError(r, 400, 'API002', url);
      assert.match(r.body.error.message, /not a public address|cannot be reached/, r.body.error.message);
    });
  }

  test('other schemes, credentials in the URL and bad kinds are refused', async () => {
    expectError(await user.post('/api/v1/webhooks', { url: 'ftp://example.com/x', events: ['a.b'] }), 400, 'API002', 'ftp');
    expectError(await user.post('/api/v1/webhooks', { url: 'file:///etc/passwd', events: ['a.b'] }), 400, 'API002', 'file');
    expectError(await user.post('/api/v1/webhooks', { url: 'http://user:pw@example.com/x', events: ['a.b'] }), 400, 'API002', 'credentials');
    expectError(await user.post('/api/v1/webhooks', { url: 'http://example.com/x', events: ['Bad Kind'] }), 400, 'API002', 'a bad kind');
    expectError(await user.post('/api/v1/webhooks', { url: 'http://example.com/x', events: [] }), 400, 'API002', 'no kinds');
    expectError(await srv.client().post('/api/v1/webhooks', { url: 'http://example.com/x', events: ['a.b'] }), 401, 'AUTH001', 'anonymous');
  });
});
