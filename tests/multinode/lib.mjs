// The parts of the multi-node topology (deploy/compose.yaml) as plain processes on loopback, for
// tests/multinode: redis-server, anvil, nginx with deploy/nginx.conf, and `pheme` nodes on fixed
// ports (nginx's upstreams name them, and a node killed is started again on its port). Every
// process is started here, its PID left in PHEME_IT_PIDS (run.sh's trap kills what a crashed test
// left), and stopped by its PID. The PostgreSQL cluster is run.sh's (scripts/pg-test.sh); this
// file can stop it hard and start it again (PHEME_MN_PG_DIR).
import { spawn, execFile } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  BIN, ROOT, WORK, Server, freePort, request, sleep, tryConnect,
} from '../integration/lib/harness.mjs';

const PIDS = process.env.PHEME_IT_PIDS || '';
const LOGS = process.env.PHEME_IT_LOGS || path.join(WORK, 'logs');
export const PG_DIR = process.env.PHEME_MN_PG_DIR || '';
const PG_BIN = process.env.PHEME_IT_PG_BIN || '';
export const ANVIL = path.join(ROOT, 'contracts', 'node_modules', '@foundry-rs', 'anvil-linux-amd64', 'bin', 'anvil');
// anvil's first development account: a public test key, funded only on local chains
export const DEV_KEY = 'ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';

function notePid(pid) { if (PIDS) fs.writeFileSync(path.join(PIDS, String(pid)), ''); }
function forgetPid(pid) { if (PIDS) try { fs.unlinkSync(path.join(PIDS, String(pid))); } catch { /* gone */ } }

// A process of ours (not pheme): spawn, remember its PID, and stop() by PID.
export class Proc {
  constructor(name, file, args, opts = {}) {
    this.name = name;
    this.log = path.join(LOGS, `${name}.out`);
    const fd = fs.openSync(this.log, 'a');
    this.child = spawn(file, args, { stdio: ['ignore', fd, fd], ...opts });
    fs.closeSync(fd);
    this.pid = this.child.pid;
    notePid(this.pid);
    this.exit = null;
    this.exited = new Promise((resolve) => {
      this.child.on('error', (e) => { this.exit = { error: e }; resolve(this.exit); });
      this.child.on('exit', (code, signal) => { this.exit = { code, signal }; forgetPid(this.pid); resolve(this.exit); });
    });
  }

  async stop(sig = 'SIGTERM', timeout = 5000) {
    if (this.exit) return this.exit;
    try { process.kill(this.pid, sig); } catch { /* gone */ }
    const t = setTimeout(() => { try { process.kill(this.pid, 'SIGKILL'); } catch { /* gone */ } }, timeout);
    const e = await this.exited;
    clearTimeout(t);
    return e;
  }
}

async function waitPort(port, proc, what, ms = 15000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (proc.exit) throw new Error(`${what} exited: ${JSON.stringify(proc.exit)}\n${fs.readFileSync(proc.log, 'utf8').slice(-2000)}`);
    if (await tryConnect(port, 200) === 'connected') return;
    await sleep(50);
  }
  throw new Error(`${what} did not listen on ${port} in ${ms} ms`);
}

export async function startRedis(port) {
  const dir = fs.mkdtempSync(path.join(WORK, 'redis-'));
  const p = new Proc(`redis-${port}`, 'redis-server', ['--port', String(port), '--bind', '127.0.0.1',
    '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes']);
  await waitPort(port, p, 'redis-server');
  return p;
}

export async function startAnvil(port) {
  assert.ok(fs.existsSync(ANVIL), `anvil is not installed at ${ANVIL} (scripts/contracts.sh deps)`);
  const p = new Proc(`anvil-${port}`, ANVIL, ['--host', '127.0.0.1', '--port', String(port), '--chain-id', '31337', '--silent']);
  await waitPort(port, p, 'anvil');
  return p;
}

