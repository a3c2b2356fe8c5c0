// Invalid configuration stops `pheme serve` before it listens, with a message that names the key
// and the value; from flags, a configuration file and the environment.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { WORK, freePort, freshDatabase, runPheme, startServer, tryConnect } from './lib/harness.mjs';

// One suite per file: its hooks and tests run in order (also on Node 18).
describe('config', () => {
  let db;
  async function serve(args, env = {}) {
    db = db || await freshDatabase('config');
    const port = await freePort();
    const r = await runPheme(['serve', '--listen', `127.0.0.1:${port}`, '--database', db.url, '--web-root', '', ...args], { env, timeout: 5000 });
    assert.ok(!r.killed, `pheme serve ${args.join(' ')} exited by itself instead of starting: ${r.stdout}${r.stderr}`);
    return { ...r, port, out: r.stdout + r.stderr };
  }

  function configFile(text) {
    const f = path.join(fs.mkdtempSync(path.join(WORK, 'conf-')), 'pheme.conf');
    fs.writeFileSync(f, text);
    return f;
  }

  test('serve --threads abc exits non-zero naming the key and the value', async () => {
    const r = await serve(['--threads', 'abc']);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /threads/);
    assert.match(r.out, /abc/);
    assert.equal(await tryConnect(r.port, 500), 'refused', 'nothing listens');
  });

  test('out-of-bounds and malformed flag values exit non-zero naming key and value', async () => {
    for (const [flag, value, key] of [['--threads', '100000', 'threads'], ['--body-limit', '10', 'body_limit'],
      ['--log-requests=maybe', 'maybe', 'log_requests'], ['--log-level', 'loud', 'log_level'], ['--shutdown-timeout', '-1', 'shutdown_timeout'],
      ['--max-connections', '-1', 'max_connections'], ['--per-client-connections', '-5', 'per_client_connections'],
      ['--request-head-timeout', '0', 'request_head_timeout']]) {
      const r = await serve(flag.includes('=') ? [flag] : [flag, value]);
      assert.notEqual(r.code, 0, `${flag} ${value}`);
      assert.ok(r.out.includes(key) || r.out.includes(flag), `message names ${key}: ${r.out}`);
      assert.ok(r.out.includes(value), `message names the value ${value}: ${r.out}`);
    }
  });

  test('an unknown flag exits non-zero naming it', async () => {
    const r = await serve(['--no-such-setting', '5']);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /no-such-setting|no_such_setting/);
  });

  test('an unknown key in a config file exits non-zero naming the key and where it is', async () => {
    const f = configFile('# a comment\nthreads = 2\nbogus_setting = 17\n');
    const r = await serve(['--config', f]);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /bogus_setting/);
    assert.ok(r.out.includes(f), `message names the file: ${r.out}`);
    assert.match(r.out, /:3\b/, 'and the line');
    assert.equal(await tryConnect(r.port, 500), 'refused');
  });

  test('a bad value in a config file exits non-zero naming the key and the value', async () => {
    const f = configFile('threads = abc\n');
    const r = await serve(['--config', f]);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /threads/);
    assert.match(r.out, /abc/);
    const g = configFile('body_limit = 12\n');
    const r2 = await serve([], { PHEME_CONFIG: g });
    assert.notEqual(r2.code, 0, 'PHEME_CONFIG names the file too');
    assert.match(r2.out, /body_limit/);
    assert.match(r2.out, /12/);
  });

  test('PHEME_BODY_LIMIT=1 exits non-zero naming the key and the value', async () => {
    const r = await serve([], { PHEME_BODY_LIMIT: '1' });
    assert.notEqual(r.code, 0);
    assert.match(r.out, /BODY_LIMIT|body_limit/);
    assert.match(r.out, /'1'|"1"|\b1\b/);
    assert.equal(await tryConnect(r.port, 500), 'refused');
    const b = await serve([], { PHEME_THREADS: 'many' });
    assert.notEqual(b.code, 0);
    assert.match(b.out, /THREADS|threads/);
    assert.match(b.out, /many/);
  });

  test('precedence: flags beat the environment, which beats the file', async () => {
    const f = configFile('body_limit = 4096\n');
    const srv = await startServer({
      db: db || (db = await freshDatabase('config')), name: 'config-precedence',
      args: ['--config', f, '--body-limit', '2048'], env: { PHEME_BODY_LIMIT: '3072' },
    });
    try {
      const post = (n) => srv.client().req('POST', '/api/v1/guilds', { body: `{"x":"${'a'.repeat(n - 8)}"}`, headers: { 'Content-Type': 'application/json' } });
      assert.equal((await post(2500)).status, 413, 'the flag (2048) wins');
      assert.equal((await post(2000)).status, 401, 'under the flag limit the body is read (and auth is asked)');
    } finally {
      await srv.stop();
    }
    const srv2 = await startServer({ db, name: 'config-precedence-env', args: ['--config', f], env: { PHEME_BODY_LIMIT: '3072' } });
    try {
      const post = (n) => srv2.client().req('POST', '/api/v1/guilds', { body: `{"x":"${'a'.repeat(n - 8)}"}`, headers: { 'Content-Type': 'application/json' } });
      assert.equal((await post(3500)).status, 413, 'the environment (3072) beats the file (4096)');
      assert.equal((await post(3000)).status, 401);
    } finally {
      await srv2.stop();
    }
  });
});
