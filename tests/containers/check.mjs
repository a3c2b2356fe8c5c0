// The compose topology as containers (tests/containers/run.sh brought it up with
// scripts/compose-local.sh): checked end to end from the host, through the ports published on
// loopback (nginx, Prometheus), and inside the containers through `podman exec` (a node's own
// port, its /metrics, psql on the primary).
//   env: CT_PROJECT, CT_HTTP_PORT, CT_PROM_PORT, CT_ENGINE (podman or docker; run.sh sets them),
//   CONTAINERS_CONF or DOCKER_HOST
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT, expectStatus, request, taskBody } from '../integration/lib/harness.mjs';

const require = createRequire(path.join(ROOT, 'tests', 'auth', 'package.json'));
const { generatePrivateKey, privateKeyToAccount } = await import(require.resolve('viem/accounts'));

const PROJECT = process.env.CT_PROJECT;
const ENGINE = process.env.CT_ENGINE === 'docker' ? '/usr/bin/docker' : 'podman';
const HTTP = Number(process.env.CT_HTTP_PORT);
const PROM = Number(process.env.CT_PROM_PORT);
assert.ok(PROJECT && HTTP && PROM, 'CT_PROJECT, CT_HTTP_PORT and CT_PROM_PORT are set by run.sh');
const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

