// Secrets and what the server tells (issue 17, item 7): `pheme config show` masks passwords in the
// database URLs, a secret given in the clear as a flag is refused (it would show in `ps`) while
// @FILE and the environment work, a new SQLite database and its WAL are owner-only, and
// /api/v1/chain/status answers 404 DATA001 without a chain, as the docs say.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  BACKEND, WORK, expectError, freshDatabase, request, runPheme, startServer,
} from './lib/harness.mjs';

const KEYS = 'k1:' + '0123456789abcdef'.repeat(4);

describe('secrets', () => {
  test('config show masks the password of a URL and of a conninfo', async () => {
    const r = await runPheme(['config', 'show', '--database', 'postgresql://pheme:s3cretpw@db.example/pheme',
      '--database-replica', "host=replica user=pheme password='hunter 2' dbname=pheme"]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /s3cretpw|hunter/, r.stdout);
    assert.match(r.stdout, /^database = postgresql:\/\/pheme:\*\*\*@db\.example\/pheme$/m);
    assert.match(r.stdout, /^database_replica = host=replica user=pheme password=\*\*\* dbname=pheme$/m);
  });

  test('--jwt-keys in the clear is refused; @FILE and PHEME_JWT_KEYS are taken', async () => {
    const db = await freshDatabase('secrets');
    const r = await runPheme(['serve', '--listen', '127.0.0.1:0', '--database', db.url, '--jwt-keys', KEYS], { timeout: 5000 });
    assert.notEqual(r.code, 0, 'refused');
    assert.equal(r.killed, false, 'it did not start');
    assert.match(r.stderr + r.stdout, /shows in `ps`/);
    assert.doesNotMatch(r.stderr + r.stdout, /0123456789abcdef/, 'the secret is not echoed');
    const file = path.join(WORK, `jwt-${process.pid}.keys`);
    fs.writeFileSync(file, `${KEYS}\n`, { mode: 0o600 });
    const fromFile = await startServer({ db, name: 'secrets-file', args: ['--jwt-keys', `@${file}`] });
    try {
      assert.doesNotMatch(fs.readFileSync(fromFile.logFile, 'utf8'), /jwt_keys is not set/, 'the keys were read from the file');
    } finally { await fromFile.stop(); }
    const fromEnv = await startServer({ db, name: 'secrets-env', env: { PHEME_JWT_KEYS: KEYS } });
    try {
      assert.doesNotMatch(fs.readFileSync(fromEnv.logFile, 'utf8'), /jwt_keys is not set/);
      expectError(await request(fromEnv.port, 'GET', '/api/v1/chain/status'), 404, 'DATA001', 'no chain configured');
    } finally { await fromEnv.stop(); }
  });

  test('a new SQLite database and its WAL are created 0600', { skip: BACKEND !== 'sqlite' && 'SQLite only' }, async () => {
    const db = await freshDatabase('modes');
    const srv = await startServer({ db, name: 'modes' });
    try {
      for (const f of [db.file, `${db.file}-wal`, `${db.file}-shm`]) {
        const mode = fs.statSync(f).mode & 0o777;
        assert.equal(mode.toString(8), '600', `${path.basename(f)} is ${mode.toString(8)}`);
      }
    } finally { await srv.stop(); }
  });
});
