// Reputation over HTTP (docs/reputation.md): endorsements and their refusals (REP001 self, REP002
// unknown skill, REP003 duplicate), the recompute job an endorsement enqueues giving an endorsed
// person a score through EigenTrust from a seed (the admin), the receipt (explain) that
// `pheme reputation verify` reproduces exactly and refuses once changed, history, batch lookups in
// order with unknown people at zero, the wallet view, and an epoch's proof recomputed here with
// viem's keccak to the root.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import {
  ADDR, WORK, castKeys, expectError, expectStatus, freshDatabase, runPheme, sleep, startServer,
} from './lib/harness.mjs';

const requireAuth = createRequire(new URL('../auth/package.json', import.meta.url));
const viem = await import(requireAuth.resolve('viem'));

describe('reputation', () => {
  let srv; let db; let keys; let admin; let user; let user2;

  before(async () => {
    db = await freshDatabase('reputation');
    keys = await castKeys(db);
    srv = await startServer({ db, name: 'reputation', args: ['--jobs-poll-ms', '50'] });
    admin = srv.client(keys.admin.key);
    user = srv.client(keys.user.key);
    user2 = srv.client(keys.user2.key);
    // the admin's account holds the admin role (a pre-trusted seed of EigenTrust)
    expectStatus(await admin.post(`/api/v1/admin/users/${ADDR.admin}/roles`, { role: 'admin' }), 200);
  });

  after(async () => { if (srv) await srv.stop(); });

  test('endorsements are refused with their codes', async () => {
    expectError(await user.post('/api/v1/endorsements', { address: ADDR.user, skill: 'smart-contracts' }), 422, 'REP001', 'self');
    expectError(await user.post('/api/v1/endorsements', { address: ADDR.user2, skill: 'no-such-skill' }), 422, 'REP002', 'unknown skill');
    expectError(await user.post('/api/v1/endorsements', { address: '0x9999999999999999999999999999999999999999', skill: 'data' }), 404, 'DATA001', 'nobody');
    const made = expectStatus(await user.post('/api/v1/endorsements', { address: ADDR.user2, skill: 'data' }), 201);
    assert.equal(made.to.toLowerCase(), ADDR.user2);
    assert.equal(made.skill, 'data');
    expectError(await user.post('/api/v1/endorsements', { address: ADDR.user2, skill: 'data' }), 409, 'REP003', 'duplicate');
    expectError(await srv.client().post('/api/v1/endorsements', { address: ADDR.user2, skill: 'data' }), 401, 'AUTH001', 'anonymous');
  });

  test('trust from a seed gives a score; receipts reproduce', async () => {
    expectStatus(await admin.post('/api/v1/endorsements', { address: ADDR.user, skill: 'smart-contracts' }), 201);
    let rep;
    for (let i = 0; i < 200; i++) {
      rep = expectStatus(await user.get(`/api/v1/reputation/${ADDR.user}`), 200);
      if (rep.computed && rep.score > 0) break;
      await sleep(50);
    }
    assert.ok(rep.computed && rep.score > 0, `score after the recompute job: ${JSON.stringify(rep)}`);
    const r2 = expectStatus(await user.get(`/api/v1/reputation/${ADDR.user2}`), 200);
    assert.ok(r2.score > 0, 'trust flows on from an endorsed person');

    const receipt = expectStatus(await user.get(`/api/v1/reputation/${ADDR.user}/explain`), 200);
    assert.equal(receipt.formula, 'rep-1');
    assert.equal(receipt.inputs.endorsements.length, 1);
    assert.ok(receipt.intermediates.all.endorsementPpm > 0);
    assert.equal(receipt.previous.totalUpt, Math.round(rep.score * 1e6));
    assert.ok(Array.isArray(receipt.diff.intermediates));
    const file = path.join(WORK, `receipt-${process.pid}.json`);
    fs.writeFileSync(file, JSON.stringify(receipt));
    const ok = await runPheme(['reputation', 'verify', file, '--database', db.url, '--log-level', 'warn']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^OK: /);
    receipt.inputs.trustPpb += 1000000;
    fs.writeFileSync(file, JSON.stringify(receipt));
    const bad = await runPheme(['reputation', 'verify', file, '--database', db.url, '--log-level', 'warn']);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /^MISMATCH: /);

    const hist = expectStatus(await user.get(`/api/v1/reputation/${ADDR.user}/history`), 200);
    assert.ok(hist.items.length >= 1);
    assert.equal(hist.items[0].score, rep.score);
    assert.equal(hist.items[0].receipt.formula, 'rep-1');

    const wallet = expectStatus(await user.get(`/api/v1/wallets/${ADDR.user}`), 200);
    assert.equal(wallet.reputation.score, rep.score);
  });

  test('batch: one item per address, in order, unknown at zero', async () => {
    const nobody = '0x9999999999999999999999999999999999999999';
    const res = expectStatus(await srv.client().post('/api/v1/reputation/batch',
      { addresses: [ADDR.user, nobody, ADDR.user2, ADDR.user] }), 200);
    assert.equal(res.items.length, 4);
    assert.deepEqual(res.items.map((x) => x.address.toLowerCase()), [ADDR.user, nobody, ADDR.user2, ADDR.user]);
    assert.equal(res.items[1].score, 0);
    assert.equal(res.items[1].known, false);
    assert.ok(res.items[0].known && res.items[0].score > 0);
    assert.equal(res.items[0].score, res.items[3].score);
    const many = Array.from({ length: 10000 }, (_, i) => `0x${i.toString(16).padStart(40, '0')}`);
    const big = expectStatus(await srv.client().post('/api/v1/reputation/batch', { addresses: many }), 200);
    assert.equal(big.items.length, 10000);
    expectError(await srv.client().post('/api/v1/reputation/batch', { addresses: [...many, nobody] }), 400, 'API002', 'over 10,000');
    expectError(await srv.client().post('/api/v1/reputation/batch', { addresses: ['0x12'] }), 400, 'API002', 'not an address');
  });

  test('an epoch proves each score to its root', async () => {
    expectError(await user.get(`/api/v1/reputation/${ADDR.user}/proof`), 404, 'DATA001', 'no epoch yet');
    const r = await runPheme(['reputation', 'epoch', '--database', db.url, '--log-level', 'warn']);
    assert.equal(r.code, 0, r.stderr);
    const root = /root (0x[0-9a-f]{64})/.exec(r.stdout)[1];
    for (const who of [ADDR.user, ADDR.user2, ADDR.admin]) {
      const p = expectStatus(await user.get(`/api/v1/reputation/${who}/proof`), 200);
      assert.equal(p.root, root);
      assert.equal(p.round, 1);
      const rep = expectStatus(await user.get(`/api/v1/reputation/${who}`), 200);
      assert.equal(p.score, Math.round(rep.score));
      let h = viem.keccak256(viem.keccak256(viem.encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [who, BigInt(p.score)])));
      for (const s of p.proof) h = viem.keccak256(BigInt(h) <= BigInt(s) ? viem.concat([h, s]) : viem.concat([s, h]));
      assert.equal(h, root, `proof of ${who}`);
    }
  });
});
