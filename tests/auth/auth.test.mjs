// Sign-In with Ethereum, sessions, linked wallets and roles against a real `pheme serve` (started by
// run.sh). viem does the wallet's part (keys, EIP-4361 messages, personal_sign); the server is
// only spoken to over HTTP. Every SIWE negative and every JWT attack is its own test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { createSiweMessage } from 'viem/siwe';

const URL_ = process.env.AUTH_E2E_URL;
const PUBLIC = process.env.AUTH_E2E_PUBLIC;
const ADMIN_KEY = process.env.AUTH_E2E_ADMIN_KEY;
const JWT_KEYS = process.env.AUTH_E2E_JWT_KEYS || '';
if (!URL_ || !PUBLIC || !ADMIN_KEY) throw new Error('run through tests/auth/run.sh');
const DOMAIN = new URL(PUBLIC).host;
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

// ---------- HTTP ----------

async function call(method, path, { body, token, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (body !== undefined) h['content-type'] = 'application/json';
  const res = await fetch(URL_ + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  // an event stream (SSE) never ends: its status and headers are the answer; the body is dropped
  if ((res.headers.get('content-type') || '').startsWith('text/event-stream')) {
    await res.body?.cancel();
    return { status: res.status, json: null, headers: res.headers, text: '' };
  }
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: res.status, json, headers: res.headers, text };
}

function assertError(r, status, code, pattern) {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.text}`);
  if (code) assert.equal(r.json?.error?.code, code, r.text);
  if (pattern) assert.match(r.json?.error?.message ?? '', pattern);
}

// ---------- the wallet's side ----------

const newAccount = () => privateKeyToAccount(generatePrivateKey());

async function nonceFor(account, chainId = 1, purpose) {
  const r = await call('POST', '/api/v1/auth/nonce', { body: { address: account.address, chainId, ...(purpose ? { purpose } : {}) } });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function signIn(account, extra = {}) {
  const n = await nonceFor(account);
  const signature = await account.signMessage({ message: n.message });
  const r = await call('POST', '/api/v1/auth/verify', { body: { message: n.message, signature, ...extra } });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

// A message of our own making for a nonce the server issued to `account` (viem renders it).
async function ownMessage(account, fields = {}, chainId = 1) {
  const n = await nonceFor(account, chainId);
  const now = Date.now();
  return createSiweMessage({
    address: account.address, chainId, domain: DOMAIN, nonce: n.nonce, uri: PUBLIC, version: '1',
    issuedAt: new Date(now - 1000), expirationTime: new Date(now + 60000), statement: 'Sign in to PHEME.',
    ...fields,
  });
}

async function verify(message, signature) {
  return call('POST', '/api/v1/auth/verify', { body: { message, signature } });
}

function highSTwin(sig) {
  const hex = sig.slice(2);
  const r = hex.slice(0, 64), s = BigInt('0x' + hex.slice(64, 128)), v = parseInt(hex.slice(128, 130), 16);
  const s2 = (N - s).toString(16).padStart(64, '0');
  const v2 = v === 27 ? 28 : v === 28 ? 27 : v ^ 1;
  return '0x' + r + s2 + v2.toString(16).padStart(2, '0');
}

// ---------- JWTs made by hand (run.sh shares the server's keys with us) ----------

const b64 = (b) => Buffer.from(b).toString('base64url');
function forge(header, payload, kid = 'e2e') {
  const entry = JWT_KEYS.split(',').find((k) => k.startsWith(kid + ':'));
  const secret = entry ? Buffer.from(entry.split(':')[1], 'hex') : crypto.randomBytes(32);
  const head = b64(JSON.stringify(header)) + '.' + b64(JSON.stringify(payload));
  return head + '.' + b64(crypto.createHmac('sha256', secret).update(head).digest());
}
function claimsOf(token) { return JSON.parse(Buffer.from(token.split('.')[1], 'base64url')); }

// ---------- the happy path ----------

test('sign in, profile, refresh, link a wallet, logout (viem signs)', async () => {
  const a = newAccount(), b = newAccount();
  const n = await nonceFor(a);
  assert.match(n.nonce, /^[A-Za-z0-9]{16,}$/);
  assert.equal(n.domain, DOMAIN);
  assert.equal(n.uri, PUBLIC);
  assert.ok(n.message.startsWith(`${DOMAIN} wants you to sign in with your Ethereum account:\n${a.address}\n`));
  assert.match(n.message, /\nChain ID: 1\nNonce: /);
  const s = await verify(n.message, await a.signMessage({ message: n.message }));
  assert.equal(s.status, 200, s.text);
  assert.equal(s.json.tokenType, 'Bearer');
  assert.equal(s.json.user.address.toLowerCase(), a.address.toLowerCase());
  const c = claimsOf(s.json.accessToken);
  assert.equal(c.iss, PUBLIC);
  assert.equal(c.aud, 'pheme-api');
  assert.equal(c.sid, s.json.sessionId);
  assert.ok(c.exp > c.iat && c.nbf <= c.iat + 1);
  assert.equal(JSON.parse(Buffer.from(s.json.accessToken.split('.')[0], 'base64url')).kid, 'e2e');
  const me = await call('GET', '/api/v1/me', { token: s.json.accessToken });
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.authenticatedBy, 'session');
  const r1 = await call('POST', '/api/v1/auth/refresh', { body: { refreshToken: s.json.refreshToken } });
  assert.equal(r1.status, 200, r1.text);
  assert.notEqual(r1.json.refreshToken, s.json.refreshToken);
  // link b by b's own signature over a nonce of purpose "link"
  const ln = await nonceFor(b, 1, 'link');
  const link = await call('POST', '/api/v1/me/wallets', {
    token: r1.json.accessToken, body: { message: ln.message, signature: await b.signMessage({ message: ln.message }) } });
  assert.equal(link.status, 201, link.text);
  const ws = await call('GET', '/api/v1/me/wallets', { token: r1.json.accessToken });
  assert.equal(ws.json.items.length, 2);
  assert.equal(ws.json.payoutAddress.toLowerCase(), a.address.toLowerCase());
  const out = await call('POST', '/api/v1/auth/logout', { token: r1.json.accessToken });
  assert.equal(out.status, 204, out.text);
  assertError(await call('GET', '/api/v1/me', { token: r1.json.accessToken }), 401, 'AUTH002', /has ended/);
});

// ---------- SIWE negatives, each its own case ----------

test('siwe: expired message', async () => {
  const a = newAccount();
  const m = await ownMessage(a, { issuedAt: new Date(Date.now() - 600000), expirationTime: new Date(Date.now() - 300000) });
  assertError(await verify(m, await a.signMessage({ message: m })), 401, 'AUTH002', /expired/);
});

test('siwe: not yet valid', async () => {
  const a = newAccount();
  const m = await ownMessage(a, { notBefore: new Date(Date.now() + 3600000), expirationTime: new Date(Date.now() + 7200000) });
  assertError(await verify(m, await a.signMessage({ message: m })), 401, 'AUTH002', /not|before/i);
});

test('siwe: wrong domain', async () => {
  const a = newAccount();
  const m = await ownMessage(a, { domain: 'evil.example' });
  assertError(await verify(m, await a.signMessage({ message: m })), 401, 'AUTH002', /domain 'evil\.example'/);
});

test('siwe: wrong URI', async () => {
  const a = newAccount();
  const m = await ownMessage(a, { uri: 'https://evil.example/login' });
  assertError(await verify(m, await a.signMessage({ message: m })), 401, 'AUTH002', /URI/);
});

test('siwe: wrong chain id', async () => {
  const a = newAccount();
  const m = await ownMessage(a, { chainId: 5 });
  assertError(await verify(m, await a.signMessage({ message: m })), 401, 'AUTH002', /chain id '5'/);
  assertError(await call('POST', '/api/v1/auth/nonce', { body: { address: a.address, chainId: 5 } }), 400, 'API002', /chain id/);
});

test('siwe: unknown nonce', async () => {
  const a = newAccount();
  const m = createSiweMessage({ address: a.address, chainId: 1, domain: DOMAIN, nonce: 'NeverIssuedByPheme42', uri: PUBLIC,
    version: '1', issuedAt: new Date(), expirationTime: new Date(Date.now() + 60000) });
  assertError(await verify(m, await a.signMessage({ message: m })), 401, 'AUTH002', /not issued/);
});

test('siwe: reused nonce', async () => {
  const a = newAccount();
  const m = await ownMessage(a);
  const sig = await a.signMessage({ message: m });
  assert.equal((await verify(m, sig)).status, 200);
  assertError(await verify(m, sig), 401, 'AUTH002', /already used/);
});

test('siwe: nonce of another address', async () => {
  const a = newAccount(), b = newAccount();
  const nb = await nonceFor(b);
  const m = createSiweMessage({ address: a.address, chainId: 1, domain: DOMAIN, nonce: nb.nonce, uri: PUBLIC,
    version: '1', issuedAt: new Date(), expirationTime: new Date(Date.now() + 60000) });
  assertError(await verify(m, await a.signMessage({ message: m })), 401, 'AUTH002', /another address/);
});

const malformed = {
  'missing lines': (m) => m.split('\n').filter((l) => !l.startsWith('Version:')).join('\n'),
  'fields out of order': (m) => {
    const l = m.split('\n');
    const u = l.findIndex((x) => x.startsWith('URI:'));
    [l[u], l[u + 1]] = [l[u + 1], l[u]];
    return l.join('\n');
  },
  'bad address checksum': (m) => {
    const l = m.split('\n');
    const flip = (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase());
    const i = [...l[1]].findIndex((c, k) => k > 1 && /[a-fA-F]/.test(c));
    l[1] = l[1].slice(0, i) + flip(l[1][i]) + l[1].slice(i + 1);
    return l.join('\n');
  },
  'newline in the statement': (m) => m.replace('Sign in to PHEME.', 'Sign in\nto PHEME.'),
  'short nonce': (m) => m.replace(/Nonce: \S+/, 'Nonce: abc'),
  'impossible date': (m) => m.replace(/Issued At: \S+/, 'Issued At: 2026-02-30T10:00:00.000Z'),
  'trailing newline': (m) => m + '\n',
  'carriage returns': (m) => m.replace(/\n/g, '\r\n'),
};
for (const [name, mangle] of Object.entries(malformed)) {
  test(`siwe: malformed message (${name})`, async () => {
    const a = newAccount();
    const m = mangle(await ownMessage(a));
    assertError(await verify(m, await a.signMessage({ message: m })), 400, 'API002', /malformed sign-in message/);
  });
}

test('siwe: wrong signer', async () => {
  const a = newAccount(), b = newAccount();
  const m = await ownMessage(a);
  assertError(await verify(m, await b.signMessage({ message: m })), 401, 'AUTH002', /was signed by/);
});

test('siwe: the high-s twin of a valid signature', async () => {
  const a = newAccount();
  const m = await ownMessage(a);
  const sig = await a.signMessage({ message: m });
  assertError(await verify(m, highSTwin(sig)), 401, 'AUTH002');
  assert.equal((await verify(m, sig)).status, 200); // the twin did not burn the nonce
});

test('siwe: bad hex in the signature', async () => {
  const a = newAccount();
  const m = await ownMessage(a);
  const sig = await a.signMessage({ message: m });
  assertError(await verify(m, sig.slice(0, 10) + 'zz' + sig.slice(12)), 400, 'API002', /hex/);
  assertError(await verify(m, sig.slice(2)), 400, 'API002');
  assertError(await verify(m, sig.slice(0, -2)), 400, 'API002');
});

// ---------- single use under concurrency ----------

test('24 concurrent verifies of one message give exactly one session', async () => {
  const a = newAccount();
  const m = await ownMessage(a);
  const sig = await a.signMessage({ message: m });
  const results = await Promise.all(Array.from({ length: 24 }, () => verify(m, sig)));
  const ok = results.filter((r) => r.status === 200);
  assert.equal(ok.length, 1, results.map((r) => r.status).join(','));
  for (const r of results) if (r.status !== 200) assertError(r, 401, 'AUTH002', /already used/);
});

// ---------- sessions ----------

test('refresh-token reuse revokes the whole session', async () => {
  const s = await signIn(newAccount());
  const r1 = await call('POST', '/api/v1/auth/refresh', { body: { refreshToken: s.refreshToken } });
  assert.equal(r1.status, 200, r1.text);
  assertError(await call('POST', '/api/v1/auth/refresh', { body: { refreshToken: s.refreshToken } }), 401, 'AUTH002', /already used/);
  assertError(await call('POST', '/api/v1/auth/refresh', { body: { refreshToken: r1.json.refreshToken } }), 401, 'AUTH002', /revoked/);
  assertError(await call('GET', '/api/v1/me', { token: r1.json.accessToken }), 401, 'AUTH002', /has ended/);
  assertError(await call('POST', '/api/v1/auth/refresh', { body: { refreshToken: 'phr_nope' } }), 401, 'AUTH002');
});

test('logout takes effect at once and invalidates outstanding nonces', async () => {
  const a = newAccount();
  const s = await signIn(a);
  assert.equal((await call('GET', '/api/v1/me', { token: s.accessToken })).status, 200);
  const pending = await nonceFor(a);
  assert.equal((await call('POST', '/api/v1/auth/logout', { token: s.accessToken })).status, 204);
  assertError(await call('GET', '/api/v1/me', { token: s.accessToken }), 401, 'AUTH002', /has ended/);
  assertError(await call('POST', '/api/v1/auth/refresh', { body: { refreshToken: s.refreshToken } }), 401, 'AUTH002', /revoked/);
  assertError(await verify(pending.message, await a.signMessage({ message: pending.message })), 401, 'AUTH002', /already used/);
  assertError(await call('POST', '/api/v1/auth/logout', { token: ADMIN_KEY }), 400, 'API002', /API key/);
});

test('a role change invalidates earlier access tokens; refresh carries the new role', async () => {
  const a = newAccount();
  const s = await signIn(a);
  assertError(await call('POST', '/api/v1/tasks', { token: s.accessToken, body: {} }), 403, 'AUTH003');
  const g = await call('POST', `/api/v1/admin/users/${a.address}/roles`, { token: ADMIN_KEY, body: { role: 'creator' } });
  assert.equal(g.status, 200, g.text);
  assert.deepEqual(g.json.roles, ['user', 'creator']);
  assertError(await call('GET', '/api/v1/me', { token: s.accessToken }), 401, 'AUTH002', /roles changed/);
  const r = await call('POST', '/api/v1/auth/refresh', { body: { refreshToken: s.refreshToken } });
  assert.equal(r.status, 200, r.text);
  assertError(await call('POST', '/api/v1/tasks', { token: r.json.accessToken, body: {} }), 400, 'API002');
  const audit = await call('GET', `/api/v1/audit?subject=user&id=${g.json.id ?? r.json.user.id ?? 0}`, { token: ADMIN_KEY });
  assert.ok(audit.status === 200 || audit.status === 400, audit.text);
  const rv = await call('DELETE', `/api/v1/admin/users/${a.address}/roles/creator`, { token: ADMIN_KEY });
  assert.equal(rv.status, 200, rv.text);
  assertError(await call('GET', '/api/v1/me', { token: r.json.accessToken }), 401, 'AUTH002', /roles changed/);
  assertError(await call('DELETE', `/api/v1/admin/users/${a.address}/roles/emperor`, { token: ADMIN_KEY }), 400, 'API002');
  assertError(await call('POST', `/api/v1/admin/users/${newAccount().address}/roles`, { token: ADMIN_KEY, body: { role: 'admin' } }), 404);
});

test('API keys keep working beside sessions', async () => {
  const r = await call('GET', '/api/v1/keys', { token: ADMIN_KEY });
  assert.equal(r.status, 200, r.text);
  const me = await call('GET', '/api/v1/me', { token: ADMIN_KEY });
  assert.equal(me.json.authenticatedBy, 'api_key');
});

// ---------- cookie mode ----------

// Every Set-Cookie header of an answer. Headers.getSetCookie() arrived in Node 19.7 and Debian 12
// has Node 18, so this reads get('set-cookie') (every Node joins the headers with ", ") and splits
// before each "name=": one path on every Node. Our cookies carry Max-Age, never an Expires date
// with a comma in it.
function setCookies(res) {
  const joined = res.headers.get('set-cookie');
  return joined ? joined.split(/, (?=[!#$%&'*+.^_`|~0-9A-Za-z-]+=)/) : [];
}

