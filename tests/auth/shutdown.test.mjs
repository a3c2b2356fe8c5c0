// Sign-ins in flight when the server is told to stop. Verifies park their requests while their
// writes wait for the group commit (docs/internals/store.md); the graceful stop must wait for
// them. Every verify sent on an open connection gets its answer (200, or 503 API009 once the stop
// has begun) — none finds its connection closed under it — the server exits with status 0 — under ASan + UBSan in `make test`, so a parked request
// freed under the committer would fail here — and every 200 is a session that was committed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';

const BIN = process.env.AUTH_E2E_BIN;
const JWT_KEYS = process.env.AUTH_E2E_JWT_KEYS;
if (!BIN || !JWT_KEYS) throw new Error('run through tests/auth/run.sh');

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function post(url, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json().catch(() => null) };
}

test('SIGTERM with sign-ins in flight: each answered or refused cleanly, exit 0, no session lost', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pheme-auth-stop-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const db = `sqlite:${dir}/pheme.db`;
  const server = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--database', db, '--public-url', url,
    '--rate-limit', 'off', '--web-root', '', '--log-requests', 'false', '--log-level', 'warn',
    '--shutdown-timeout', '10',
    // a long group-commit wait keeps verifies parked while the stop begins
    '--db-group-commit-wait-us', '50000'], { env: { ...process.env, PHEME_JWT_KEYS: JWT_KEYS }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  server.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => server.on('exit', (code, signal) => resolve({ code, signal })));
  try {
    let up = false;
    for (let i = 0; i < 100 && !up; i++) {
      up = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
      if (!up) await sleep(100);
    }
    assert.ok(up, `server did not start: ${stderr}`);

    // 48 people, their messages signed beforehand; then all verifies at once, and SIGTERM
    const people = [];
    for (let i = 0; i < 48; i++) {
      const account = privateKeyToAccount(generatePrivateKey());
      const n = await post(`${url}/api/v1/auth/nonce`, { address: account.address, chainId: 1 });
      assert.equal(n.status, 200);
      people.push({ account, message: n.json.message, signature: await account.signMessage({ message: n.json.message }) });
    }
    const verifies = people.map((p) => post(`${url}/api/v1/auth/verify`, { message: p.message, signature: p.signature })
      .then((r) => ({ ...r, p }), (e) => ({ status: 0, error: e, p })));
    // The stop comes once at least 10 verifies are in the server (read, and parked for the group
    // commit, which waits up to half a second for more to join): those must then complete.
    let inFlight = 0;
    for (let i = 0; i < 500 && inFlight < 11; i++) {
      const m = await fetch(`${url}/metrics`).then((r) => r.text(), () => '');
      inFlight = Number(/^pheme_http_requests_in_flight (\d+)/m.exec(m)?.[1] ?? 0); /* this request is one */
      if (inFlight < 11) await sleep(2);
    }
    assert.ok(inFlight >= 11, `the verifies did not reach the server (in flight: ${inFlight})`);
    server.kill('SIGTERM');
    const results = await Promise.all(verifies);
    const { code, signal } = await exited;
    assert.equal(signal, null, `server died of ${signal}: ${stderr}`);
    assert.equal(code, 0, `server exited with ${code}: ${stderr}`);
    const ok = results.filter((r) => r.status === 200);
    const count = (s) => results.filter((r) => r.status === s).length;
    console.log(`# of ${results.length} verifies: ${ok.length} signed in, ${count(503)} refused by the stopping server, ${count(0)} could not connect`);
    for (const r of results) {
      // Each request sent on an open connection is answered; none finds its connection closed
      // under it. Only a connection still being set up when the listening socket closes may fail.
      const refusedConnect = r.status === 0 && r.error?.cause?.syscall === 'connect';
      assert.ok([200, 503].includes(r.status) || refusedConnect,
        `verify: ${r.status ? `answered ${r.status}: ${JSON.stringify(r.json)}` : `no answer: ${r.error?.cause?.message ?? r.error}`}`);
      if (r.status === 503) assert.equal(r.json?.error?.code, 'API009', JSON.stringify(r.json));
    }
    assert.ok(ok.length >= 10, `the stop came with at least 10 verifies in the server: they must complete (${ok.length} did)`);

    // the sessions of every 200 are in the database: start it again and use their refresh tokens
    const again = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--database', db, '--public-url', url,
      '--rate-limit', 'off', '--web-root', '', '--log-requests', 'false', '--log-level', 'warn'],
    { env: { ...process.env, PHEME_JWT_KEYS: JWT_KEYS }, stdio: 'ignore' });
    const againExited = new Promise((resolve) => again.on('exit', (c) => resolve(c)));
    try {
      let up2 = false;
      for (let i = 0; i < 100 && !up2; i++) {
        up2 = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
        if (!up2) await sleep(100);
      }
      assert.ok(up2, 'server did not start again');
      for (const r of ok) {
        const refreshed = await post(`${url}/api/v1/auth/refresh`, { refreshToken: r.json.refreshToken });
        assert.equal(refreshed.status, 200, `session of ${r.p.account.address} lost: ${JSON.stringify(refreshed.json)}`);
      }
    } finally {
      again.kill('SIGTERM');
      assert.equal(await againExited, 0);
    }
  } finally {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
