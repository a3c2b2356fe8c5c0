// scripts/pg-scale.sh's two halves.
//   node bench/scale/requests.mjs run BASE CREATOR_KEY USER_KEY ADMIN_KEY PEOPLE TASKS
//     the hot paths, each once (every answer must be a success)
//   node bench/scale/requests.mjs report SERVER_LOG OFFSET DB_URL PEOPLE SUBMISSIONS OUT.md
//     the auto_explain entries logged after OFFSET: each distinct statement once with its plan
//     (the slowest run), into OUT.md; exits 1 when a table of more than 10,000 rows was read by a
//     sequential scan
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const [mode, ...args] = process.argv.slice(2);

async function run([base, creatorKey, userKey, adminKey, people, tasks]) {
  const hex = (n) => `0x${Number(n).toString(16).padStart(40, '0')}`;
  const call = async (method, p, { key, body, ok = [200, 201] } = {}) => {
    const headers = {};
    if (key) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (!ok.includes(res.status)) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 300)}`);
    console.log(`requests: ${method} ${p} ${res.status}`);
    return text ? JSON.parse(text) : null;
  };
  const me = hex(Math.floor(people / 2));
  // tasks: lists, a filter, the next page, one task
  await call('GET', '/api/v1/tasks?limit=20');
  const open = await call('GET', '/api/v1/tasks?status=OPEN&limit=20');
  await call('GET', `/api/v1/tasks?status=OPEN&limit=20&cursor=${encodeURIComponent(open.nextCursor)}`);
  const skills = await call('GET', '/api/v1/skills');
  await call('GET', `/api/v1/tasks?skill=${skills.items[2].slug}&limit=20`);
  await call('GET', '/api/v1/tasks/5');
  // a creator's task and its submissions (task 1000 is person 1's: creator 1 + id % 1000)
  const subs = await call('GET', '/api/v1/tasks/1000/submissions?limit=20', { key: creatorKey });
  await call('GET', `/api/v1/submissions/${subs.items[0].id}`, { key: creatorKey });
  // a person: /me and its lists, the Skill Wallet, the profile, XP, reputation
  await call('GET', '/api/v1/me', { key: userKey });
  await call('GET', '/api/v1/me/submissions?limit=20', { key: userKey });
  await call('GET', '/api/v1/me/xp', { key: userKey });
  await call('GET', '/api/v1/me/progress', { key: userKey });
  await call('GET', `/api/v1/wallets/${me}`);
  await call('GET', `/api/v1/users/${me}`);
  await call('GET', `/api/v1/reputation/${me}`, { ok: [200, 404] });
  await call('GET', '/api/v1/leaderboards/global?limit=20');
  await call('GET', '/api/v1/users?limit=20', { key: adminKey });
  // writes: a task, a submission that the validation pipeline takes (jobs claimed by the workers)
  const t = await call('POST', '/api/v1/tasks', { key: creatorKey, body: { type: 'BOUNTY', title: 'A task at scale',
    description: 'Written while the plans are logged.', difficulty: 3, xpReward: 100 } });
  const s = await call('POST', `/api/v1/tasks/${t.id}/submissions`, { key: userKey, body: { text: 'A submission made while every plan is logged: the pipeline takes it from here.' } });
  for (let i = 0; i < 100; i++) {
    const cur = await call('GET', `/api/v1/submissions/${s.id}`, { key: userKey });
    if (!['SUBMITTED', 'CHECKING', 'AI_REVIEW'].includes(cur.state)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  // a sign-in by a wallet (viem): nonce, verify (the group commit), /me by token, refresh
  const require = createRequire(path.join(root, 'tests', 'auth', 'package.json'));
  const { privateKeyToAccount } = await import(require.resolve('viem/accounts'));
  const who = privateKeyToAccount(`0x${'4'.repeat(63)}1`);
  const n = await call('POST', '/api/v1/auth/nonce', { body: { address: who.address, chainId: 31337 } });
  const session = await call('POST', '/api/v1/auth/verify', { body: { message: n.message, signature: await who.signMessage({ message: n.message }) } });
  await call('GET', '/api/v1/me', { key: session.accessToken });
  await call('POST', '/api/v1/auth/refresh', { body: { refreshToken: session.refreshToken } });
  void tasks;
}

function report([log, offset, url, people, submissions, out]) {
  const text = fs.readFileSync(log).subarray(Number(offset)).toString('utf8');
  const entries = new Map();
  let cur = null;
  const finish = () => {
    if (cur && cur.query) {
      const e = entries.get(cur.query) || { query: cur.query, runs: 0, ms: -1, plan: '' };
      e.runs++;
      if (cur.ms > e.ms) { e.ms = cur.ms; e.plan = cur.lines.join('\n'); }
      entries.set(cur.query, e);
    }
    cur = null;
  };
  for (const line of text.split('\n')) {
    const m = /LOG:\s+duration: ([\d.]+) ms\s+plan:/.exec(line);
    if (m) { finish(); cur = { ms: Number(m[1]), lines: [] }; continue; }
    if (!cur) continue;
    if (!line.startsWith('\t')) { finish(); continue; }
    const l = line.slice(1);
    if (l.startsWith('Query Text: ')) cur.query = l.slice(12).trim();
    else if (cur.query) cur.lines.push(l);
  }
  finish();
  // the sizes of the tables, for the rule: no sequential scan of a table past 10,000 rows
  const sizes = Object.fromEntries(execFileSync('psql', [url, '-XqAtc', "SELECT relname, reltuples::bigint FROM pg_class WHERE relkind IN ('r', 'p')"])
    .toString().trim().split('\n').map((l) => { const [k, v] = l.split('|'); return [k, Number(v)]; }));
  const bad = [];
  const all = [...entries.values()].filter((e) => !/^(BEGIN|COMMIT|ROLLBACK|SET |DEALLOCATE|LOAD)/i.test(e.query));
  for (const e of all) {
    for (const m of e.plan.matchAll(/Seq Scan on (\w+)/g)) if ((sizes[m[1]] || 0) > 10000) bad.push(`${m[1]} (${sizes[m[1]]} rows): ${e.query}`);
  }
  const big = ['users', 'wallets', 'tasks', 'submissions', 'submission_events', 'xp_ledger', 'events', 'skill_levels', 'user_xp']
    .map((t) => `${t} ${Number(sizes[t] || 0).toLocaleString('en-US')}`).join(', ');
  let md = `# Query plans at ${Number(people).toLocaleString('en-US')} people / ${Number(submissions).toLocaleString('en-US')} submissions\n\n`;
  md += `Made by \`scripts/pg-scale.sh ${people} ${submissions}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC ` +
    `(PostgreSQL ${execFileSync('psql', [url, '-XqAtc', 'SHOW server_version']).toString().trim()}; rows: ${big}). ` +
    `Each statement pheme ran while answering the hot paths (bench/scale/requests.mjs), once, with the plan of its slowest run ` +
    `(auto_explain, EXPLAIN ANALYZE with buffers). ${all.length} statements; sequential scans of tables over 10,000 rows: ${bad.length}.\n\n`;
  all.forEach((e, i) => {
    md += `## ${i + 1}. ${e.ms.toFixed(3)} ms (${e.runs} run${e.runs > 1 ? 's' : ''})\n\n\`\`\`sql\n${e.query}\n\`\`\`\n\n\`\`\`\n${e.plan.trimEnd()}\n\`\`\`\n\n`;
  });
  fs.writeFileSync(out, md);
  // the summary docs/operations.md shows: each statement with the access path of every table it
  // reads (the plan's scan nodes) and its time
  let sum = '| # | statement | access paths (from the plan) | ms |\n|---|---|---|---|\n';
  all.forEach((e, i) => {
    const scans = [...new Set([...e.plan.matchAll(/((?:Parallel )?(?:Index Only Scan|Index Scan Backward|Index Scan|Bitmap Index Scan|Seq Scan|Function Scan|Result|CTE Scan|Subquery Scan)(?: using \w+)?(?: on \w+)?)/g)].map((m) => m[1]))];
    const sql = e.query.length > 110 ? `${e.query.slice(0, 107)}...` : e.query;
    sum += `| ${i + 1} | \`${sql.replace(/\|/g, '\\|')}\` | ${scans.join('; ').replace(/\|/g, '\\|')} | ${e.ms.toFixed(3)} |\n`;
  });
  fs.writeFileSync(out.replace(/\.md$/, '-summary.md'), sum);
  console.log(`pg-scale: ${all.length} distinct statements, plans in ${out}`);
  if (bad.length) {
    console.log(`pg-scale: FAIL sequential scans of big tables:\n  ${bad.join('\n  ')}`);
    process.exit(1);
  }
  console.log('pg-scale: no sequential scan of a table over 10,000 rows');
}

if (mode === 'run') await run(args);
else if (mode === 'report') report(args);
else { console.error('usage: requests.mjs run … | report …'); process.exit(2); }
