// Disk full on the SQLite path (issue 16, "Faults"): the database lives on a tmpfs of 8 MiB
// mounted here (the test runs as root; it is unmounted in after() and by run.sh's trap), which a
// filler file then fills to the last byte. Writes are refused with a clear error and nothing is
// corrupted or half-written: reads keep working, every write that was answered 201 is there and
// none that was refused is, `PRAGMA integrity_check` says ok, and once space is freed writes
// work again without a restart.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  WORK, castKeys, expectStatus, sqlite3, startServer, taskBody,
} from '../integration/lib/harness.mjs';

const root = process.getuid && process.getuid() === 0;

describe('disk full under SQLite', { skip: root ? false : 'mounting a tmpfs needs root (run.sh runs as root in CI)' }, () => {
  const mnt = path.join(WORK, `tmpfs-${process.pid}`);
  const filler = path.join(mnt, 'filler');
  let srv; let keys; let db;

  before(async () => {
    fs.mkdirSync(mnt, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0755', 'tmpfs', mnt]);
    const file = path.join(mnt, 'pheme.db');
    db = { backend: 'sqlite', url: `sqlite:${file}`, file, name: 'diskfull' };
    keys = await castKeys(db);
    srv = await startServer({ db, name: 'diskfull', args: ['--jobs-workers', '0', '--matching', 'false', '--answer-cache', 'off'] });
  });

  after(async () => {
    if (srv) await srv.stop();
    try { execFileSync('umount', [mnt]); } catch { /* not mounted */ }
  });

  // Fills the file system: writes 64 KiB blocks, then smaller ones, until ENOSPC at 1 byte.
  function fill() {
    const fd = fs.openSync(filler, 'a');
    try {
      for (let size = 65536; size >= 1; size = Math.floor(size / 2)) {
        const block = Buffer.alloc(size, 0x5a);
        for (;;) {
          try { fs.writeSync(fd, block); } catch (e) { if (e.code === 'ENOSPC') break; throw e; }
        }
      }
    } finally { fs.closeSync(fd); }
  }

  test('writes are refused with a clear error, reads go on, nothing is half-written; space back: writes again', async () => {
    const creator = srv.client(keys.creator.key);
    const acked = [];
    for (let i = 0; i < 5; i++) acked.push(expectStatus(await creator.post('/api/v1/tasks', taskBody({ title: `Before ${i}` })), 201).id);
    fill();
    const refused = [];
    const desc = 'x'.repeat(20000); // each write needs pages the full file system does not have
    for (let i = 0; i < 20; i++) {
      const title = `While full ${i}`;
      const r = await creator.post('/api/v1/tasks', taskBody({ title, description: desc }));
      if (r.status === 201) { acked.push(r.body.id); continue; } // a page the WAL still had free
      assert.ok(r.status === 503 || r.status === 500, `a refused write is a server-side error: ${r.status} ${r.text}`);
      assert.ok(r.body && /^SYS00[25]$/.test(r.body.error.code), `with a SYS code: ${r.text}`);
      assert.ok(r.body.error.message.length > 0);
      if (!refused.length) console.log(`# first refused write: ${r.status} ${r.body.error.code} ${r.body.error.message}`);
      refused.push(title);
    }
    assert.ok(refused.length >= 15, `writes were refused once the disk was full (${refused.length} of 20)`);
    // reads still answer, from what was committed
    for (const id of acked) assert.equal(expectStatus(await creator.get(`/api/v1/tasks/${id}`), 200).id, id);
    expectStatus(await srv.client().get('/healthz'), 200);
    // space back: the same server writes again
    fs.unlinkSync(filler);
    let again;
    for (let i = 0; i < 20 && !again; i++) {
      const r = await creator.post('/api/v1/tasks', taskBody({ title: 'After' }));
      if (r.status === 201) again = r.body.id; else await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(again, 'writes work again once there is space');
    acked.push(again);
    await srv.stop();
    srv = null;
    assert.equal((await sqlite3(db.file, 'PRAGMA integrity_check')).trim(), 'ok');
    const titles = (await sqlite3(db.file, 'SELECT id || \'|\' || title FROM tasks ORDER BY id')).trim().split('\n');
    const ids = titles.map((l) => Number(l.split('|')[0]));
    assert.deepEqual(ids, [...acked].sort((a, b) => a - b), 'exactly the acknowledged writes are stored');
    for (const t of refused) assert.ok(!titles.some((l) => l.endsWith(`|${t}`)), `refused write '${t}' left nothing behind`);
  });
});