function cookieJar(res) {
  const jar = {};
  for (const c of setCookies(res)) {
    const [pair, ...attrs] = c.split('; ');
    const [k, v] = pair.split('=');
    jar[k] = { value: v, attrs };
  }
  return jar;
}
const cookieHeader = (jar) => Object.entries(jar).map(([k, v]) => `${k}=${v.value}`).join('; ');

test('cookie mode: HttpOnly Secure SameSite=Strict cookies and a double-submit CSRF token', async () => {
  const a = newAccount();
  const n = await nonceFor(a);
  const v = await call('POST', '/api/v1/auth/verify', { body: { message: n.message, signature: await a.signMessage({ message: n.message }), cookies: true } });
  assert.equal(v.status, 200, v.text);
  assert.equal(v.json.tokenType, 'cookie');
  assert.equal(v.json.accessToken, undefined);
  assert.equal(v.json.refreshToken, undefined);
  const jar = cookieJar(v);
  for (const name of ['__Host-pheme_access', '__Host-pheme_refresh']) {
    assert.ok(jar[name], name);
    for (const attr of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/']) assert.ok(jar[name].attrs.includes(attr), `${name} ${attr}`);
  }
  assert.ok(!jar['__Host-pheme_csrf'].attrs.includes('HttpOnly'));
  assert.equal(jar['__Host-pheme_csrf'].value, v.json.csrfToken);
  const cookie = cookieHeader(jar);
  assert.equal((await call('GET', '/api/v1/me', { headers: { cookie } })).status, 200);
  assertError(await call('PATCH', '/api/v1/me', { headers: { cookie }, body: { bio: 'x' } }), 403, 'AUTH003', /X-CSRF-Token/);
  assertError(await call('PATCH', '/api/v1/me', { headers: { cookie, 'x-csrf-token': 'A'.repeat(43) }, body: { bio: 'x' } }), 403, 'AUTH003');
  const ok = await call('PATCH', '/api/v1/me', { headers: { cookie, 'x-csrf-token': v.json.csrfToken }, body: { bio: 'by cookie' } });
  assert.equal(ok.status, 200, ok.text);
  assertError(await call('POST', '/api/v1/auth/refresh', { headers: { cookie }, body: {} }), 403, 'AUTH003');
  const r = await call('POST', '/api/v1/auth/refresh', { headers: { cookie, 'x-csrf-token': v.json.csrfToken }, body: {} });
  assert.equal(r.status, 200, r.text);
  const jar2 = cookieJar(r);
  assert.notEqual(jar2['__Host-pheme_refresh'].value, jar['__Host-pheme_refresh'].value);
  const cookie2 = cookieHeader(jar2);
  const out = await call('POST', '/api/v1/auth/logout', { headers: { cookie: cookie2, 'x-csrf-token': r.json.csrfToken } });
  assert.equal(out.status, 204, out.text);
  assert.ok(setCookies(out).some((c) => c.startsWith('__Host-pheme_access=;') && c.includes('Max-Age=0')));
  assertError(await call('GET', '/api/v1/me', { headers: { cookie: cookie2 } }), 401, 'AUTH002');
});

// ---------- JWT attacks over HTTP ----------

test('jwt attacks are refused over HTTP', async () => {
  const s = await signIn(newAccount());
  const c = claimsOf(s.accessToken);
  const now = Math.floor(Date.now() / 1000);
  const cases = {
    'alg none': b64(JSON.stringify({ alg: 'none', kid: 'e2e' })) + '.' + b64(JSON.stringify(c)) + '.',
    'alg HS384': forge({ alg: 'HS384', kid: 'e2e' }, c),
    'expired': forge({ alg: 'HS256', kid: 'e2e' }, { ...c, iat: now - 1000, nbf: now - 1000, exp: now - 10 }),
    'wrong audience': forge({ alg: 'HS256', kid: 'e2e' }, { ...c, aud: 'other' }),
    'unknown kid': forge({ alg: 'HS256', kid: 'nope' }, c, 'nope'),
    'tampered payload': s.accessToken.split('.')[0] + '.' + b64(JSON.stringify({ ...c, sub: '1' })) + '.' + s.accessToken.split('.')[2],
  };
  for (const [name, tok] of Object.entries(cases)) {
    const r = await call('GET', '/api/v1/me', { token: tok });
    assert.equal(r.status, 401, `${name}: ${r.text}`);
  }
  // a token signed with the older listed key still verifies (rotation)
  const rotated = forge({ alg: 'HS256', typ: 'JWT', kid: 'old' }, c, 'old');
  assert.equal((await call('GET', '/api/v1/me', { token: rotated })).status, 200);
});

// ---------- linked wallets ----------

test('link and unlink a second wallet; an address belongs to one person', async () => {
  const a = newAccount(), b = newAccount(), c = newAccount();
  const sa = await signIn(a);
  const sc = await signIn(c);
  const link = async (token, acct) => {
    const n = await nonceFor(acct, 1, 'link');
    return call('POST', '/api/v1/me/wallets', { token, body: { message: n.message, signature: await acct.signMessage({ message: n.message }) } });
  };
  assert.equal((await link(sa.accessToken, b)).status, 201);
  // b signs in: the same person
  const sb = await signIn(b);
  assert.equal(sb.user.address.toLowerCase(), a.address.toLowerCase());
  assertError(await link(sa.accessToken, b), 409, 'DATA002', /already linked to your account/);
  assertError(await link(sa.accessToken, c), 409, 'DATA002', /another PHEME account/);
  assertError(await link(sc.accessToken, a), 409, 'DATA002');
  // a sign-in nonce cannot link
  const n = await nonceFor(newAccount());
  assertError(await call('POST', '/api/v1/me/wallets', { token: sa.accessToken, body: { message: n.message, signature: '0x' + '11'.repeat(65) } }), 401);
  assertError(await call('DELETE', `/api/v1/me/wallets/${a.address}`, { token: sa.accessToken }), 409, 'DATA004', /primary/);
  assertError(await call('DELETE', `/api/v1/me/wallets/${c.address}`, { token: sa.accessToken }), 404);
  assertError(await call('PUT', '/api/v1/me/payout', { token: sa.accessToken, body: { address: c.address } }), 404);
  const p = await call('PUT', '/api/v1/me/payout', { token: sa.accessToken, body: { address: b.address } });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.json.address.toLowerCase(), b.address.toLowerCase());
  assert.equal((await call('DELETE', `/api/v1/me/wallets/${a.address}`, { token: sb.accessToken })).status, 204);
  // the session opened with a's signature ended with the link; b's goes on
  assertError(await call('GET', '/api/v1/me', { token: sa.accessToken }), 401, 'AUTH002');
  const ws = await call('GET', '/api/v1/me/wallets', { token: sb.accessToken });
  assert.deepEqual(ws.json.items.map((w) => w.address.toLowerCase()), [b.address.toLowerCase()]);
  // a is free again: signing in with it makes a new person
  const again = await signIn(a);
  assert.equal(again.created, true);
});

