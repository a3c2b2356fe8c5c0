// GraphQL subscriptions against a real server, with the reference clients: `graphql-ws` (the
// graphql-transport-ws protocol, over the `ws` package) and `graphql-sse` (GraphQL over SSE,
// distinct connections mode), both from tests/graphql's locked tree (tests/integration/run.sh
// installs it with npm ci). A submission's events arrive on a subscription of its submitter and of
// an admin, never on an anonymous one or another person's (the visibility of /api/v1/events);
// kinds filter; queries and mutations run over both transports too; errors come in the
// protocols' forms.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { castKeys, expectStatus, freshDatabase, request, sleep, startServer, taskBody } from './lib/harness.mjs';

const requireGql = createRequire(new URL('../graphql/package.json', import.meta.url));
const WebSocket = requireGql('ws');
const { createClient: createWsClient } = requireGql('graphql-ws');
const { createClient: createSseClient } = requireGql('graphql-sse');

const TEXT = 'A checklist for ERC-20 audits: allowance races, fee-on-transfer tokens, rebasing balances, '
  + 'return values of transfer, decimals, and a worked example on a real token with findings.';
const SUB = 'subscription ($kinds: [String!]) { events(kinds: $kinds) { id kind public userId subject data at } }';

// Collects a subscription's results (and its end) from either client's subscribe(payload, sink).
function collect(client, payload) {
  const s = { results: [], errors: null, done: false };
  s.dispose = client.subscribe(payload, {
    next: (r) => s.results.push(r),
    error: (e) => { s.errors = e; s.done = true; },
    complete: () => { s.done = true; },
  });
  return s;
}

async function until(ok, what, timeout = 20000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    if (ok()) return;
    await sleep(20);
  }
  assert.fail(`never saw ${what}`);
}

// One operation's single result (a query or mutation) through a client.
async function once(client, payload) {
  const s = collect(client, payload);
  await until(() => s.done, `the end of ${payload.query}`);
  return s;
}

