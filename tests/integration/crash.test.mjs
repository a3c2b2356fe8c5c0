// Crash test: stream writes, SIGKILL the server at a random moment, restart it on the same
// database, and check that every acknowledged write is there, whole (a task with its skills, a
// guild with its owner and audit row), that nothing appears that was never sent, and, on SQLite,
// that PRAGMA integrity_check says ok.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADDR, BACKEND, createKey, expectStatus, freshDatabase, request, sleep, sqlite3, startServer, walkPages,
} from './lib/harness.mjs';

// One suite per file: its hooks and tests run in order (also on Node 18).
describe('crash', () => {
  const ROUNDS = 3;
  const WORKERS = 6;

  async function integrity(db) {
    if (BACKEND !== 'sqlite') return;
    const out = (await sqlite3(db.file, 'PRAGMA integrity_check;')).trim();
    assert.equal(out, 'ok', `PRAGMA integrity_check: ${out}`);
    const fk = (await sqlite3(db.file, 'PRAGMA foreign_key_check;')).trim();
    assert.equal(fk, '', `PRAGMA foreign_key_check: ${fk}`);
  }

  test(`SIGKILL in the middle of a stream of writes loses no acknowledged write (${ROUNDS} rounds)`, async () => {
    const db = await freshDatabase('crash');
    const creator = await createKey(db, 'creator', ADDR.creator);
    const admin = await createKey(db, 'admin', ADDR.admin);
    const ackedGuilds = new Map(); // slug -> id
    const ackedTasks = new Map(); // title -> id
    const unknown = new Set(); // sent, never answered: may or may not be stored
    let seq = 0;

    for (let round = 1; round <= ROUNDS; round++) {
      const srv = await startServer({ db, name: `crash-${round}` });
      let stop = false;
      let unexpected = null;
      const worker = async (w) => {
        while (!stop) {
          const n = ++seq;
          const isTask = n % 2 === 0;
          const name = `crash-r${round}-w${w}-${n}`;
          const json = isTask
            ? { type: 'BOUNTY', title: name, description: 'written before a crash', difficulty: 1 + (n % 10), xpReward: n,
              tokenReward: `${n}000000000000000000`, skills: [{ skill: 'python', minLevel: 1 }, { skill: 'sql', minLevel: 2 }] }
            : { slug: name, name: `Guild ${n}`, type: 'GEO' };
          unknown.add(name);
          let r;
          try {
            r = await request(srv.port, 'POST', isTask ? '/api/v1/tasks' : '/api/v1/guilds', { json, key: creator.key, timeout: 5000 });
          } catch {
            return; // the server died under this request: its outcome is unknown
          }
          if (r.status !== 201) {
            if (!unexpected) unexpected = `${r.status} ${r.text.slice(0, 200)}`;
            return;
          }
          unknown.delete(name);
          (isTask ? ackedTasks : ackedGuilds).set(name, r.body.id);
        }
      };
      const before = ackedGuilds.size + ackedTasks.size;
      const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
      await sleep(250 + Math.floor(Math.random() * 500));
      assert.ok(srv.signal('SIGKILL'), 'the server was alive at the kill');
      const exit = await srv.exited;
      stop = true;
      await Promise.all(workers);
      assert.equal(exit.signal, 'SIGKILL');
      assert.equal(unexpected, null, `every write before the kill succeeded: ${unexpected}`);
      assert.ok(ackedGuilds.size + ackedTasks.size - before >= 10, `round ${round}: writes acknowledged before the kill`);
      await integrity(db);

      const again = await startServer({ db, name: `crash-${round}-restart` });
      try {
        const c = again.client(admin.key);
        for (const [slug, id] of ackedGuilds) {
          const g = expectStatus(await c.get(`/api/v1/guilds/${slug}`), 200, `acknowledged guild ${slug}`);
          assert.equal(g.id, id);
          assert.equal(g.memberCount, 1, `guild ${slug} has its owner`);
        }
        for (const [title, id] of ackedTasks) {
          const t = expectStatus(await c.get(`/api/v1/tasks/${id}`), 200, `acknowledged task ${title}`);
          assert.equal(t.title, title);
          assert.equal(t.skills.length, 2, `task ${id} has both its skills`);
          assert.match(t.tokenReward, /^\d+000000000000000000$/);
        }
        // nothing that was never sent, and every stored record whole
        const guilds = await walkPages(c, '/api/v1/guilds', 100);
        for (const g of guilds) {
          assert.ok(ackedGuilds.has(g.slug) || unknown.has(g.slug), `guild ${g.slug} was sent`);
          assert.equal(g.memberCount, 1, `guild ${g.slug} is whole`);
        }
        const tasks = await walkPages(c, '/api/v1/tasks', 100);
        for (const t of tasks) {
          assert.ok(ackedTasks.has(t.title) || unknown.has(t.title), `task ${t.title} was sent`);
          assert.equal(t.skills.length, 2, `task ${t.id} is whole`);
        }
        assert.ok(guilds.length >= ackedGuilds.size && tasks.length >= ackedTasks.size);
        // a sample of audit rows written in the same transactions
        const sample = [...ackedGuilds.values()].slice(-5);
        for (const id of sample) {
          const rows = expectStatus(await c.get(`/api/v1/audit?subject=guild&id=${id}`), 200);
          assert.ok(rows.items.some((x) => x.action === 'guild.create'), `audit row of guild ${id}`);
        }
        // the server takes writes again
        const r = await request(again.port, 'POST', '/api/v1/guilds', { json: { slug: `after-crash-${round}`, name: 'After', type: 'GEO' }, key: creator.key });
        expectStatus(r, 201);
        ackedGuilds.set(`after-crash-${round}`, r.body.id);
      } finally {
        const e = await again.stop();
        assert.equal(e.code, 0, 'the restarted server stops cleanly');
      }
      await integrity(db);
    }
  });
});