// ---------- the role × route matrix ----------

test('role x route matrix: every route x anonymous/user/creator/validator/admin', async () => {
  const accounts = { user: newAccount(), creator: newAccount(), validator: newAccount(), admin: newAccount() };
  for (const role of ['creator', 'validator', 'admin']) {
    await signIn(accounts[role]); // the person exists
    const g = await call('POST', `/api/v1/admin/users/${accounts[role].address}/roles`, { token: ADMIN_KEY, body: { role } });
    assert.equal(g.status, 200, g.text);
  }
  const tokens = { anonymous: null };
  for (const [role, acct] of Object.entries(accounts)) tokens[role] = (await signIn(acct)).accessToken;
  const spec = (await call('GET', '/api/v1/openapi.json')).json;
  const rank = { user: ['user', 'creator', 'validator', 'admin'], creator: ['creator', 'admin'], validator: ['validator', 'admin'], admin: ['admin'] };
  let checked = 0;
  for (const [path, ops] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const need = op['x-pheme-role'];
      const concrete = path.replace('{id}', '987654321').replace('{address}', '0x00000000000000000000000000000000000000aa')
        .replace('{slug}', 'no-such-slug').replace('{role}', 'creator');
      for (const who of Object.keys(tokens)) {
        let token = tokens[who];
        if (concrete === '/api/v1/auth/logout' && token) token = (await signIn(accounts[who])).accessToken; // a session to spare
        const body = ['post', 'put', 'patch'].includes(method) ? {} : undefined;
        const r = await call(method.toUpperCase(), concrete, { token, body });
        const code = r.json?.error?.code;
        const where = `${method.toUpperCase()} ${path} as ${who} (needs ${need || 'nothing'}): ${r.status} ${r.text.slice(0, 200)}`;
        if (!need) {
          assert.ok(code !== 'AUTH001' && code !== 'AUTH003', where);
        } else if (who === 'anonymous') {
          assert.equal(r.status, 401, where);
          assert.equal(code, 'AUTH001', where);
        } else if (rank[need].includes(who)) {
          assert.ok(code !== 'AUTH001' && code !== 'AUTH002' && code !== 'AUTH003', where);
        } else {
          assert.equal(r.status, 403, where);
          assert.equal(code, 'AUTH003', where);
        }
        checked++;
      }
    }
  }
  assert.ok(checked >= 5 * 40, `only ${checked} cases`);
});
