// Mixed API traffic through nginx to two API nodes vs one (issue 16, "Benchmarks"). Run by
// bench/cluster/run.sh, which starts PostgreSQL (scripts/pg-test.sh) and sets the PHEME_IT_*
// variables of tests/multinode/run.sh; the rest of the topology is started here with
// tests/multinode/lib.mjs: Redis, two `pheme serve --role api`, a worker, and two nginx with
// deploy/nginx.conf: one whose upstreams are the two API nodes, one whose upstreams are both the
// first node (the one-node reference; same nginx configuration, same database, same Redis).
//
// The mix (per operation, drawn at random; documented in bench/RESULTS.md):
//   45% GET /api/v1/tasks/:id          (a task created before the runs or during them)
//   25% GET /api/v1/tasks?limit=20     (the first page of the list)
//   10% GET /api/v1/skills
//   15% POST /api/v1/tasks             (a creator's API key; PostgreSQL write + answer cache invalidation)
//    5% sign-in: POST /api/v1/auth/nonce, EIP-4361 message signed here (viem), POST /api/v1/auth/verify
// Every operation carries its own X-Forwarded-For (one address per virtual client), so the shared
// rate limits (through Redis, limits lifted to 1,000,000/min) bucket clients as in production.
//
// Phases, per topology: closed loop with CONC operations in flight for DURATION s (throughput),
// then open loop (operations started on a fixed schedule, latency measured from the scheduled
// time, so a stalled server is not hidden) at rising rates RATES against the one-node topology;
// the highest rate whose p99 ≤ 10 ms is the "load one node holds", then the two-node topology at
// that rate. Prints one JSON object on stdout for run.sh.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { ROOT, WORK, castKeys, freshDatabase, runPheme, taskBody } from '../../tests/integration/lib/harness.mjs';
import { freePort, sleep, startNginx, startNode, startRedis } from '../../tests/multinode/lib.mjs';

const require = createRequire(path.join(ROOT, 'tests', 'auth', 'package.json'));
const { generatePrivateKey, privateKeyToAccount } = await import(require.resolve('viem/accounts'));

const DURATION = Number(process.env.DURATION || 8);
const WARMUP = Number(process.env.WARMUP || 2);
const CONC = Number(process.env.CONC || 32);
const STEP = Number(process.env.STEP || 5);
const RATES = (process.env.RATES || '100,200,400,600,800,1000,1200').split(',').map(Number);
const P99_MS = 10;

const log = (m) => process.stderr.write(`bench/cluster: ${m}\n`);

// ---- CPU of processes, from /proc (ticks → s) ----
const CLK = 100;
function ticks(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch { return 0; }
}
function children(ppid) {
  const out = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]) === ppid) out.push(Number(d));
    } catch { /* gone */ }
  }
  return out;
}
// Groups of PIDs whose CPU is reported: each a function returning the current PIDs.
let groups = {};
function cpuSnap() {
  const o = {};
  for (const [k, f] of Object.entries(groups)) o[k] = f().reduce((a, p) => a + ticks(p), 0);
  const u = process.cpuUsage();
  o.loadgen = (u.user + u.system) / 1e6 * CLK;
  o.machine = machineBusy().busy;
  return o;
}
function machineBusy() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { busy: f[0] + f[1] + f[2] + f[5] + f[6] + f[7], total: f.slice(0, 8).reduce((a, b) => a + b, 0) };
}
// CPU s per group over a run, plus "other": the machine's busy time not charged to any of them
// (other people's work on the machine, and interrupts of our own loopback traffic).
function cpuDiff(a, b) {
  const o = Object.fromEntries(Object.keys(b).filter((k) => k !== 'machine').map((k) => [k, (b[k] - a[k]) / CLK]));
  const ours = Object.values(o).reduce((x, y) => x + y, 0);
  o.other = Math.max(0, (b.machine - a.machine) / CLK - ours);
  return o;
}

