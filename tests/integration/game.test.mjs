// Rewards over HTTP (docs/rewards.md): a person's submission goes through the real pipeline (the
// checks, no validators registered so the panel escalates, an admin approves it with score 85), and
// the award job the approval enqueued pays exactly worked example A of docs/rewards.md — recomputed
// here by hand, independently of the server — visible in /me/progress, /me/xp and the wallet view.
// Also: a quest's second step is locked until the first is approved, and a season publishes its
// seed's keccak256 at creation and the seed when revealed (checked with viem's keccak256).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { ADDR, castKeys, expectError, expectStatus, freshDatabase, sleep, startServer, taskBody } from './lib/harness.mjs';

const requireAuth = createRequire(new URL('../auth/package.json', import.meta.url));
const viem = await import(requireAuth.resolve('viem'));

// Worked example A: integer percentages, each product rounded down.
const pct = (x, p) => Math.floor((x * p) / 100);

describe('game', () => {
  let srv; let db; let keys;
  let admin; let creator; let user;

  before(async () => {
    db = await freshDatabase('game');
    keys = await castKeys(db);
    srv = await startServer({ db, name: 'game', args: ['--jobs-poll-ms', '50'] });
    admin = srv.client(keys.admin.key);
    creator = srv.client(keys.creator.key);
    user = srv.client(keys.user.key);
  });

  after(async () => { if (srv) await srv.stop(); });

  async function until(get, ok, what) {
    let last;
    for (let i = 0; i < 200; i++) {
      last = await get();
      if (ok(last)) return last;
      await sleep(50);
    }
    assert.fail(`never got ${what}; last: ${JSON.stringify(last).slice(0, 800)}`);
  }

  // Submits to task as `who`, lets the pipeline escalate it (no validators), and approves it as admin.
  async function approve(taskId, who, text, score) {
    const s = expectStatus(await who.post(`/api/v1/tasks/${taskId}/submissions`,
      { text, evidence: [{ type: 'link', url: `https://example.com/work/${taskId}` }] }), 201);
    await until(async () => expectStatus(await creator.get(`/api/v1/submissions/${s.id}`), 200),
      (x) => x.state === 'ESCALATED', 'ESCALATED');
    const d = expectStatus(await admin.post(`/api/v1/submissions/${s.id}/decision`,
      { decision: 'approve', score, reason: 'checked by hand' }), 200);
    assert.equal(d.state, 'APPROVED');
    return s.id;
  }

  const validation = { aiReview: false, peerReview: true, minValidators: 1 };

  test('an approved submission pays exactly worked example A', async () => {
    const task = expectStatus(await creator.post('/api/v1/tasks', taskBody({
      xpReward: 200, difficulty: 4, skills: [{ skill: 'solidity' }, { skill: 'contract-security' }], validation,
    })), 201);
    const before0 = expectStatus(await user.get('/api/v1/me/progress'), 200);
    assert.equal(before0.xp, 0);
    assert.equal(before0.level, 'NOVICE');
    assert.equal(before0.streak.nextDeadline, null);
    const sid = await approve(task.id, user, 'An audit checklist for ERC-20 tokens with worked findings on a real contract.', 85);

    // the example by hand: 200 × 130% × 135% × 100% (first day) × 100% (no guild), no season
    const base = pct(pct(pct(pct(200, 100 + (4 - 1) * 10), 50 + 85), 100), 100);
    assert.equal(base, 351);
    const solidity = Math.floor(base / 2) + (base % 2); // the remainder to the lower skill id
    const security = Math.floor(base / 2);
    const p = await until(async () => expectStatus(await user.get('/api/v1/me/progress'), 200), (x) => x.xp > 0, 'XP');
    assert.equal(p.xp, base);
    assert.equal(p.level, 'NOVICE');
    assert.equal(p.xpToNextLevel, 1001 - base);
    const lvl = (xp) => Math.floor(Math.sqrt(xp / 10)); // skill level L needs 10·L² XP
    const bySlug = Object.fromEntries(p.skills.map((k) => [k.slug, k]));
    assert.equal(bySlug.solidity.xp, solidity);
    assert.equal(bySlug.solidity.level, lvl(solidity));
    assert.equal(bySlug['contract-security'].xp, security);
    assert.equal(bySlug['smart-contracts'].xp, pct(solidity, 25) + pct(security, 25));
    assert.equal(bySlug['smart-contracts'].level, lvl(pct(solidity, 25) + pct(security, 25)));
    assert.deepEqual(p.domains, [{ domain: 'technical', xp: pct(solidity, 10) + pct(security, 10) }]);
    assert.equal(p.streak.days, 1);
    assert.ok(Date.parse(p.streak.nextDeadline) > Date.now());
    assert.equal(p.streak.utcOffsetMinutes, 0);
    // the time zone moves the streak's deadline to midnight there
    expectError(await user.req('PUT', '/api/v1/me/time-zone', { json: { utcOffsetMinutes: 900 } }), 400, 'API002', 'an offset past +14:00');
    const tz = expectStatus(await user.req('PUT', '/api/v1/me/time-zone', { json: { utcOffsetMinutes: 120 } }), 200);
    assert.equal(tz.utcOffsetMinutes, 120);
    const p2 = expectStatus(await user.get('/api/v1/me/progress'), 200);
    assert.equal(p2.streak.utcOffsetMinutes, 120);
    assert.equal(Date.parse(p2.streak.nextDeadline) % 86400000, (86400000 - 120 * 60000) % 86400000);
    expectStatus(await user.req('PUT', '/api/v1/me/time-zone', { json: { utcOffsetMinutes: 0 } }), 200);

    // the ledger: every factor in detail, exactly one set of rows
    const l = expectStatus(await user.get('/api/v1/me/xp?limit=50'), 200);
    const task0 = l.items.filter((r) => r.reason === 'task' && r.submissionId === sid);
    assert.equal(task0.length, 2);
    assert.deepEqual(task0.map((r) => r.amount).sort((a, b) => b - a), [solidity, security]);
    const d = task0[0].detail;
    assert.equal(d.difficulty_pct, 130);
    assert.equal(d.quality_pct, 135);
    assert.equal(d.streak_pct, 100);
    assert.equal(d.guild_pct, 100);
    assert.equal(d.base, base);
    assert.equal(d.critical, false);
    assert.equal(l.items.filter((r) => r.reason === 'critical').length, 0);
    assert.equal(l.items.length, 5); // 2 task, 2 domain_share, 1 parent_share

    // the outcome is consumed; the wallet view shows the ledger's XP and level
    const sub = expectStatus(await creator.get(`/api/v1/submissions/${sid}`), 200);
    assert.equal(sub.outcome.consumed, true);
    const w = expectStatus(await user.get(`/api/v1/wallets/${ADDR.user}`), 200);
    assert.equal(w.progress.xp, base);
    assert.equal(w.progress.level, 'NOVICE');
    // one XP: the headline figure is the ledger's total, not the sum of skill rows (which hold
    // the parent and domain shares too)
    assert.equal(w.xp, base);
    assert.equal(w.level, 'Novice');
    assert.ok(w.skills.reduce((n, s) => n + s.xp, 0) > base, 'the skill rows include the shares');
    // the reputation receipt sees the streak the award stored (one day), as every engine does
    const ex = expectStatus(await user.get(`/api/v1/reputation/${ADDR.user}/explain`), 200);
    assert.equal(ex.inputs.streakDays, 1);
    // the award moved the in-memory leaderboard at once (game/wiring.c): the person is on the
    // global board with the ledger's XP
    const lb = expectStatus(await user.get(`/api/v1/leaderboards/global?around=${ADDR.user}`), 200);
    const me = lb.items.find((it) => it.address.toLowerCase() === ADDR.user.toLowerCase());
    assert.ok(me, JSON.stringify(lb).slice(0, 300));
    assert.equal(me.xp, base);
    assert.equal(me.rank, 1);
  });

  test('a quest step is locked until the step before it is approved', async () => {
    const t1 = expectStatus(await creator.post('/api/v1/tasks', taskBody({ title: 'Quest step one', xpReward: 10, difficulty: 1, validation })), 201);
    const t2 = expectStatus(await creator.post('/api/v1/tasks', taskBody({ title: 'Quest step two', xpReward: 10, difficulty: 1, validation })), 201);
    expectError(await user.post('/api/v1/quests', { slug: 'q', name: 'Q', steps: [t1.id] }), 403, 'AUTH003', 'a user creating a quest');
    const q = expectStatus(await admin.post('/api/v1/quests', { slug: 'starter', name: 'Starter', xpReward: 300, steps: [t1.id, t2.id] }), 201);
    assert.deepEqual(q.steps.map((s) => s.taskId), [t1.id, t2.id]);
    expectError(await admin.post('/api/v1/quests', { slug: 'again', name: 'Again', steps: [t1.id] }), 409, 'DATA002', 'a task in two quests');
    const r = expectError(await user.post(`/api/v1/tasks/${t2.id}/submissions`,
      { text: 'Trying the second step before the first one.', evidence: [{ type: 'link', url: 'https://example.com/early' }] }),
      403, 'WORK001', 'a locked quest step');
    assert.match(JSON.stringify(r), /step 1/);
    const all = expectStatus(await user.get('/api/v1/quests'), 200);
    assert.deepEqual(all.items.map((x) => x.slug), ['starter']);
    const got = expectStatus(await user.get(`/api/v1/quests/${q.id}`), 200);
    assert.equal(got.progress.stepsDone, 0);
    assert.equal(got.steps[1].locked, true);

    await approve(t1.id, user, 'The first step of the starter quest, done with care and a link to the result.', 100);
    await until(async () => expectStatus(await user.get(`/api/v1/quests/${q.id}`), 200), (x) => x.progress.stepsDone === 1, 'step 1 done');
    const before1 = expectStatus(await user.get('/api/v1/me/progress'), 200);
    assert.equal(before1.quests.length, 1);
    await approve(t2.id, user, 'The second step of the starter quest, now that the first one is approved.', 100);
    const done = await until(async () => expectStatus(await user.get(`/api/v1/quests/${q.id}`), 200),
      (x) => x.progress.completedAt !== null, 'the quest completed');
    assert.equal(done.progress.stepsDone, 2);
    const l = expectStatus(await user.get('/api/v1/me/xp?limit=100'), 200);
    const quest = l.items.filter((x) => x.reason === 'quest');
    assert.equal(quest.length, 1);
    assert.equal(quest[0].amount, 300);
    assert.equal(quest[0].rule, 'quest:starter');
  });

  test('a season publishes its seed hash and reveals the seed', async () => {
    const now = Date.now();
    const body = { slug: 'spring', name: 'Spring', startsAt: new Date(now + 86400000).toISOString(), endsAt: new Date(now + 2 * 86400000).toISOString() };
    expectError(await user.post('/api/v1/seasons', body), 403, 'AUTH003', 'a user creating a season');
    const s = expectStatus(await admin.post('/api/v1/seasons', body), 201);
    assert.match(s.seedHash, /^0x[0-9a-f]{64}$/);
    assert.equal(s.seed, null);
    assert.equal(s.status, 'upcoming');
    expectError(await admin.post('/api/v1/seasons', { ...body, slug: 'overlap' }), 409, 'DATA002', 'an overlapping season');
    const list = expectStatus(await user.get('/api/v1/seasons'), 200);
    assert.equal(list.items[0].seed, null);
    expectError(await admin.post(`/api/v1/seasons/${s.id}/reveal`, {}), 409, 'DATA004', 'revealing before the end');
    const r = expectStatus(await admin.post(`/api/v1/seasons/${s.id}/reveal?force=true`, {}), 200);
    assert.match(r.seed, /^0x[0-9a-f]{64}$/);
    assert.equal(viem.keccak256(r.seed), s.seedHash);
  });
});