describe('graphql subscriptions', () => {
  let srv; let keys; let creator; let user;
  const clients = [];

  const wsClient = (key) => {
    const c = createWsClient({
      url: `ws://127.0.0.1:${srv.port}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: key ? { token: key } : undefined,
      retryAttempts: 0,
      lazy: false,
    });
    clients.push(c);
    return c;
  };
  const sseClient = (key) => {
    const c = createSseClient({
      url: `http://127.0.0.1:${srv.port}/graphql`,
      headers: key ? { Authorization: `Bearer ${key}` } : {},
      retryAttempts: 0,
    });
    clients.push(c);
    return c;
  };

  before(async () => {
    const db = await freshDatabase('graphql-sub');
    keys = await castKeys(db);
    srv = await startServer({ db, name: 'graphql-sub', args: ['--jobs-poll-ms', '50', '--events-poll-ms', '50', '--events-heartbeat', '1'] });
    creator = srv.client(keys.creator.key);
    user = srv.client(keys.user.key);
  });

  after(async () => {
    for (const c of clients) c.dispose();
    if (srv) await srv.stop();
  });

  test('graphql-ws: a submission\'s events arrive on its submitter\'s and an admin\'s subscription, not on others\'', async () => {
    const mine = wsClient(keys.user.key);
    const adm = wsClient(keys.admin.key);
    const other = wsClient(keys.user2.key);
    const anon = wsClient(null);
    const vars = { kinds: ['submission.*'] };
    const subs = [mine, adm, other, anon].map((c) => collect(c, { query: SUB, variables: vars }));
    // a query after the subscription on each connection: once it answers, the subscription is in
    // place (one connection's messages are handled in order)
    for (const c of [mine, adm, other, anon]) {
      const q = await once(c, { query: '{ skills(domain: "technical") { slug } }' });
      assert.equal(q.errors, null);
      assert.ok(q.results[0].data.skills.length > 0);
    }
    const task = expectStatus(await creator.post('/api/v1/tasks', taskBody()), 201);
    const sub = expectStatus(await user.post(`/api/v1/tasks/${task.id}/submissions`, { text: TEXT }), 201);
    const about = (r) => r.data && r.data.events.data && r.data.events.data.submission_id === sub.id;
    await until(() => subs[0].results.filter(about).length >= 2 && subs[1].results.filter(about).length >= 2,
      'two events of the submission on the submitter\'s and the admin\'s subscriptions');
    const seen = subs[0].results.filter(about).map((r) => r.data.events);
    assert.equal(seen[0].kind, 'submission.submitted');
    for (const e of seen) {
      assert.match(e.kind, /^submission\./);
      assert.deepEqual(e.subject, { type: 'submission', id: sub.id });
      assert.equal(e.public, false);
      assert.match(e.id, /^[0-9]+$/);
      assert.match(e.at, /^\d{4}-\d\d-\d\dT/);
    }
    // the same events, in the same order, for the admin
    const admIds = subs[1].results.filter(about).map((r) => r.data.events.id);
    assert.deepEqual(admIds.slice(0, seen.length), seen.map((e) => e.id));
    // kinds filter: nothing but submission.* arrives
    for (const s of subs) for (const r of s.results) assert.match(r.data.events.kind, /^submission\./);
    await sleep(300);
    assert.equal(subs[2].results.filter(about).length, 0, 'another person saw a private event');
    assert.equal(subs[3].results.filter(about).length, 0, 'an anonymous subscriber saw a private event');
    for (const s of subs) s.dispose();
  });

  test('graphql-ws: a mutation runs, an invalid operation is an error message, a refused token closes 4403', async () => {
    const c = wsClient(keys.creator.key);
    const m = await once(c, {
      query: 'mutation ($in: TaskInput!) { createTask(input: $in) { id title creator { id } } }',
      variables: { in: { type: 'BOUNTY', title: 'Over a WebSocket', description: 'd', difficulty: 2, xpReward: 10 } },
    });
    assert.equal(m.errors, null);
    assert.equal(m.results[0].data.createTask.title, 'Over a WebSocket');
    const t = expectStatus(await creator.get(`/api/v1/tasks/${m.results[0].data.createTask.id}`), 200);
    assert.equal(t.title, 'Over a WebSocket');
    const bad = await once(c, { query: 'subscription { events { nope } }' });
    assert.ok(Array.isArray(bad.errors), 'an error message with the errors');
    assert.match(bad.errors[0].message, /Cannot query field "nope" on type "Event"/);
    const two = await once(c, { query: 'subscription { a: events { id } b: events { id } }' });
    assert.match(two.errors[0].message, /must select only one top level field/);
    // a token the server refuses: the connection closes with 4403
    const closed = new Promise((resolve) => {
      const r = createWsClient({
        url: `ws://127.0.0.1:${srv.port}/graphql`, webSocketImpl: WebSocket, connectionParams: { token: 'phk_nope' },
        retryAttempts: 0, lazy: false, onNonLazyError: () => {}, on: { closed: (ev) => resolve(ev.code) },
      });
      clients.push(r);
    });
    assert.equal(await closed, 4403);
  });

  test('the upgrade must offer graphql-transport-ws; messages out of order close with the protocol\'s codes', async () => {
    const res = await request(srv.port, 'GET', '/graphql', {
      headers: { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
    });
    assert.equal(res.status, 400);
    const raw = (msgs) => new Promise((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/graphql`, 'graphql-transport-ws');
      ws.on('open', () => { for (const m of msgs) ws.send(JSON.stringify(m)); });
      ws.on('close', (code) => resolve(code));
      ws.on('error', () => {});
    });
    assert.equal(await raw([{ type: 'subscribe', id: '1', payload: { query: '{ me { id } }' } }]), 4401);
    assert.equal(await raw([{ type: 'connection_init' }, { type: 'connection_init' }]), 4429);
    assert.equal(await raw([{ type: 'connection_init' }, { type: 'nonsense' }]), 4400);
    assert.equal(await raw([{ type: 'connection_init' }, { type: 'subscribe', id: 'x', payload: { query: SUB } },
      { type: 'subscribe', id: 'x', payload: { query: SUB } }]), 4409);
  });

  test('graphql-sse: a query streams next and complete; a subscription streams a submission\'s events', async () => {
    const c = sseClient(keys.user.key);
    const q = await once(c, { query: '{ me { id roles } }' });
    assert.equal(q.errors, null);
    assert.deepEqual(q.results[0].data.me.roles, ['user']);
    const s = collect(c, { query: SUB, variables: { kinds: ['submission.submitted'] } });
    // the stream is up once its request is answered; a submission made before could be missed, so
    // submit until one is seen (each to a new task)
    let sub = null;
    const end = Date.now() + 20000;
    while (!s.results.some((r) => sub && r.data.events.data.submission_id === sub.id) && Date.now() < end) {
      const task = expectStatus(await creator.post('/api/v1/tasks', taskBody()), 201);
      sub = expectStatus(await user.post(`/api/v1/tasks/${task.id}/submissions`, { text: TEXT }), 201);
      await sleep(500);
    }
    const got = s.results.find((r) => r.data.events.data.submission_id === sub.id);
    assert.ok(got, 'the submission\'s event arrived over SSE');
    assert.equal(got.data.events.kind, 'submission.submitted');
    assert.ok(s.results.every((r) => r.data.events.kind === 'submission.submitted'), 'only the kind asked for');
    s.dispose();
    // refused operations are answered 400 with the errors, before any stream
    const bad = await request(srv.port, 'POST', '/graphql', {
      headers: { Accept: 'text/event-stream' }, json: { query: 'subscription { events { nope } }' },
    });
    assert.equal(bad.status, 400);
    // without Accept: text/event-stream a subscription is refused as a single request
    const plain = await request(srv.port, 'POST', '/graphql', { json: { query: SUB } });
    assert.equal(plain.status, 400);
    assert.match(plain.text || JSON.stringify(plain.body), /graphql-transport-ws or SSE/);
  });
});
