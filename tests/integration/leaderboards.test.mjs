// The leaderboards over HTTP (issue 11 §8): XP ledger rows written with SQL into a migrated
// database, a real `pheme serve` that builds its boards from them at start, and every board read
// back — top, pages by cursor, a person's neighbourhood — against the sums and order computed here.
// Addresses are checked as EIP-55 with viem (not the server's own code). Errors: unknown skill,
// guild, season, address; bad limit, cursor, season id.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  BACKEND, expectError, expectStatus, freshDatabase, pgQuery, runPheme, sqlite3, startServer,
} from './lib/harness.mjs';

const requireAuth = createRequire(new URL('../auth/package.json', import.meta.url));
const viem = await import(requireAuth.resolve('viem'));

const PEOPLE = 30;
const FIRST_ID = 9001;
const SKILL = 7001;
const GUILD = 7001;
const GUILD2 = 7002;
const SEASON = 7001;
const address = (i) => `0x${'5e'.repeat(18)}${(i + 16).toString(16).padStart(4, '0')}`;

describe('leaderboards', () => {
  let db;
  let server;
  let client;
  const ledger = []; // {user, skill, guild, season, amount}
  async function sql(q) {
    return BACKEND === 'sqlite' ? sqlite3(db.file, q) : pgQuery(db, q);
  }
  const blob = (hex) => (BACKEND === 'sqlite' ? `x'${hex}'` : `decode('${hex}', 'hex')`);

  // The expected board: members with their sums, XP descending then user id ascending.
  function expected(filter, key = (r) => r.user) {
    const sums = new Map();
    for (const r of ledger) if (filter(r)) sums.set(key(r), (sums.get(key(r)) || 0) + r.amount);
    return [...sums.entries()].map(([id, xp]) => ({ id, xp }))
      .sort((a, b) => b.xp - a.xp || a.id - b.id)
      .map((e, i) => ({ ...e, rank: i + 1, address: viem.getAddress(address(e.id - FIRST_ID)), displayName: `Player ${e.id - FIRST_ID}` }));
  }
  const view = (items) => items.map(({ rank, address: a, displayName, xp }) => ({ rank, address: a, displayName, xp }));
  const want = (list) => list.map(({ rank, address: a, displayName, xp }) => ({ rank, address: a, displayName, xp }));

  before(async () => {
    db = await freshDatabase('leaderboards');
    const m = await runPheme(['migrate', '--database', db.url, '--log-level', 'warn']);
    assert.equal(m.code, 0, m.stderr);
    const users = [];
    for (let i = 0; i < PEOPLE; i++) {
      users.push(`(${FIRST_ID + i}, ${blob(address(i).slice(2))}, 'Player ${i}', 1, 0, 0)`);
    }
    await sql(`INSERT INTO users (id, address, display_name, roles, created_at, updated_at) VALUES ${users.join(', ')}`);
    await sql(`INSERT INTO wallets (address, user_id, is_primary, linked_at) SELECT address, id, 1, 0 FROM users WHERE id >= ${FIRST_ID}`);
    await sql(`INSERT INTO skills (id, slug, name, domain) VALUES (${SKILL}, 'lb-zig', 'Zig', 'technical')`);
    await sql(`INSERT INTO guilds (id, slug, name, type, owner_id, member_count, created_at) VALUES (${GUILD}, 'lb-guild', 'Board guild', 'SKILL', ${FIRST_ID}, 1, 0), `
      + `(${GUILD2}, 'lb-guild-2', 'Second guild', 'GEO', ${FIRST_ID + 1}, 1, 0)`);
    await sql(`INSERT INTO seasons (id, slug, name, starts_at, ends_at, seed_hash, created_at) VALUES (${SEASON}, 'lb-s1', 'Season one', 1000, 2000, ${blob('ab'.repeat(32))}, 0)`);
    // deterministic rows with many ties (amounts in steps of 50); every person has global XP
    let x = 12345;
    // the high bits of the LCG (its low bits cycle with a short period)
    const rnd = (n) => { x = (x * 1103515245 + 12345) % 2147483648; return Math.floor((x / 2147483648) * n); };
    for (let i = 0; i < 200; i++) {
      const user = FIRST_ID + (i < PEOPLE ? i : rnd(PEOPLE));
      ledger.push({
        user, skill: rnd(2) ? SKILL : null, guild: rnd(3) === 0 ? GUILD : (rnd(4) === 0 ? GUILD2 : null), season: rnd(2) ? SEASON : null,
        amount: 50 * (1 + rnd(6)),
      });
    }
    const v = (n) => (n === null ? 'NULL' : n);
    const values = ledger.map((r) => `(${r.user}, ${v(r.skill)}, ${v(r.guild)}, ${v(r.season)}, ${r.amount}, 'adjustment', 1500)`);
    await sql(`INSERT INTO xp_ledger (user_id, skill_id, guild_id, season_id, amount, reason, at) VALUES ${values.join(', ')}`);
    server = await startServer({ db, name: 'leaderboards' });
    client = server.client();
  });

  after(async () => { if (server) await server.stop(); });

  test('the global board is every person by all their XP, ties by the older account', async () => {
    const all = expected(() => true);
    assert.equal(all.length, PEOPLE);
    const r = await client.get('/api/v1/leaderboards/global?limit=10');
    const b = expectStatus(r, 200, 'global top 10');
    assert.equal(b.board, 'global');
    assert.equal(b.total, PEOPLE);
    assert.deepEqual(view(b.items), want(all.slice(0, 10)));
    assert.equal(typeof b.nextCursor, 'string');
    // default limit 25, and the cursor walk covers the board once, in order
    const d = expectStatus(await client.get('/api/v1/leaderboards/global'), 200);
    assert.equal(d.items.length, 25);
    const walked = [];
    let cursor = null;
    for (let pages = 0; pages < 20; pages++) {
      const p = expectStatus(await client.get(`/api/v1/leaderboards/global?limit=7${cursor ? `&cursor=${cursor}` : ''}`), 200);
      assert.ok(p.items.length <= 7);
      walked.push(...p.items);
      cursor = p.nextCursor;
      if (!cursor) break;
    }
    assert.deepEqual(view(walked), want(all));
    assert.ok(all.some((e, i) => i && all[i - 1].xp === e.xp), 'the data has ties');
  });

  test('skill, guild and season boards count only their rows', async () => {
    const skill = expected((r) => r.skill === SKILL);
    // the data gives every board several people (a board of none would pass any comparison)
    for (const [name, list] of [['skill', skill], ['guild', expected((r) => r.guild === GUILD)],
      ['season', expected((r) => r.season === SEASON)]]) assert.ok(list.length >= 5, `${name} board has ${list.length} people`);
    const s = expectStatus(await client.get('/api/v1/leaderboards/skills/lb-zig?limit=100'), 200);
    assert.equal(s.board, 'skill');
    assert.equal(s.skill.slug, 'lb-zig');
    assert.equal(s.total, skill.length);
    assert.deepEqual(view(s.items), want(skill));
    assert.equal(s.nextCursor, null);

    const guild = expected((r) => r.guild === GUILD);
    const g = expectStatus(await client.get('/api/v1/leaderboards/guilds/lb-guild?limit=100'), 200);
    assert.equal(g.guild.slug, 'lb-guild');
    assert.deepEqual(view(g.items), want(guild));
    const guildXp = (id) => ledger.filter((r) => r.guild === id).reduce((t, r) => t + r.amount, 0);
    assert.equal(g.guildXp, guildXp(GUILD));
    assert.equal(g.guildRank, guildXp(GUILD) >= guildXp(GUILD2) ? 1 : 2);
    // the guilds themselves by guild XP
    const both = [{ slug: 'lb-guild', name: 'Board guild', xp: guildXp(GUILD), id: GUILD },
      { slug: 'lb-guild-2', name: 'Second guild', xp: guildXp(GUILD2), id: GUILD2 }]
      .sort((a, b) => b.xp - a.xp || a.id - b.id).map(({ slug, name, xp }, i) => ({ rank: i + 1, slug, name, xp }));
    const gs = expectStatus(await client.get('/api/v1/leaderboards/guilds'), 200);
    assert.equal(gs.board, 'guilds');
    assert.equal(gs.total, 2);
    assert.deepEqual(gs.items, both);
    const first = expectStatus(await client.get('/api/v1/leaderboards/guilds?limit=1'), 200);
    assert.deepEqual(first.items, both.slice(0, 1));
    const second = expectStatus(await client.get(`/api/v1/leaderboards/guilds?limit=1&cursor=${first.nextCursor}`), 200);
    assert.deepEqual(second.items, both.slice(1));
    assert.equal(second.nextCursor, null);
    expectError(await client.get(`/api/v1/leaderboards/guilds?around=${address(0)}`), 400, 'API002', 'around on the guilds');

    const season = expected((r) => r.season === SEASON);
    const se = expectStatus(await client.get(`/api/v1/leaderboards/seasons/${SEASON}?limit=100`), 200);
    assert.equal(se.season.slug, 'lb-s1');
    assert.equal(se.season.id, SEASON);
    assert.deepEqual(view(se.items), want(season));
  });

  test('?around=ADDRESS gives a person\'s rank with their neighbours', async () => {
    const all = expected(() => true);
    const mid = all[14];
    const lower = address(mid.id - FIRST_ID);
    const r = expectStatus(await client.get(`/api/v1/leaderboards/global?around=${lower}&limit=5`), 200);
    assert.deepEqual(view(r.items), want(all.slice(12, 17)));
    assert.equal(r.items[2].rank, 15);
    assert.equal(r.nextCursor, null);
    // the first person: nobody above, the rest below; the EIP-55 form is accepted too
    const top = expectStatus(await client.get(`/api/v1/leaderboards/global?around=${all[0].address}&limit=3`), 200);
    assert.deepEqual(view(top.items), want(all.slice(0, 2)));
    // someone with no XP in the skill
    const skill = new Set(expected((r) => r.skill === SKILL).map((e) => e.id));
    const none = [...Array(PEOPLE).keys()].find((i) => !skill.has(FIRST_ID + i));
    if (none !== undefined) {
      const e = expectError(await client.get(`/api/v1/leaderboards/skills/lb-zig?around=${address(none)}`), 404, 'DATA001', 'no XP in the skill');
      assert.match(e.message, /has no XP on the skill 'lb-zig' leaderboard/);
    }
  });

  test('unknown boards, people and bad parameters are refused with their code', async () => {
    let e = expectError(await client.get('/api/v1/leaderboards/skills/no-such-skill'), 404, 'DATA001', 'unknown skill');
    assert.match(e.message, /skill 'no-such-skill' not found/);
    e = expectError(await client.get('/api/v1/leaderboards/guilds/no-such-guild'), 404, 'DATA001', 'unknown guild');
    assert.match(e.message, /guild 'no-such-guild' not found/);
    e = expectError(await client.get('/api/v1/leaderboards/seasons/999999'), 404, 'DATA001', 'unknown season');
    assert.match(e.message, /season 999999 not found/);
    expectError(await client.get('/api/v1/leaderboards/seasons/abc'), 400, 'API002', 'season id not a number');
    e = expectError(await client.get(`/api/v1/leaderboards/global?around=0x${'77'.repeat(20)}`), 404, 'DATA001', 'not a user');
    assert.match(e.message, /is not a PHEME user/);
    expectError(await client.get('/api/v1/leaderboards/global?around=0x1234'), 400, 'API002', 'not an address');
    expectError(await client.get('/api/v1/leaderboards/global?limit=0'), 400, 'API002', 'limit 0');
    expectError(await client.get('/api/v1/leaderboards/global?limit=101'), 400, 'API002', 'limit 101');
    expectError(await client.get('/api/v1/leaderboards/global?cursor=zz'), 400, 'API008', 'bad cursor');
    const c = expectStatus(await client.get('/api/v1/leaderboards/global?limit=1'), 200).nextCursor;
    expectError(await client.get(`/api/v1/leaderboards/global?cursor=${c}&around=${address(0)}`), 400, 'API002', 'cursor and around');
  });

  test('a server follows the XP other processes commit on the same database', async () => {
    // a second server on the same database, then rows committed by a third process (the sqlite3
    // or psql client): both servers' boards take them within their poll, without a restart
    const second = await startServer({ db, name: 'leaderboards-2', args: ['--events-poll-ms', '100'] });
    try {
      const other = second.client();
      const rows = [
        { user: FIRST_ID + PEOPLE - 1, skill: SKILL, guild: null, season: SEASON, amount: 100000 },
        { user: FIRST_ID + 3, skill: null, guild: GUILD, season: null, amount: 7 },
        { user: FIRST_ID + 5, skill: SKILL, guild: GUILD2, season: SEASON, amount: -20 },
      ];
      ledger.push(...rows);
      const v = (n) => (n === null ? 'NULL' : n);
      await sql(`INSERT INTO xp_ledger (user_id, skill_id, guild_id, season_id, amount, reason, at) VALUES ${
        rows.map((r) => `(${r.user}, ${v(r.skill)}, ${v(r.guild)}, ${v(r.season)}, ${r.amount}, 'adjustment', 1600)`).join(', ')}`);
      const boards = [
        ['global', () => true],
        [`skills/lb-zig`, (r) => r.skill === SKILL],
        [`guilds/lb-guild`, (r) => r.guild === GUILD],
        [`guilds/lb-guild-2`, (r) => r.guild === GUILD2],
        [`seasons/${SEASON}`, (r) => r.season === SEASON],
      ];
      for (const c of [client, other]) {
        for (const [board, filter] of boards) {
          const want_ = want(expected(filter));
          let got = null;
          for (const until = Date.now() + 10000; Date.now() < until;) { // the default poll is 1 s
            got = view(expectStatus(await c.get(`/api/v1/leaderboards/${board}?limit=100`), 200).items);
            if (JSON.stringify(got) === JSON.stringify(want_)) break;
            await new Promise((r) => setTimeout(r, 50));
          }
          assert.deepEqual(got, want_, `board ${board}`);
        }
      }
      const top = expectStatus(await other.get('/api/v1/leaderboards/global?limit=1'), 200);
      assert.equal(top.items[0].displayName, `Player ${PEOPLE - 1}`, 'the followed row moved a person to the top');
    } finally {
      await second.stop();
    }
  });

  test('the boards are on /metrics', async () => {
    const r = await client.get('/metrics');
    assert.equal(r.status, 200);
    assert.match(r.text, new RegExp(`pheme_leaderboard_members\\{kind="global"\\} ${PEOPLE}\\n`));
    assert.match(r.text, /pheme_leaderboard_boards\{kind="skill"\} 1\n/);
    assert.match(r.text, /pheme_leaderboard_members\{kind="guilds"\} 2\n/);
    assert.match(r.text, /pheme_leaderboard_load_seconds /);
  });
});
