// Backups and restores (store/backup.h) on SQLite and PostgreSQL: `pheme backup` while the server
// runs and takes writes gives a consistent copy; after more writes, `pheme restore` (the server
// stopped) brings the database back to the copy exactly — what was written before the backup is
// there, what came after is gone — and the server starts on it. A restore into a SQLite database
// in use is refused; a file that is no backup is refused and changes nothing.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  BACKEND, WORK, castKeys, expectError, expectStatus, freshDatabase, runPheme, startServer, taskBody, uniq,
} from './lib/harness.mjs';

describe('backup and restore', () => {
  let db; let keys; let srv; let creator;
  const file = path.join(WORK, `${uniq('backup')}.bak`);

  before(async () => {
    db = await freshDatabase('backup');
    keys = await castKeys(db);
    srv = await startServer({ db, name: 'backup' });
    creator = srv.client(keys.creator.key);
  });
  after(async () => { if (srv) await srv.stop(); });

  let before1; let after1;
  test('a backup taken while the server runs and writes', async () => {
    before1 = expectStatus(await creator.post('/api/v1/tasks', taskBody({ title: 'Before the backup' })), 201);
    // writes keep arriving during the backup: the copy is a snapshot of one moment
    let writing = true;
    const writer = (async () => {
      let n = 0;
      while (writing && n < 200) {
        expectStatus(await creator.post('/api/v1/tasks', taskBody({ title: `During ${n++}` })), 201);
      }
      return n;
    })();
    const r = await runPheme(['backup', file, '--database', db.url, '--log-level', 'warn'], { timeout: 60000 });
    writing = false;
    await writer;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /wrote a backup to/);
    assert.ok(fs.statSync(file).size > 0);
    after1 = expectStatus(await creator.post('/api/v1/tasks', taskBody({ title: 'After the backup' })), 201);
  });

  // SQLite only: PostgreSQL restores in one transaction beside live sessions
  if (BACKEND === 'sqlite') test('a restore into a SQLite database in use is refused', async () => {
    const r = await runPheme(['restore', file, '--database', db.url, '--log-level', 'warn']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is in use: stop pheme before restoring into it \(DATA004\)/);
    expectStatus(await creator.get(`/api/v1/tasks/${after1.id}`), 200);
  });

  test('restore brings the database back to the backup exactly', async () => {
    await srv.stop();
    srv = null;
    const bad = path.join(WORK, `${uniq('notabackup')}.bak`);
    fs.writeFileSync(bad, 'this is not a backup');
    const refused = await runPheme(['restore', bad, '--database', db.url, '--log-level', 'warn']);
    assert.equal(refused.code, 1, 'a file that is no backup is refused');
    const r = await runPheme(['restore', file, '--database', db.url, '--log-level', 'warn'], { timeout: 60000 });
    assert.equal(r.code, 0, r.stderr);
    srv = await startServer({ db, name: 'backup-restored' });
    creator = srv.client(keys.creator.key);
    const got = expectStatus(await creator.get(`/api/v1/tasks/${before1.id}`), 200);
    assert.equal(got.title, 'Before the backup');
    expectError(await creator.get(`/api/v1/tasks/${after1.id}`), 404, 'DATA001', 'a task written after the backup');
    // the copy is one moment: the tasks written during it are a prefix of the ones sent
    const ids = [];
    for (let id = before1.id + 1; id < after1.id; id++) {
      ids.push((await creator.get(`/api/v1/tasks/${id}`)).status);
    }
    const firstMissing = ids.indexOf(404);
    if (firstMissing >= 0) assert.ok(ids.slice(firstMissing).every((s) => s === 404), `not a prefix: ${ids.join(',')}`);
  });
});