// ---- HTTP with keep-alive through nginx ----
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
function call(port, method, p, { json, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const data = json === undefined ? undefined : JSON.stringify(json);
    const h = { ...headers };
    if (data !== undefined) h['Content-Type'] = 'application/json';
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers: h, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        let body;
        try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, body });
      });
      res.on('error', reject);
    });
    req.setTimeout(10000, () => req.destroy(new Error(`timeout: ${method} ${p}`)));
    req.on('error', reject);
    req.end(data);
  });
}

// ---- setup ----
const P = {};
for (const k of ['redis', 'api1', 'api2', 'worker', 'ngx2', 'ngx1']) P[k] = await freePort();
const redis = await startRedis(P.redis);
const db = await freshDatabase('cluster');
const mig = await runPheme(['migrate', '--database', db.url], { timeout: 120000 });
if (mig.code !== 0) throw new Error(`pheme migrate: ${mig.stderr}`);
const keys = await castKeys(db);
const env = { PHEME_REDIS: `redis://127.0.0.1:${P.redis}/4`, PHEME_JWT_KEYS: `k1:${crypto.randomBytes(32).toString('hex')}` };
const common = ['--public-url', `http://127.0.0.1:${P.ngx2}`, '--trusted-proxies', '127.0.0.1', '--migrate-on-start', 'false',
  '--rate-limit', 'on', '--rate-limit-auth', '1000000', '--rate-limit-read', '1000000', '--rate-limit-write', '1000000',
  '--events-poll-ms', '30000', '--events-heartbeat', '0', ...(process.env.CHAIN_ARGS ? process.env.CHAIN_ARGS.split(' ') : [])];