export async function rpc(port, method, params = []) {
  const r = await request(port, 'POST', '/', { json: { jsonrpc: '2.0', id: 1, method, params } });
  assert.ok(r.body && !r.body.error, `${method}: ${r.text}`);
  return r.body.result;
}

// deploy/nginx.conf with its upstreams pointed at the API nodes' loopback ports, listening on a
// loopback port, its pid, logs and temporary files in the work folder. Nothing else changes: the
// test runs the configuration the compose file runs.
export async function startNginx(port, apiPorts) {
  const dir = fs.mkdtempSync(path.join(WORK, 'nginx-'));
  let conf = fs.readFileSync(path.join(ROOT, 'deploy', 'nginx.conf'), 'utf8');
  const before = conf;
  conf = conf.replace('server api1:4000', `server 127.0.0.1:${apiPorts[0]}`)
    .replace('server api2:4000', `server 127.0.0.1:${apiPorts[1]}`)
    .replace(/listen 80;/, `listen 127.0.0.1:${port};`)
    .replace('pid /tmp/nginx.pid;', `pid ${dir}/nginx.pid;`)
    .replace('access_log /dev/stdout;', `access_log ${dir}/access.log;`)
    .replace(/http \{/, `http {\n  client_body_temp_path ${dir}/body;\n  proxy_temp_path ${dir}/proxy;\n` +
      `  fastcgi_temp_path ${dir}/fcgi;\n  uwsgi_temp_path ${dir}/uwsgi;\n  scgi_temp_path ${dir}/scgi;`);
  assert.notEqual(conf, before);
  assert.ok(!/api[12]:4000|listen 80;/.test(conf), 'every upstream and the listener were pointed at loopback');
  const file = path.join(dir, 'nginx.conf');
  fs.writeFileSync(file, conf);
  const p = new Proc(`nginx-${port}`, 'nginx', ['-c', file, '-p', dir, '-e', path.join(dir, 'error.log'),
    '-g', 'daemon off; master_process on;']);
  await waitPort(port, p, 'nginx');
  p.dir = dir;
  return p;
}

let nodeCounter = 0;
// `pheme serve` on a fixed loopback port; resolves once /healthz answers. A harness Server, so
// stop() checks a clean exit.
export async function startNode({ name, port, db, args = [], env = {}, readyTimeout = 30000 }) {
  const logFile = path.join(LOGS, `${name}-${++nodeCounter}.log`);
  const argv = ['serve', '--listen', `127.0.0.1:${port}`, '--database', db.url, '--web-root', '',
    '--log-requests', 'false', ...args];
  const fd = fs.openSync(logFile, 'a');
  const childEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PHEME_')) childEnv[k] = v;
  const child = spawn(BIN, argv, { cwd: WORK, env: { ...childEnv, ...env }, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  notePid(child.pid);
  const exited = new Promise((resolve) => {
    child.on('error', (e) => resolve({ code: null, signal: null, error: e }));
    child.on('exit', (code, signal) => { forgetPid(child.pid); resolve({ code, signal }); });
  });
  const srv = new Server(child, port, exited, logFile, db);
  srv.name = name;
  if (!await srv.waitReady(readyTimeout)) {
    await srv.kill('SIGKILL');
    throw new Error(`${name} did not become ready on ${port}:\n${srv.log().slice(-3000)}`);
  }
  return srv;
}

export function runTool(file, args, { timeout = 30000, env } = {}) {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout, env: env || process.env }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

// A metric's value in Prometheus text (the first line of that name whose labels contain every
// "k=\"v\"" given), NaN when absent.
export function metric(text, name, labels = []) {
  for (const l of text.split('\n')) {
    if (!(l.startsWith(`${name} `) || l.startsWith(`${name}{`))) continue;
    if (labels.every((x) => l.includes(x))) return Number(l.split(' ').pop());
  }
  return NaN;
}

export async function metrics(port) { return (await request(port, 'GET', '/metrics')).text; }

// ---- the PostgreSQL cluster of run.sh ----

function pgTool(tool) { return PG_BIN ? path.join(PG_BIN, tool) : tool; }
const asOwner = (args) => (process.getuid && process.getuid() === 0 ? ['runuser', ['-u', 'postgres', '--', ...args]] : [args[0], args.slice(1)]);

export function pgPid() {
  return Number(fs.readFileSync(path.join(PG_DIR, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

// Immediate shutdown (SIGQUIT to the postmaster): no checkpoint, every connection cut, as a crash.
export async function pgStopImmediate() {
  assert.ok(PG_DIR, 'PHEME_MN_PG_DIR is set by run.sh');
  const pid = pgPid();
  process.kill(pid, 'SIGQUIT');
  for (let i = 0; i < 200; i++) {
    try { process.kill(pid, 0); } catch { return; }
    await sleep(50);
  }
  throw new Error('PostgreSQL did not stop in 10 s');
}

// Starts the cluster again with the options it last ran with (postmaster.opts, as pg_ctl restart).
export async function pgStart() {
  const opts = fs.readFileSync(path.join(PG_DIR, 'data', 'postmaster.opts'), 'utf8').trim();
  // postmaster.opts: /usr/lib/postgresql/N/bin/postgres "-D" "DIR" "-c" "k=v" …
  const words = [...opts.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  const i = words.indexOf('-D');
  const rest = words.filter((_, j) => j !== i && j !== i + 1);
  const [file, args] = asOwner([pgTool('pg_ctl'), '-D', path.join(PG_DIR, 'data'), '-l', path.join(PG_DIR, 'server.log'),
    '-w', '-t', '30', '-o', rest.map((w) => (/\s/.test(w) ? `'${w}'` : w)).join(' '), 'start']);
  await runTool(file, args); // run.sh stops the cluster by its data folder in any case
}

export { freePort, sleep, request };

// A streaming replica of run.sh's cluster: pg_basebackup (-R writes standby.signal and
// primary_conninfo) into the cluster's folder, started on its own loopback port (with
// { start: false }, made but not started: its port and url are known, start() starts it). Its PID
// is left in PHEME_IT_PIDS; stop() stops it by that PID.
export async function startReplica({ start = true } = {}) {
  assert.ok(PG_DIR, 'PHEME_MN_PG_DIR is set by run.sh');
  const primaryPort = Number(/-p"? "?(\d+)/.exec(fs.readFileSync(path.join(PG_DIR, 'data', 'postmaster.opts'), 'utf8'))[1]);
  const port = await freePort();
  const dir = path.join(PG_DIR, `replica-${port}`);
  let [file, args] = asOwner([pgTool('pg_basebackup'), '-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'pheme',
    '-D', dir, '-R', '-X', 'stream', '-c', 'fast']);
  await runTool(file, args, { timeout: 60000 });
  const psql = (db, sql) => runTool(pgTool('psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'pheme', '-d', db, '-qAtc', sql]);
  let pid = 0;
  const replica = {
    port,
    get pid() { return pid; },
    url: (db) => db.url.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${port}`),
    psql,
    async start() {
      [file, args] = asOwner([pgTool('pg_ctl'), '-D', dir, '-l', `${dir}.log`, '-w', '-t', '30',
        '-o', `-c listen_addresses=127.0.0.1 -p ${port} -k ${PG_DIR} -c fsync=off -c max_connections=200`, 'start']);
      // (a hot standby needs max_connections at least the primary's: pg-test.sh's 200)
      await runTool(file, args).catch((e) => { throw new Error(`${e.message}\n${fs.readFileSync(`${dir}.log`, 'utf8').slice(-2000)}`); });
      pid = Number(fs.readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      notePid(pid);
    },
    async stop() {
      if (!pid) return;
      try { process.kill(pid, 'SIGINT'); } catch { return; } // fast shutdown
      for (let i = 0; i < 200; i++) {
        try { process.kill(pid, 0); } catch { forgetPid(pid); return; }
        await sleep(50);
      }
      process.kill(pid, 'SIGKILL');
      forgetPid(pid);
    },
  };
  if (start) await replica.start();
  return replica;
}