// podman or docker: the commands used here are the same for both.
function podman(args, { timeout = 30000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(ENGINE, args, { timeout, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`podman ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const ids = {};
async function cid(service) {
  if (!ids[service]) {
    const out = (await podman(['ps', '-q', '--filter', `label=com.docker.compose.project=${PROJECT}`,
      '--filter', `label=com.docker.compose.service=${service}`])).trim().split('\n').filter(Boolean);
    assert.equal(out.length, 1, `one running container of ${service}: ${out}`);
    [ids[service]] = out;
  }
  return ids[service];
}

// A request to one node's own port, from inside its container (curl is in the pheme image).
async function onNode(service, method, p, { json, key } = {}) {
  const args = ['exec', await cid(service), 'curl', '-sS', '-o', '-', '-w', '\n%{http_code}', '-X', method];
  if (json !== undefined) args.push('-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(json));
  if (key) args.push('-H', `Authorization: Bearer ${key}`);
  args.push(`http://127.0.0.1:4000${p}`);
  const out = await podman(args);
  const cut = out.lastIndexOf('\n');
  const text = out.slice(0, cut);
  let body;
  try { body = JSON.parse(text); } catch { /* not JSON */ }
  return { status: Number(out.slice(cut + 1)), text, body };
}

async function psql(sql) {
  return (await podman(['exec', await cid('postgres-primary'), 'sh', '-c',
    'psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tA -v ON_ERROR_STOP=1 -c "$1"', 'psql', sql])).trim();
}

async function until(what, ms, fn, every = 250) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    last = await fn().catch((e) => ({ error: e.message }));
    if (last && !last.error) return last;
    await sleep(every);
  }
  assert.fail(`${what}: not within ${ms} ms (last: ${JSON.stringify(last)})`);
}

// Requests a node counted for a route (pheme_http_requests_total, every status).
async function served(service, route) {
  const m = await onNode(service, 'GET', '/metrics');
  assert.equal(m.status, 200);
  let n = 0;
  for (const l of m.text.split('\n')) {
    if (l.startsWith('pheme_http_requests_total{') && l.includes(`route="${route}"`)) n += Number(l.split(' ').pop());
  }
  return n;
}

test('nginx on loopback answers /readyz ready, and spreads requests over both API nodes', async () => {
  for (let i = 0; i < 4; i++) {
    const r = await request(HTTP, 'GET', '/readyz');
    assert.equal(r.status, 200, `/readyz through nginx: ${r.text}`);
  }
  for (const s of ['api1', 'api2']) {
    const r = await onNode(s, 'GET', '/readyz');
    assert.equal(r.status, 200, `${s} /readyz: ${r.text}`);
  }
  const route = 'GET /api/v1/skills';
  const before = [await served('api1', route), await served('api2', route)];
  for (let i = 0; i < 20; i++) expectStatus(await request(HTTP, 'GET', '/api/v1/skills'), 200, 'GET /api/v1/skills via nginx');
  const after = [await served('api1', route), await served('api2', route)];
  const each = after.map((n, i) => n - before[i]);
  assert.equal(each[0] + each[1], 20, `the nodes served ${each}`);
  assert.ok(each[0] > 0 && each[1] > 0, `both API nodes served a share: ${each}`);
});

test('nginx has compose.yaml\'s fixed address, the one the nodes trust as a proxy', async () => {
  const ip = (await podman(['inspect', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', await cid('nginx')])).trim();
  const trusted = (await podman(['exec', await cid('api1'), 'printenv', 'PHEME_TRUSTED_PROXIES'])).trim();
  assert.equal(ip, trusted);
});

test('a person signs in on api1 and api2 serves the session; so does nginx', async () => {
  const who = privateKeyToAccount(generatePrivateKey());
  const n = expectStatus(await onNode('api1', 'POST', '/api/v1/auth/nonce', { json: { address: who.address, chainId: 31337 } }), 200, 'nonce on api1');
  const signature = await who.signMessage({ message: n.message });
  const session = expectStatus(await onNode('api2', 'POST', '/api/v1/auth/verify', { json: { message: n.message, signature } }), 200, 'verify on api2');
  const me1 = expectStatus(await onNode('api1', 'GET', '/api/v1/me', { key: session.accessToken }), 200, '/me on api1');
  assert.equal(me1.address.toLowerCase(), who.address.toLowerCase());
  const me2 = expectStatus(await request(HTTP, 'GET', '/api/v1/me', { key: session.accessToken }), 200, '/me via nginx');
  assert.equal(me2.address.toLowerCase(), who.address.toLowerCase());
  assert.equal((await onNode('api2', 'GET', '/api/v1/me', { key: 'not-a-token' })).status, 401);
});

test('the worker container moves a submission made through nginx to APPROVED (the API nodes run no jobs)', async () => {
  // keys made with the pheme CLI inside a node container (its env file names the database)
  const key = async (role, owner) => {
    const out = await podman(['exec', await cid('api1'), 'pheme', 'key', 'create', '--role', role, '--owner', owner, '--label', `ct-${role}`]);
    return out.trim().split('\n').pop().trim();
  };
  const creator = await key('creator', privateKeyToAccount(generatePrivateKey()).address);
  const user = await key('user', privateKeyToAccount(generatePrivateKey()).address);
  const t = expectStatus(await request(HTTP, 'POST', '/api/v1/tasks', { key: creator, json: taskBody({
    validation: { aiReview: true, peerReview: false, minScore: 1, evidenceTypes: ['link'] } }) }), 201, 'task via nginx');
  const s = expectStatus(await request(HTTP, 'POST', `/api/v1/tasks/${t.id}/submissions`, { key: user,
    json: { text: 'Containers: stateless API nodes behind nginx, one queue shared by the workers, one indexer per chain.',
      evidence: [{ type: 'link', url: 'https://example.com/containers' }] } }), 201, 'submission via nginx');
  await until('the worker approves the submission', 30000, async () => {
    const r = expectStatus(await request(HTTP, 'GET', `/api/v1/submissions/${s.id}`, { key: creator }), 200);
    return r.state === 'APPROVED' ? r : { error: `state ${r.state}` };
  });
  const ran = await psql(`SELECT count(*) FROM jobs WHERE state = 'done'`);
  assert.ok(Number(ran) > 0, `done jobs: ${ran}`);
});

test('the indexer container holds the chain lease, and the replica streams from the primary', async () => {
  const host = (await podman(['exec', await cid('indexer'), 'hostname'])).trim();
  const owner = await until('the indexer takes the lease', 20000, async () => {
    const o = await psql('SELECT coalesce(owner, \'\') FROM chain_cursor WHERE chain_id = 31337');
    return o.startsWith(`${host}:`) ? o : { error: `owner '${o}', indexer host ${host}` };
  });
  assert.match(owner, /^[^:]+:\d+:/);
  assert.equal(await psql('SELECT state FROM pg_stat_replication'), 'streaming');
});

test('Prometheus (published on loopback) scrapes all four pheme nodes', async () => {
  const targets = await until('every pheme target up', 60000, async () => {
    const r = await request(PROM, 'GET', '/api/v1/targets?state=active');
    assert.equal(r.status, 200, r.text);
    const pheme = r.body.data.activeTargets.filter((x) => x.labels.job === 'pheme');
    const up = pheme.filter((x) => x.health === 'up');
    return up.length === 4 ? pheme : { error: JSON.stringify(pheme.map((x) => [x.labels.instance, x.health, x.lastError])) };
  }, 1000);
  assert.deepEqual(targets.map((x) => x.labels.role).sort(), ['api', 'api', 'indexer', 'worker']);
  const q = await request(PROM, 'GET', `/api/v1/query?query=${encodeURIComponent('count(pheme_http_requests_total)')}`);
  assert.equal(q.status, 200, q.text);
  assert.ok(Number(q.body.data.result[0].value[1]) > 0, q.text);
});