const api1 = await startNode({ name: 'api1', port: P.api1, db, env, args: [...common, '--role', 'api', '--jobs-workers', '0'] });
const api2 = await startNode({ name: 'api2', port: P.api2, db, env, args: [...common, '--role', 'api', '--jobs-workers', '0'] });
const worker = await startNode({ name: 'worker', port: P.worker, db, env, args: [...common, '--role', 'worker'] });
const ngx2 = await startNginx(P.ngx2, [P.api1, P.api2]);
const ngx1 = await startNginx(P.ngx1, [P.api1, P.api1]);
const pgPid = Number(fs.readFileSync(path.join(process.env.PHEME_MN_PG_DIR, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
groups = {
  api1: () => [api1.pid], api2: () => [api2.pid], worker: () => [worker.pid], redis: () => [redis.pid],
  nginx: () => [ngx1.pid, ngx2.pid, ...children(ngx1.pid), ...children(ngx2.pid)],
  postgresql: () => [pgPid, ...children(pgPid)],
};
log(`topology up: api1 ${P.api1} api2 ${P.api2} worker ${P.worker} redis ${P.redis} nginx(2 nodes) ${P.ngx2} nginx(1 node) ${P.ngx1}`);

// Sign-in chain: the first one the nodes allow (the answer to a refused nonce names them).
const probe = privateKeyToAccount(generatePrivateKey());
let chainId = 31337;
{
  const r = await call(P.ngx2, 'POST', '/api/v1/auth/nonce', { json: { address: probe.address, chainId } });
  if (r.status !== 200) {
    const m = /allowed: (\d+)/.exec(JSON.stringify(r.body));
    if (!m) throw new Error(`nonce refused and no chain allowed: ${JSON.stringify(r.body)}`);
    chainId = Number(m[1]);
  }
}
const accounts = Array.from({ length: 64 }, () => privateKeyToAccount(generatePrivateKey()));
const creator = { Authorization: `Bearer ${keys.creator.key}` };
const taskIds = [];
for (let i = 0; i < 200; i++) {
  const r = await call(P.ngx2, 'POST', '/api/v1/tasks', { headers: creator, json: taskBody({ title: `Bench task ${i}` }) });
  if (r.status !== 201) throw new Error(`seeding a task: ${r.status} ${JSON.stringify(r.body)}`);
  taskIds.push(r.body.id);
}
log(`seeded ${taskIds.length} tasks; sign-in chain ${chainId}`);

// ---- one operation of the mix ----
const MIX = [['task', 45], ['list', 25], ['skills', 10], ['write', 15], ['signin', 5]];
const KINDS = MIX.map((m) => m[0]);
function pick() {
  let x = Math.random() * 100;
  for (const [k, w] of MIX) { if ((x -= w) < 0) return k; }
  return 'task';
}
let clientSeq = 0;
async function op(port, kind) {
  const n = ++clientSeq;
  const xff = { 'X-Forwarded-For': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` };
  const ok = (r, s) => { if (r.status !== s) throw new Error(`${kind}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`); return r.body; };
  switch (kind) {
    case 'task': {
      const id = taskIds[Math.floor(Math.random() * taskIds.length)];
      const b = ok(await call(port, 'GET', `/api/v1/tasks/${id}`, { headers: xff }), 200);
      if (String(b.id) !== String(id)) throw new Error(`task ${id}: answered ${b.id}`);
      return 1;
    }
    case 'list': ok(await call(port, 'GET', '/api/v1/tasks?limit=20', { headers: xff }), 200); return 1;
    case 'skills': ok(await call(port, 'GET', '/api/v1/skills', { headers: xff }), 200); return 1;
    case 'write': {
      const b = ok(await call(port, 'POST', '/api/v1/tasks', { headers: { ...xff, ...creator }, json: taskBody({ title: `Load ${n}` }) }), 201);
      taskIds.push(b.id);
      return 1;
    }
    default: {
      const who = accounts[n % accounts.length];
      const nb = ok(await call(port, 'POST', '/api/v1/auth/nonce', { headers: xff, json: { address: who.address, chainId } }), 200);
      const signature = await who.signMessage({ message: nb.message });
      const s = ok(await call(port, 'POST', '/api/v1/auth/verify', { headers: xff, json: { message: nb.message, signature } }), 200);
      if (!s.accessToken) throw new Error('sign-in: no access token');
      return 2;
    }
  }
}

function pctl(a, q) {
  if (!a.length) return NaN;
  const s = Float64Array.from(a).sort();
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
}
function summary(lat, ms, requests, errors, cpu, busy) {
  const all = Object.values(lat).flat();
  const per = {};
  for (const k of KINDS) per[k] = { n: lat[k].length, p50: pctl(lat[k], 0.5), p99: pctl(lat[k], 0.99) };
  return { ops: all.length, requests, errors: errors.length, firstErrors: errors.slice(0, 3), seconds: ms / 1000,
    ops_s: all.length / (ms / 1000), req_s: requests / (ms / 1000), p50: pctl(all, 0.5), p99: pctl(all, 0.99), per, cpu, busy };
}
const newLat = () => Object.fromEntries(KINDS.map((k) => [k, []]));

async function closedLoop(port, seconds, label) {
  const lat = newLat(); const errors = []; let requests = 0;
  const c0 = cpuSnap(); const m0 = machineBusy(); const t0 = performance.now(); const end = t0 + seconds * 1000;
  await Promise.all(Array.from({ length: CONC }, async () => {
    while (performance.now() < end) {
      const k = pick(); const s = performance.now();
      try { const n = await op(port, k); requests += n; lat[k].push(performance.now() - s); } catch (e) { errors.push(e.message); }
    }
  }));
  const ms = performance.now() - t0; const m1 = machineBusy();
  const r = summary(lat, ms, requests, errors, cpuDiff(c0, cpuSnap()), (m1.busy - m0.busy) / Math.max(1, m1.total - m0.total));
  log(`${label}: ${r.ops_s.toFixed(0)} ops/s (${r.req_s.toFixed(0)} req/s), p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, errors ${r.errors}`);
  return r;
}

async function openLoop(port, rate, seconds, label) {
  const lat = newLat(); const errors = []; let requests = 0; const pending = [];
  const c0 = cpuSnap(); const m0 = machineBusy(); const t0 = performance.now(); const total = Math.round(rate * seconds);
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const k = pick();
    pending.push(op(port, k).then((n) => { requests += n; lat[k].push(performance.now() - due); }, (e) => errors.push(e.message)));
  }
  await Promise.all(pending);
  const ms = performance.now() - t0; const m1 = machineBusy();
  const r = summary(lat, ms, requests, errors, cpuDiff(c0, cpuSnap()), (m1.busy - m0.busy) / Math.max(1, m1.total - m0.total));
  r.rate = rate;
  log(`${label} at ${rate} ops/s: achieved ${r.ops_s.toFixed(0)} ops/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, errors ${r.errors}`);
  return r;
}

const result = { conc: CONC, duration: DURATION, warmup: WARMUP, step: STEP, mix: MIX, chainId, p99_ms: P99_MS };
try {
  // Closed loop, interleaved one / two / one / two so that a change in the machine's load hits both.
  result.closed = { one: [], two: [] };
  for (let round = 0; round < 2; round++) {
    for (const [name, port] of [['one', P.ngx1], ['two', P.ngx2]]) {
      await closedLoop(port, WARMUP, `warm-up ${name}`);
      result.closed[name].push(await closedLoop(port, DURATION, `closed loop, ${name} node(s), round ${round + 1}`));
    }
  }
  // Open loop: the load one node holds at p99 ≤ 10 ms, then two nodes at that load.
  result.open = { one: [], two: [] };
  let held = null;
  for (const rate of RATES) {
    const r = await openLoop(P.ngx1, rate, STEP, 'open loop, one node');
    result.open.one.push(r);
    if (r.errors === 0 && r.p99 <= P99_MS) held = rate; else break;
  }
  result.held = held;
  // At that rate, two / one / two / one / two, so that the machine's other work hits both alike.
  // A rate one node held once may be one it does not hold: if the one-node runs of this phase
  // miss (median p99 > 10 ms with the first pass's run), one node does not hold that load, and
  // the phase is run again one rate lower (at most twice; each phase's runs are all reported).
  let at = held ?? RATES[0];
  result.phases = [];
  for (let phase = 0; phase < 3; phase++) {
    const two = []; const one = result.open.one.filter((r) => r.rate === at);
    for (let i = 0; i < 3; i++) {
      two.push(await openLoop(P.ngx2, at, STEP, 'open loop, two nodes'));
      if (i < 2) one.push(await openLoop(P.ngx1, at, STEP, 'open loop, one node (again, same rate)'));
    }
    result.open.two.push(...two);
    for (const r of one) if (!result.open.one.includes(r)) result.open.one.push(r);
    const oneHeld = pctl(one.map((r) => r.p99), 0.5) <= P99_MS && one.every((r) => r.errors === 0);
    result.phases.push({ rate: at, one: one.map((r) => r.p99), two: two.map((r) => r.p99), oneHeld });
    const lower = RATES.filter((r) => r < at).pop();
    if (oneHeld || lower === undefined) break;
    log(`one node did not hold ${at} ops/s on repeat (median p99 ${pctl(one.map((r) => r.p99), 0.5).toFixed(1)} ms): again at ${lower} ops/s`);
    at = lower;
  }
  result.at = at;
  // Every API node answered during the two-node runs: nginx spread the load.
  const served = (port) => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/metrics' }, (x) => {
      let t = '';
      x.on('data', (c) => { t += c; });
      x.on('end', () => resolve(t.split('\n').filter((l) => l.startsWith('pheme_http_requests_total{'))
        .reduce((n, l) => n + Number(l.split(' ').pop()), 0)));
    }).on('error', reject);
  });
  result.served = { api1: await served(P.api1), api2: await served(P.api2) };
} finally {
  await ngx1.stop(); await ngx2.stop();
  await api1.stop(); await api2.stop(); await worker.stop();
  await redis.stop();
  agent.destroy();
}
process.stdout.write(`${JSON.stringify(result)}\n`);

// ---- markdown for run.sh's report ----
const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const cpuCell = (c) => Object.entries(c).filter(([, v]) => v > 0.005).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
const row = (label, r) => `| ${label} | ${f(r.seconds, 1)} | ${r.ops} | ${f(r.ops_s)} | ${f(r.req_s)} | ${f(r.p50, 2)} | ${f(r.p99, 2)} | `
  + `${KINDS.map((k) => f(r.per[k].p99, 1)).join(' / ')} | ${r.errors} | ${f((r.cpu.api1 + r.cpu.api2) * 1e6 / r.ops)} | ${cpuCell(r.cpu)} | ${f(r.busy * 100)}% |`;
const lines = [];
lines.push('| run | s | ops | ops/s | HTTP req/s | p50 ms | p99 ms | p99 ms task / list / skills / write / sign-in | errors | API nodes CPU µs/op | CPU s (by process group) | machine busy |');
lines.push('|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---|---:|');
result.closed.one.forEach((r, i) => { lines.push(row(`closed, ${CONC} in flight, one node, round ${i + 1}`, r)); lines.push(row(`closed, ${CONC} in flight, two nodes, round ${i + 1}`, result.closed.two[i])); });
for (const r of result.open.one) lines.push(row(`open loop ${r.rate} ops/s, one node`, r));
for (const r of result.open.two) lines.push(row(`open loop ${r.rate} ops/s, two nodes`, r));
const ratios = result.closed.one.map((r, i) => result.closed.two[i].ops_s / r.ops_s);
const errs = [...result.closed.one, ...result.closed.two, ...result.open.one, ...result.open.two].reduce((a, r) => a + r.errors, 0);
result.ratio = ratios;
const atOne = result.open.one.filter((r) => r.rate === result.at);
const twoP99 = result.open.two.filter((r) => r.rate === result.at).map((r) => r.p99);
const medTwo = pctl(twoP99, 0.5);
lines.push('');
lines.push(`- **Throughput ratio two nodes / one node** (closed loop, per round): ${ratios.map((x) => x.toFixed(2)).join(', ')}`
  + ` (one node ${result.closed.one.map((r) => f(r.ops_s)).join(', ')} ops/s; two nodes ${result.closed.two.map((r) => f(r.ops_s)).join(', ')} ops/s)`);
lines.push(`- **Load one node holds at p99 ≤ ${P99_MS} ms** (open loop, rates ${RATES.join(', ')} ops/s, ${STEP} s each, stopped at the first miss): `
  + (result.held == null ? `**none of the rates tried** (p99 ${f(result.open.one[0].p99, 1)} ms at ${RATES[0]} ops/s); two nodes measured at ${result.at} ops/s` : `${result.held} ops/s`));
lines.push(`- **Two nodes at the load one node holds, ${result.at} ops/s** (${twoP99.length} runs interleaved with one-node runs at the same rate): p99 ${twoP99.map((x) => f(x, 1)).join(', ')} ms, median ${f(medTwo, 1)} ms → ${medTwo <= P99_MS ? 'p99 ≤ 10 ms' : '**p99 > 10 ms**'}; one node at the same rate: p99 ${atOne.map((r) => f(r.p99, 1)).join(', ')} ms`);
for (const ph of result.phases) {
  lines.push(`- Phase at ${ph.rate} ops/s: one node p99 ${ph.one.map((x) => f(x, 1)).join(', ')} ms (${ph.oneHeld ? 'held' : '**not held on repeat**'}); two nodes p99 ${ph.two.map((x) => f(x, 1)).join(', ')} ms`);
}
lines.push(`- Requests each API node served (its /metrics, whole run): api1 ${result.served.api1}, api2 ${result.served.api2}; errors in all runs: ${errs}`);
lines.push(`- Mean ratio over the rounds: ${f(ratios.reduce((a, b) => a + b, 0) / ratios.length, 2)}`);
if (process.env.MD_OUT) fs.writeFileSync(process.env.MD_OUT, `${lines.join('\n')}\n`);
if (errs > 0) process.exitCode = 1;
