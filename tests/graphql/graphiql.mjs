// GraphiQL in a real browser (Debian's Chromium through playwright-core, from web/'s locked tree)
// against a real `pheme serve --demo` with introspection on: GET /graphql with Accept: text/html
// is the page from web/dist/graphiql, under the static files' Content-Security-Policy; its
// editor loads the schema by introspection, runs a query and shows the answer, runs a
// subscription (over graphql-transport-ws) and shows a public event as it is committed; nothing is refused
// by the CSP and nothing comes from another origin. Run by tests/graphql/graphiql.sh.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const ROOT = new URL('../..', import.meta.url).pathname;
const { chromium } = createRequire(join(ROOT, 'web/package.json'))('playwright-core');
const BIN = process.env.PHEME_BIN ?? join(ROOT, 'build/pheme');

const freePort = () => new Promise((resolve, reject) => {
  const s = createServer();
  s.on('error', reject);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

const fail = (msg) => { throw new Error(msg); };

const dir = mkdtempSync(join(tmpdir(), 'pheme-graphiql-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const log = openSync(join(dir, 'server.log'), 'w');
const server = spawn(BIN, ['serve', '--database', `sqlite:${join(dir, 'pheme.db')}`, '--listen', `127.0.0.1:${port}`,
  '--public-url', base, '--web-root', join(ROOT, 'web/dist'), '--demo', '--graphql-introspection', 'true'],
{ stdio: ['ignore', log, log] });
closeSync(log);
const exited = new Promise((r) => server.on('exit', r));
let browser = null;
let rc = 1;
try {
  const until = Date.now() + 20000;
  for (;;) {
    try { if ((await fetch(`${base}/readyz`)).ok) break; } catch { /* not yet */ }
    if (server.exitCode !== null || Date.now() > until) fail(`pheme serve did not start:\n${readFileSync(join(dir, 'server.log'), 'utf8')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // the page, as a browser asks for it; a program asking JSON still gets GraphQL
  const page0 = await fetch(`${base}/graphql`, { headers: { Accept: 'text/html' } });
  if (page0.status !== 200 || !/text\/html/.test(page0.headers.get('content-type'))) fail(`GET /graphql (text/html): ${page0.status}`);
  const csp = page0.headers.get('content-security-policy') || '';
  if (!/default-src 'self'/.test(csp) || /script-src[^;]*unsafe/.test(csp)) fail(`CSP: ${csp}`);
  const json = await fetch(`${base}/graphql?query=${encodeURIComponent('{ skills { slug } }')}`, { headers: { Accept: 'text/html' } });
  if (!/application\/json/.test(json.headers.get('content-type'))) fail('a GET with ?query= must still answer JSON');

  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  const page = await browser.newPage();
  const problems = [];
  const foreign = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`${r.status()} ${r.request().method()} ${r.url()}`); });
  page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith(base.replace('http', 'ws')) && !r.url().startsWith('data:')) foreign.push(r.url()); });
  await page.goto(`${base}/graphql`);
  await page.locator('.graphiql-container').waitFor({ timeout: 20000 });
  // the schema arrived by introspection: the documentation explorer names the Query type
  await page.locator('.graphiql-execute-button').waitFor();
  await page.locator('.graphiql-execute-button').click();
  const result = page.locator('.result-window');
  await page.waitForFunction(() => (document.querySelector('.result-window')?.textContent || '').includes('"slug"'), null, { timeout: 20000 });
  const text = await result.textContent();
  if (!/"skills"/.test(text) || !/"domain": "(technical|creative|business)"/.test(text)) fail(`the answer shown: ${text.slice(0, 300)}`);
  // a subscription: public events (a season created by an admin) appear as they are committed
  const dbUrl = `sqlite:${join(dir, 'pheme.db')}`;
  const out = execFileSync(BIN, ['key', 'create', '--role', 'admin', '--owner', '0x00000000000000000000000000000000000000a1',
    '--database', dbUrl, '--log-level', 'warn'], { encoding: 'utf8' }).trim().split('\n');
  const adminKey = out[out.length - 1].trim();
  await page.evaluate((q) => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q),
    'subscription { events(kinds: ["season.*"]) { kind public data } }');
  // the editor parses what it holds a moment after a change: until then GraphiQL would send the
  // old operation's kind by HTTP (refused: "not as a single request"); run again if it did
  for (let i = 0; i < 10; i++) {
    await page.waitForTimeout(300);
    await page.locator('.graphiql-execute-button').click();
    await page.waitForTimeout(300);
    if (!(await result.textContent()).includes('single request')) break;
  }
  let seen = false;
  for (let i = 0; i < 20 && !seen; i++) {
    const r = await fetch(`${base}/api/v1/seasons`, {
      method: 'POST', headers: { Authorization: `Bearer ${adminKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ slug: `graphiql-${i}`, name: `GraphiQL ${i}`, startsAt: `${2040 + i}-01-01T00:00:00Z`, endsAt: `${2040 + i}-06-01T00:00:00Z` }),
    });
    if (r.status !== 201) fail(`POST /api/v1/seasons: ${r.status} ${await r.text()}`);
    seen = await page.waitForFunction(() => (document.querySelector('.result-window')?.textContent || '').includes('season.created'),
      null, { timeout: 1000 }).then(() => true, () => false);
  }
  if (!seen) fail(`the subscription showed no event: ${(await result.textContent()).slice(0, 300)}`);
  const csps = problems.filter((p) => /Content Security Policy|Refused to/.test(p));
  if (csps.length) fail(`refused by the CSP:\n${csps.join('\n')}`);
  if (problems.length) fail(`errors on the page:\n${problems.join('\n')}`);
  if (foreign.length) fail(`requests to other origins: ${foreign.join(', ')}`);
  console.log('ok - GraphiQL at GET /graphql: loaded under the CSP, ran a query and a subscription, showed their answers');
  rc = 0;
} catch (e) {
  console.log(`not ok - GraphiQL: ${e.message}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  if (server.exitCode === null) {
    server.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
}
process.exit(rc);
