// Bad inputs and refusals: malformed bodies, wrong types, out-of-range values, unknown fields,
// oversized bodies and headers, content types, routes and methods, authentication, roles,
// ownership, state conflicts, and that nothing is written by a refused request.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADDR, RawConn, TWO_256, UINT256_MAX, castKeys, createKey, expectError, expectStatus, freshDatabase, rawRequest,
  request, startServer, taskBody, uniq,
} from './lib/harness.mjs';

// One suite per file: its hooks and tests run in order (also on Node 18).
describe('errors', () => {
  const BODY_LIMIT = 2048;
  const HEADER_LIMIT = 4096;
  let srv; let keys; let db;
  let anon; let admin; let creator; let creator2; let user; let user2;

  before(async () => {
    db = await freshDatabase('errors');
    keys = await castKeys(db);
    // no job workers: a submission stays as submitted (the pipeline would reject one without evidence,
    // which frees the task for a second one; pipeline.test.mjs runs the pipeline)
    srv = await startServer({ db, name: 'errors', args: ['--body-limit', String(BODY_LIMIT), '--header-limit', String(HEADER_LIMIT), '--jobs-workers', '0'] });
    anon = srv.client();
    admin = srv.client(keys.admin.key);
    creator = srv.client(keys.creator.key);
    creator2 = srv.client(keys.creator2.key);
    user = srv.client(keys.user.key);
    user2 = srv.client(keys.user2.key);
  });

  after(async () => { if (srv) await srv.stop(); });

  const rawPost = (client, p, text, headers = {}) =>
    client.req('POST', p, { body: text, headers: { 'Content-Type': 'application/json', ...headers } });

  async function taskCount() {
    const r = expectStatus(await anon.get('/api/v1/tasks?limit=100'), 200);
    return r.items.length;
  }

  test('malformed JSON is 400 API001', async () => {
    for (const text of ['{', '{"type":', 'nope', '{"title": "a",}', "{'title': 'a'}", '{"a":1} {"b":2}', '{"a":1}x',
      '\u0000', '{"title":"\\ud800"}x', '[1,2', '{"a":tru}', '{"title":"unterminated']) {
      const r = await rawPost(creator, '/api/v1/tasks', text);
      expectError(r, 400, 'API001', `body ${JSON.stringify(text)}`);
    }
  });

  test('truncated JSON is 400 API001', async () => {
    const full = JSON.stringify(taskBody({ skills: [{ skill: 'python', minLevel: 3 }] }));
    for (const cut of [1, 10, Math.floor(full.length / 2), full.length - 1]) {
      const r = await rawPost(creator, '/api/v1/tasks', full.slice(0, cut));
      expectError(r, 400, 'API001', `first ${cut} bytes`);
    }
  });

  test('duplicate keys are 400 API001, also nested', async () => {
    const dup = '{"type":"BOUNTY","title":"a","title":"b","description":"d","difficulty":3,"xpReward":1}';
    expectError(await rawPost(creator, '/api/v1/tasks', dup), 400, 'API001', 'duplicate title');
    const nested = '{"type":"BOUNTY","title":"a","description":"d","difficulty":3,"xpReward":1,"requirements":{"minLevel":1,"minLevel":2}}';
    expectError(await rawPost(creator, '/api/v1/tasks', nested), 400, 'API001', 'duplicate nested key');
    expectError(await rawPost(user, '/api/v1/guilds', '{"slug":"dup-guild","slug":"dup-guild","name":"x","type":"GEO"}'),
      400, 'API001', 'duplicate guild slug key');
  });

  test('a body that is JSON but not an object is 400 API002', async () => {
    for (const text of ['[]', '[1,2]', '"task"', '42', 'null', 'true']) {
      expectError(await rawPost(creator, '/api/v1/tasks', text), 400, 'API002', `body ${text}`);
    }
  });

  test('wrong types are 400 API002', async () => {
    const cases = [
      { difficulty: '3' }, { difficulty: 3.5 }, { difficulty: null }, { xpReward: '10' }, { title: 5 },
      { title: ['a'] }, { type: 1 }, { description: {} }, { skills: 'python' }, { skills: {} },
      { skills: ['python'] }, { skills: [{ skill: 5 }] }, { requirements: [] }, { requirements: 'none' },
      { requirements: { minLevel: 'high' } }, { validation: { aiReview: 'yes' } }, { validation: { rubric: {} } },
      { tokenReward: 5 }, { tokenReward: 1e18 }, { deadline: 1700000000 }, { guild: 7 }, { status: true },
    ];
    for (const over of cases) {
      const r = await creator.post('/api/v1/tasks', taskBody(over));
      expectError(r, 400, 'API002', `task with ${JSON.stringify(over)}`);
    }
    expectError(await user.post('/api/v1/guilds', { slug: 'typed', name: 1, type: 'GEO' }), 400, 'API002', 'guild name 1');
    expectError(await user.patch('/api/v1/me', { displayName: 5 }), 400, 'API002', 'displayName 5');
  });

  test('out-of-range values are 400 API002', async () => {
    const cases = [
      { difficulty: 0 }, { difficulty: 11 }, { difficulty: -1 }, { xpReward: -1 }, { xpReward: 1000001 },
      { title: '' }, { title: 'x'.repeat(201) }, { type: 'HOMEWORK' }, { type: 'bounty' }, { status: 'CLOSED' },
      { skills: Array.from({ length: 21 }, (_, i) => ({ skill: `s${i}` })) },
      { skills: [{ skill: 'python', minLevel: 101 }] }, { skills: [{ skill: 'python', minLevel: -1 }] },
      { requirements: { minReputation: 101 } }, { validation: { consensusThreshold: 49 } },
      { validation: { minValidators: 22 } }, { validation: { rubric: [] } },
      { validation: { rubric: [{ criterion: 'x', weight: 0 }] } }, { validation: { evidenceTypes: ['fax'] } },
      { deadline: 'tomorrow' }, { deadline: '2030-02-30T00:00:00Z' },
    ];
    for (const over of cases) {
      const r = await creator.post('/api/v1/tasks', taskBody(over));
      expectError(r, 400, 'API002', `task with ${JSON.stringify(over).slice(0, 80)}`);
    }
    expectError(await user.post('/api/v1/guilds', { slug: 'ab', name: 'x', type: 'GEO' }), 400, 'API002', 'slug too short');
    expectError(await user.post('/api/v1/guilds', { slug: 'Upper-Case', name: 'x', type: 'GEO' }), 400, 'API002', 'slug upper case');
    expectError(await user.post('/api/v1/guilds', { slug: 'ok-slug', name: 'x', type: 'CITY' }), 400, 'API002', 'guild type');
  });

  test('tokenReward must be a canonical decimal uint256: "01", "-1", 2^256 and others are 400 API002', async () => {
    for (const v of ['01', '-1', TWO_256, '1e18', '0x10', ' 1', '1 ', '+1', '1.0', '', `${UINT256_MAX}0`, '٣']) {
      const r = await creator.post('/api/v1/tasks', taskBody({ tokenReward: v }));
      expectError(r, 400, 'API002', `tokenReward ${JSON.stringify(v)}`);
    }
  });

  test('uint256 max tokenReward round-trips exactly', async () => {
    const r = await creator.post('/api/v1/tasks', taskBody({ tokenReward: UINT256_MAX }));
    const t = expectStatus(r, 201);
    assert.equal(t.tokenReward, UINT256_MAX);
    assert.ok(r.text.includes(`"tokenReward":"${UINT256_MAX}"`), 'a JSON string, not a number');
    const g = await anon.get(`/api/v1/tasks/${t.id}`);
    assert.equal(expectStatus(g, 200).tokenReward, UINT256_MAX);
    const zero = expectStatus(await creator.post('/api/v1/tasks', taskBody({ tokenReward: '0' })), 201);
    assert.equal(zero.tokenReward, '0');
    const p = await creator.patch(`/api/v1/tasks/${zero.id}`, { tokenReward: '115792089237316195423570985008687907853269984665640564039457584007913129639934' });
    assert.equal(expectStatus(p, 200).tokenReward, '115792089237316195423570985008687907853269984665640564039457584007913129639934');
    assert.equal(expectStatus(await anon.get(`/api/v1/tasks/${zero.id}`), 200).tokenReward,
      '115792089237316195423570985008687907853269984665640564039457584007913129639934');
  });

  test('unknown fields are 400 API002, at the top and nested', async () => {
    const cases = [
      [creator, 'POST', '/api/v1/tasks', taskBody({ reward: 5 })],
      [creator, 'POST', '/api/v1/tasks', taskBody({ requirements: { minKarma: 3 } })],
      [creator, 'POST', '/api/v1/tasks', taskBody({ validation: { quorum: 3 } })],
      [creator, 'POST', '/api/v1/tasks', taskBody({ skills: [{ skill: 'python', level: 3 }] })],
      [creator, 'POST', '/api/v1/tasks', taskBody({ validation: { rubric: [{ criterion: 'a', weight: 100, points: 1 }] } })],
      [user, 'POST', '/api/v1/guilds', { slug: 'unknown-field', name: 'x', type: 'GEO', owner: ADDR.user2 }],
      [user, 'PATCH', '/api/v1/me', { displayName: 'x', roles: ['admin'] }],
    ];
    for (const [c, m, p, body] of cases) {
      const r = await c.req(m, p, { json: body });
      const e = expectError(r, 400, 'API002', `${m} ${p} ${JSON.stringify(body).slice(0, 100)}`);
      assert.ok(e.message.length > 5);
    }
    const t = expectStatus(await creator.post('/api/v1/tasks', taskBody()), 201);
    expectError(await creator.patch(`/api/v1/tasks/${t.id}`, { id: 99 }), 400, 'API002', 'PATCH with id');
    expectError(await creator.patch(`/api/v1/tasks/${t.id}`, { creator: ADDR.user }), 400, 'API002', 'PATCH with creator');
    const s = await user.post(`/api/v1/tasks/${t.id}/submissions`, { text: 'x', score: 100 });
    expectError(s, 400, 'API002', 'submission with score');
    const ev = await user.post(`/api/v1/tasks/${t.id}/submissions`, { text: 'x', evidence: [{ type: 'link', url: 'https://example.com', hash: 'x' }] });
    expectError(ev, 400, 'API002', 'evidence with hash');
  });

  test('missing required fields are 400 API002 naming the field', async () => {
    const full = taskBody();
    for (const field of ['type', 'title', 'description', 'difficulty', 'xpReward']) {
      const body = { ...full };
      delete body[field];
      const e = expectError(await creator.post('/api/v1/tasks', body), 400, 'API002', `task without ${field}`);
      assert.ok(e.message.includes(field), `message names ${field}: ${e.message}`);
    }
    // an empty body counts as {}
    const empty = await creator.req('POST', '/api/v1/tasks', { headers: { 'Content-Type': 'application/json', 'Content-Length': '0' } });
    expectError(empty, 400, 'API002', 'empty task body');
    expectError(await creator.post('/api/v1/tasks', {}), 400, 'API002', 'task {}');
    for (const field of ['slug', 'name', 'type']) {
      const body = { slug: 'missing-field', name: 'x', type: 'GEO' };
      delete body[field];
      const e = expectError(await user.post('/api/v1/guilds', body), 400, 'API002', `guild without ${field}`);
      assert.ok(e.message.includes(field), `message names ${field}: ${e.message}`);
    }
    const t = expectStatus(await creator.post('/api/v1/tasks', taskBody()), 201);
    expectError(await user.post(`/api/v1/tasks/${t.id}/submissions`, {}), 400, 'API002', 'submission without text');
    expectError(await user.post(`/api/v1/tasks/${t.id}/submissions`, { text: 'x', evidence: [{ type: 'link' }] }), 400, 'API002', 'evidence without url');
    expectError(await creator.post('/api/v1/tasks', taskBody({ skills: [{ minLevel: 3 }] })), 400, 'API002', 'skill without slug');
    expectError(await creator.post('/api/v1/tasks', taskBody({ validation: { rubric: [{ criterion: 'a' }] } })), 400, 'API002', 'rubric without weight');
  });

  test('bad path parameters are 400 API002; unknown records are 404 DATA001', async () => {
    expectError(await anon.get('/api/v1/tasks/abc'), 400, 'API002', 'task id abc');
    expectError(await anon.get('/api/v1/tasks/0'), 400, 'API002', 'task id 0');
    expectError(await anon.get('/api/v1/tasks/-3'), 400, 'API002', 'task id -3');
    expectError(await anon.get('/api/v1/tasks/99999999999999999999999'), 400, 'API002', 'task id too big');
    expectError(await anon.get('/api/v1/tasks/987654'), 404, 'DATA001', 'unknown task');
    expectError(await user.get('/api/v1/submissions/987654'), 404, 'DATA001', 'unknown submission');
    expectError(await anon.get('/api/v1/guilds/no-such-guild'), 404, 'DATA001', 'unknown guild');
    expectError(await anon.get('/api/v1/guilds/no-such-guild/members'), 404, 'DATA001', 'unknown guild members');
    expectError(await user.post('/api/v1/guilds/no-such-guild/join'), 404, 'DATA001', 'join unknown guild');
    expectError(await anon.get('/api/v1/skills/no-such-skill'), 404, 'DATA001', 'unknown skill');
    expectError(await anon.get('/api/v1/users/not-an-address'), 400, 'API002', 'bad address');
    expectError(await creator.patch('/api/v1/tasks/987654', { title: 'x' }), 404, 'DATA001', 'PATCH unknown task');
    expectError(await creator.post('/api/v1/tasks/987654/close'), 404, 'DATA001', 'close unknown task');
    expectError(await user.post('/api/v1/tasks/987654/submissions', { text: 'x' }), 404, 'DATA001', 'submit to unknown task');
    expectError(await admin.del('/api/v1/keys/987654'), 404, 'DATA001', 'revoke unknown key');
    expectError(await admin.del('/api/v1/keys/abc'), 400, 'API002', 'revoke key abc');
  });

  test('an oversized body by Content-Length is 413 API005; one just under the limit is taken', async () => {
    const pad = (n) => JSON.stringify(taskBody({ description: 'd'.repeat(n) }));
    const base = pad(0).length;
    const under = pad(BODY_LIMIT - base);
    assert.equal(under.length, BODY_LIMIT);
    expectStatus(await rawPost(creator, '/api/v1/tasks', under), 201, 'a body of exactly the limit');
    const before = await taskCount();
    const over = pad(BODY_LIMIT - base + 1);
    expectError(await rawPost(creator, '/api/v1/tasks', over), 413, 'API005', `body of ${over.length} bytes`);
    expectError(await rawPost(creator, '/api/v1/tasks', pad(BODY_LIMIT * 20)), 413, 'API005', 'a body 20 times the limit');
    // announced but never sent: answered at once from the headers
    const c = await RawConn.open(srv.port);
    try {
      await c.write(`POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${keys.creator.key}\r\n` +
        `Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{"type":`);
      const r = await c.readResponse({ timeout: 5000 });
      assert.equal(r.status, 413);
      assert.equal(r.body.error.code, 'API005');
      assert.equal(r.body.error.details.requestId, r.headers['x-request-id']);
    } finally { c.destroy(); }
    assert.equal(await taskCount(), before, 'nothing was stored');
  });

  test('an oversized chunked body is 413 API005', async () => {
    const before = await taskCount();
    const c = await RawConn.open(srv.port);
    try {
      await c.write(`POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${keys.creator.key}\r\n` +
        'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
      const body = JSON.stringify(taskBody({ description: 'd'.repeat(BODY_LIMIT * 3) }));
      let answered = null;
      const reading = c.readResponse({ timeout: 8000 }).then((r) => { answered = r; }, (e) => { answered = e; });
      for (let off = 0; off < body.length && !answered && !c.closed; off += 500) {
        const part = body.slice(off, off + 500);
        await c.write(`${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`).catch(() => {});
        await new Promise((r) => setTimeout(r, 5));
      }
      if (!answered && !c.closed) await c.write('0\r\n\r\n').catch(() => {});
      await reading;
      assert.ok(!(answered instanceof Error), `an answer to the chunked body: ${answered && answered.message}`);
      assert.equal(answered.status, 413, answered.text);
      assert.equal(answered.body.error.code, 'API005');
      assert.equal(answered.body.error.details.requestId, answered.headers['x-request-id']);
    } finally { c.destroy(); }
    // a small chunked body is fine
    const c2 = await RawConn.open(srv.port);
    try {
      const body = JSON.stringify(taskBody({ title: 'chunked' }));
      await c2.write(`POST /api/v1/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${keys.creator.key}\r\n` +
        'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' +
        `${(20).toString(16)}\r\n${body.slice(0, 20)}\r\n${Buffer.byteLength(body.slice(20)).toString(16)}\r\n${body.slice(20)}\r\n0\r\n\r\n`);
      const r = await c2.readResponse({ timeout: 5000 });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.title, 'chunked');
    } finally { c2.destroy(); }
    assert.equal(await taskCount(), before + 1, 'only the small chunked body was stored');
  });

  test('oversized headers get 431 from libmicrohttpd (the documented exception to the JSON errors)', async () => {
    const r = await request(srv.port, 'GET', '/api/v1/tasks', { headers: { 'X-Padding': 'p'.repeat(HEADER_LIMIT * 2) } });
    assert.equal(r.status, 431, r.text.slice(0, 200));
    const r2 = await request(srv.port, 'GET', `/api/v1/tasks?q=${'q'.repeat(HEADER_LIMIT * 2)}`);
    assert.ok(r2.status === 431 || r2.status === 414, `a huge request line: ${r2.status}`);
    // the server is fine afterwards
    expectStatus(await anon.get('/healthz'), 200);
  });

  test('a wrong content type is 415 API006', async () => {
    const body = JSON.stringify(taskBody());
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'multipart/form-data; boundary=x', 'json']) {
      const r = await creator.req('POST', '/api/v1/tasks', { body, headers: { 'Content-Type': ct } });
      expectError(r, 415, 'API006', `content type ${ct}`);
    }
    const none = await creator.req('POST', '/api/v1/tasks', { body });
    expectError(none, 415, 'API006', 'no content type');
    for (const ct of ['application/json; charset=utf-8', 'Application/JSON']) {
      const ok = await creator.req('POST', '/api/v1/tasks', { body, headers: { 'Content-Type': ct } });
      expectStatus(ok, 201, `content type ${ct}`);
    }
  });

  test('an unknown route is 404 API003', async () => {
    for (const p of ['/api/v1/nope', '/api/v2/tasks', '/api/v1/tasks/1/nothing', '/api/v1/', '/nope', '/api/v1/tasks/']) {
      expectError(await anon.get(p), 404, 'API003', `GET ${p}`);
    }
    expectError(await creator.post('/api/v1/nope', { a: 1 }), 404, 'API003', 'POST /api/v1/nope');
  });

  test('a wrong method is 405 API004 with an Allow header', async () => {
    const cases = [
      ['DELETE', '/api/v1/tasks', ['GET', 'POST']],
      ['PUT', '/api/v1/tasks/1', ['GET', 'PATCH']],
      ['GET', '/api/v1/tasks/1/close', ['POST']],
      ['DELETE', '/api/v1/guilds/x/join', ['POST']],
      ['POST', '/api/v1/skills', ['GET']],
      ['PATCH', '/api/v1/keys/1', ['DELETE']],
      ['POST', '/healthz', ['GET']],
      ['PUT', '/api/v1/me', ['GET', 'PATCH']],
    ];
    for (const [m, p, allow] of cases) {
      const r = await creator.req(m, p);
      expectError(r, 405, 'API004', `${m} ${p}`);
      assert.ok(r.headers.allow, `Allow header on ${m} ${p}`);
      assert.deepEqual(r.headers.allow.split(',').map((x) => x.trim()).sort(), allow.sort(), `Allow of ${m} ${p}`);
    }
  });

  test('missing authentication is 401 AUTH001', async () => {
    const t = expectStatus(await creator.post('/api/v1/tasks', taskBody()), 201);
    const cases = [
      ['GET', '/api/v1/me'], ['PATCH', '/api/v1/me', { bio: 'x' }], ['GET', '/api/v1/me/submissions'],
      ['GET', '/api/v1/me/keys'], ['POST', '/api/v1/tasks', taskBody()], ['PATCH', `/api/v1/tasks/${t.id}`, { title: 'x' }],
      ['POST', `/api/v1/tasks/${t.id}/close`], ['POST', `/api/v1/tasks/${t.id}/submissions`, { text: 'x' }],
      ['GET', `/api/v1/tasks/${t.id}/submissions`], ['GET', '/api/v1/submissions/1'],
      ['POST', '/api/v1/guilds', { slug: 'no-auth', name: 'x', type: 'GEO' }], ['POST', '/api/v1/guilds/x/join'],
      ['POST', '/api/v1/guilds/x/leave'], ['GET', '/api/v1/keys'], ['DELETE', `/api/v1/keys/${keys.user.id}`],
      ['GET', '/api/v1/audit?subject=task&id=1'],
    ];
    for (const [m, p, json] of cases) {
      const r = await anon.req(m, p, json ? { json } : {});
      const e = expectError(r, 401, 'AUTH001', `${m} ${p} without a key`);
      assert.ok(e.message.length > 0);
    }
    expectStatus(await user.get('/api/v1/me'), 200, 'the user key still works');
  });

  test('a bad or revoked key is 401 AUTH002', async () => {
    const fake = `phk_${'A'.repeat(43)}`;
    for (const auth of [`Bearer ${fake}`, 'Bearer phk_short', 'Bearer ', 'Basic dXNlcjpwYXNz', `bearer ${keys.user.key}`,
      `Bearer ${keys.user.key}x`, `Bearer ${keys.user.key.slice(0, -1)}B`, 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.x']) {
      const r = await anon.get('/api/v1/me', { headers: { Authorization: auth } });
      expectError(r, 401, 'AUTH002', `Authorization: ${auth.slice(0, 30)}`);
    }
    // a bad key is refused even on a public route rather than silently ignored
    expectError(await anon.get('/api/v1/tasks', { headers: { Authorization: `Bearer ${fake}` } }), 401, 'AUTH002', 'bad key on a public route');
    expectStatus(await user.get('/api/v1/me'), 200);
  });

  test('a missing role is 403 AUTH003', async () => {
    const t = expectStatus(await creator.post('/api/v1/tasks', taskBody()), 201);
    const cases = [
      [user, 'POST', '/api/v1/tasks', taskBody()],
      [user, 'PATCH', `/api/v1/tasks/${t.id}`, { title: 'x' }],
      [user, 'POST', `/api/v1/tasks/${t.id}/close`],
      [user, 'GET', `/api/v1/tasks/${t.id}/submissions`],
      [user, 'GET', '/api/v1/keys'],
      [creator, 'GET', '/api/v1/keys'],
      [user, 'GET', '/api/v1/audit?subject=task&id=1'],
      [creator, 'GET', '/api/v1/audit?subject=task&id=1'],
    ];
    for (const [c, m, p, json] of cases) {
      expectError(await c.req(m, p, json ? { json } : {}), 403, 'AUTH003', `${m} ${p}`);
    }
    assert.equal(expectStatus(await anon.get(`/api/v1/tasks/${t.id}`), 200).title, taskBody().title, 'the task is unchanged');
  });

  test('another user\'s private object is 403 AUTH004', async () => {
    const t = expectStatus(await creator.post('/api/v1/tasks', taskBody({ title: 'Owned' })), 201);
    const s = expectStatus(await user.post(`/api/v1/tasks/${t.id}/submissions`, { text: 'private work' }), 201);
    expectError(await user2.get(`/api/v1/submissions/${s.id}`), 403, 'AUTH004', 'reading someone else\'s submission');
    expectError(await creator2.get(`/api/v1/submissions/${s.id}`), 403, 'AUTH004', 'reading a submission to someone else\'s task');
    expectError(await creator2.patch(`/api/v1/tasks/${t.id}`, { title: 'Hijacked' }), 403, 'AUTH004', 'editing someone else\'s task');
    expectError(await creator2.post(`/api/v1/tasks/${t.id}/close`), 403, 'AUTH004', 'closing someone else\'s task');
    expectError(await creator2.get(`/api/v1/tasks/${t.id}/submissions`), 403, 'AUTH004', 'listing submissions of someone else\'s task');
    expectError(await user2.del(`/api/v1/keys/${keys.user.id}`), 403, 'AUTH004', 'revoking someone else\'s key');
    expectError(await creator.del(`/api/v1/keys/${keys.user.id}`), 403, 'AUTH004', 'a creator revoking someone else\'s key');
    const got = expectStatus(await anon.get(`/api/v1/tasks/${t.id}`), 200);
    assert.equal(got.title, 'Owned');
    assert.equal(got.status, 'OPEN');
    expectStatus(await user.get('/api/v1/me'), 200, 'the key was not revoked');
    const mine = expectStatus(await user2.get('/api/v1/me/submissions'), 200);
    assert.ok(!mine.items.some((x) => x.id === s.id), 'someone else\'s submission is not in my list');
  });

  test('state conflicts are 409', async () => {
    const t = expectStatus(await creator.post('/api/v1/tasks', taskBody({ title: 'Conflicts' })), 201);
    expectStatus(await user.post(`/api/v1/tasks/${t.id}/submissions`, { text: 'first' }), 201);
    expectError(await user.post(`/api/v1/tasks/${t.id}/submissions`, { text: 'second' }), 409, 'DATA002', 'submitting twice');
    expectError(await creator.post(`/api/v1/tasks/${t.id}/submissions`, { text: 'mine' }), 409, 'DATA004', 'the creator submitting');
    expectStatus(await creator.post(`/api/v1/tasks/${t.id}/close`), 200);
    expectError(await creator.post(`/api/v1/tasks/${t.id}/close`), 409, 'DATA004', 'closing twice');
    expectError(await user2.post(`/api/v1/tasks/${t.id}/submissions`, { text: 'late' }), 409, 'DATA004', 'submitting to a closed task');
    expectError(await creator.patch(`/api/v1/tasks/${t.id}`, { title: 'reopen?' }), 409, 'DATA004', 'editing a closed task');
    const draft = expectStatus(await creator.post('/api/v1/tasks', taskBody({ status: 'DRAFT' })), 201);
    expectError(await user.post(`/api/v1/tasks/${draft.id}/submissions`, { text: 'early' }), 409, 'DATA004', 'submitting to a draft');
    const open = expectStatus(await creator.post('/api/v1/tasks', taskBody()), 201);
    expectError(await creator.patch(`/api/v1/tasks/${open.id}`, { status: 'DRAFT' }), 409, 'DATA004', 'open back to draft');

    const slug = uniq('conflict').toLowerCase();
    expectStatus(await user.post('/api/v1/guilds', { slug, name: 'Conflict', type: 'GEO' }), 201);
    expectError(await user2.post('/api/v1/guilds', { slug, name: 'Again', type: 'GEO' }), 409, 'DATA002', 'a taken slug');
    expectStatus(await user2.post(`/api/v1/guilds/${slug}/join`), 200);
    expectError(await user2.post(`/api/v1/guilds/${slug}/join`), 409, 'DATA002', 'joining twice');
    expectError(await user.post(`/api/v1/guilds/${slug}/join`), 409, 'DATA002', 'the owner joining');
    expectError(await user.post(`/api/v1/guilds/${slug}/leave`), 409, 'DATA004', 'the owner leaving');
    expectError(await creator.post(`/api/v1/guilds/${slug}/leave`), 409, 'DATA004', 'leaving without being a member');
    assert.equal(expectStatus(await anon.get(`/api/v1/guilds/${slug}`), 200).memberCount, 2);

    const k = await createKey(db, 'user', ADDR.user2, 'twice');
    assert.equal((await user2.del(`/api/v1/keys/${k.id}`)).status, 204);
    expectError(await user2.del(`/api/v1/keys/${k.id}`), 409, 'DATA004', 'revoking twice');
  });

  test('unknown references are 422 DATA003', async () => {
    const before = await taskCount();
    expectError(await creator.post('/api/v1/tasks', taskBody({ skills: [{ skill: 'underwater-basketry' }] })), 422, 'DATA003', 'unknown skill');
    const one = await creator.post('/api/v1/tasks', taskBody({ skills: [{ skill: 'python' }, { skill: 'nope-nope' }] }));
    expectError(one, 422, 'DATA003', 'one unknown skill of two');
    assert.match(one.body.error.message, /skill 'nope-nope' is not in the catalogue/, 'the unknown skill is named');
    expectError(await creator.post('/api/v1/tasks', taskBody({ guild: 'no-such-guild' })), 422, 'DATA003', 'unknown guild');
    expectError(await creator.post('/api/v1/tasks', taskBody({ validation: { rubric: [{ criterion: 'a', weight: 50 }] } })), 422, 'DATA003', 'rubric weights not 100');
    expectError(await creator.post('/api/v1/tasks', taskBody({ deadline: '2001-01-01T00:00:00Z' })), 422, 'DATA003', 'a deadline in the past');
    assert.equal(await taskCount(), before, 'no task was half-written');
    const t = expectStatus(await creator.post('/api/v1/tasks', taskBody({ skills: [{ skill: 'python', minLevel: 2 }] })), 201);
    expectError(await creator.patch(`/api/v1/tasks/${t.id}`, { skills: [{ skill: 'nope-nope' }] }), 422, 'DATA003', 'PATCH with unknown skill');
    const got = expectStatus(await anon.get(`/api/v1/tasks/${t.id}`), 200);
    assert.deepEqual(got.skills, [{ skill: 'python', minLevel: 2 }], 'the failed edit changed nothing');
  });

  test('refused writes leave no audit rows', async () => {
    const t = expectStatus(await creator.post('/api/v1/tasks', taskBody()), 201);
    const rows = async () => expectStatus(await admin.get(`/api/v1/audit?subject=task&id=${t.id}&limit=100`), 200).items.length;
    const n = await rows();
    assert.ok(n >= 1);
    await creator2.patch(`/api/v1/tasks/${t.id}`, { title: 'x' });
    await creator.patch(`/api/v1/tasks/${t.id}`, { difficulty: 0 });
    await creator.patch(`/api/v1/tasks/${t.id}`, { skills: [{ skill: 'nope-nope' }] });
    await user.patch(`/api/v1/tasks/${t.id}`, { title: 'x' });
    expectStatus(await creator.post(`/api/v1/tasks/${t.id}/close`), 200);
    await creator.post(`/api/v1/tasks/${t.id}/close`);
    assert.equal(await rows(), n + 1, 'only the successful close left a row');
  });
});
