// Cross-check of src/validation/review.c (the validator review, EIP-712) against viem, both ways:
//   viem signs a random review -> the C side's digest equals viem's hashTypedData, its criteria and
//   feedback hashes equal viem's abi encoding, it recovers viem's account and accepts the review for
//   its own submission and round, and refuses it for the next submission id (replay) and round;
//   the C side signs -> viem's verifyTypedData accepts and recoverTypedDataAddress names the key's
//   account, and the signature equals viem's own (both RFC 6979).
// Random cases from a printed seed (REVIEW_SEED=<n> to replay), REVIEW_CASES of them (default 300).
//   PHEME_REVIEWTOOL=build/pheme-reviewtool node review_interop.mjs
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  hashTypedData, verifyTypedData, recoverTypedDataAddress, keccak256, encodeAbiParameters,
  stringToHex, getAddress, bytesToHex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

const TOOL = process.env.PHEME_REVIEWTOOL;
if (!TOOL) throw new Error('PHEME_REVIEWTOOL must name the pheme-reviewtool binary');
const CASES = Number(process.env.REVIEW_CASES || 300);
const SEED = process.env.REVIEW_SEED ? Number(process.env.REVIEW_SEED) : randomBytes(4).readUInt32LE(0);
console.log(`review interop: seed ${SEED} (replay with REVIEW_SEED=${SEED}), ${CASES} cases each way`);

let st = BigInt(SEED) | 1n;
const next = () => { st ^= (st << 13n) & 0xffffffffffffffffn; st ^= st >> 7n; st ^= (st << 17n) & 0xffffffffffffffffn; return st; };
const int = (n) => Number(next() % BigInt(n));
const bytes = (n) => { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = int(256); return b; };
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const key = () => { for (;;) { const k = bytesToHex(bytes(32)); if (BigInt(k) > 0n && BigInt(k) < N) return k; } };
const pick = (a) => a[int(a.length)];
const text = () => Array.from({ length: pick([0, 1, 7, 40, 200]) }, () => pick(['a', 'Z', ' ', '\n', '"', '\\', '\u00e9', '\u4e2d', '\ud83d\ude00', '0'])).join('');

const types = { Review: [
  { name: 'submissionId', type: 'uint256' }, { name: 'round', type: 'uint256' },
  { name: 'validator', type: 'address' }, { name: 'score', type: 'uint8' },
  { name: 'criteriaHash', type: 'bytes32' }, { name: 'feedbackHash', type: 'bytes32' }] };

function makeCase() {
  const acct = privateKeyToAccount(key());
  const domain = { name: 'PhemeValidatorRegistry', version: '1', chainId: pick([1, 8453, 84532, 31337, 1 + int(2 ** 31)]), verifyingContract: getAddress(bytesToHex(bytes(20))) };
  const criteria = [];
  let id = int(5);
  for (let i = 0, n = int(11); i < n; i++) { criteria.push({ id, score: int(101) }); id += 1 + pick([0, 1, 1000, 2 ** 40]); }
  const feedback = text();
  const submissionId = pick([0, 1, 12, int(2 ** 31), 2 ** 53 - 1 - int(1000)]);
  const round = pick([0, 0, 1, int(1001)]);
  const score = int(101);
  const criteriaHash = keccak256(encodeAbiParameters([{ type: 'uint256[]' }, { type: 'uint8[]' }], [criteria.map((c) => BigInt(c.id)), criteria.map((c) => c.score)]));
  const feedbackHash = keccak256(stringToHex(feedback));
  const message = { submissionId: BigInt(submissionId), round: BigInt(round), validator: acct.address, score, criteriaHash, feedbackHash };
  const body = { submissionId, round, validator: pick([acct.address, acct.address.toLowerCase()]), score, criteria, feedback };
  return { acct, domain, message, body, criteriaHash, feedbackHash };
}

function tool(reqs) {
  const out = spawnSync(TOOL, { input: reqs.map((r) => JSON.stringify(r)).join('\n') + '\n', maxBuffer: 1 << 28 });
  if (out.status !== 0) throw new Error(`pheme-reviewtool failed: ${out.stderr}`);
  return out.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
}

let failed = 0;
const fail = (what) => { failed++; if (failed <= 20) console.log(`FAIL ${what}`); };

// viem signs, C checks
const cases = [];
for (let i = 0; i < CASES; i++) {
  const c = makeCase();
  c.digest = hashTypedData({ domain: c.domain, types, primaryType: 'Review', message: c.message });
  c.signature = await c.acct.signTypedData({ domain: c.domain, types, primaryType: 'Review', message: c.message });
  cases.push(c);
}
const base = (c) => ({ chainId: c.domain.chainId, verifyingContract: c.domain.verifyingContract, body: { ...c.body, signature: c.signature } });
const reqs = cases.flatMap((c) => [
  { op: 'check', ...base(c), submissionId: c.body.submissionId, round: c.body.round },
  { op: 'check', ...base(c), submissionId: c.body.submissionId + 1, round: c.body.round },
  { op: 'check', ...base(c), submissionId: c.body.submissionId, round: c.body.round + 1 },
]);
const ans = tool(reqs);
cases.forEach((c, i) => {
  const [ok, otherSub, otherRound] = ans.slice(3 * i, 3 * i + 3);
  if (ok.error) return fail(`case ${i}: C refused viem's body: ${ok.error}`);
  if (ok.digest !== c.digest) fail(`case ${i}: digest C ${ok.digest} viem ${c.digest}`);
  if (ok.criteriaHash !== c.criteriaHash) fail(`case ${i}: criteriaHash differs`);
  if (ok.feedbackHash !== c.feedbackHash) fail(`case ${i}: feedbackHash differs`);
  if (ok.signer !== c.acct.address) fail(`case ${i}: C recovered ${ok.signer}, viem signed with ${c.acct.address}`);
  if (ok.verify !== 'ok') fail(`case ${i}: C refused a good review: ${ok.verify}`);
  if (otherSub.verify === 'ok' || otherSub.code !== 'DATA003') fail(`case ${i}: review accepted for another submission`);
  if (otherRound.verify === 'ok') fail(`case ${i}: review accepted for another round`);
});
// a body relabelled for another submission under the same signature recovers someone else
const relabel = tool(cases.slice(0, 50).map((c) => ({ op: 'check', ...base(c), body: { ...base(c).body, submissionId: c.body.submissionId + 1 }, submissionId: c.body.submissionId + 1, round: c.body.round })));
relabel.forEach((a, i) => { if (a.error || a.verify === 'ok' || a.code !== 'AUTH002') fail(`relabel ${i}: replayed signature not refused as a bad signature (${a.error || a.verify})`); });

// C signs, viem verifies
const placeholder = '0x' + '00'.repeat(64) + '1b';
const keyed = []; // fresh cases whose keys we keep
for (let i = 0; i < CASES; i++) { const k = key(); const c = makeCase(); c.key = k; c.acct = privateKeyToAccount(k); c.message.validator = c.acct.address; c.body.validator = c.acct.address; keyed.push(c); }
const cs = tool(keyed.map((c) => ({ op: 'sign', chainId: c.domain.chainId, verifyingContract: c.domain.verifyingContract, body: { ...c.body, signature: placeholder }, key: c.key })));
for (let i = 0; i < CASES; i++) {
  const c = keyed[i], a = cs[i];
  if (a.error) { fail(`sign ${i}: ${a.error}`); continue; }
  const args = { domain: c.domain, types, primaryType: 'Review', message: c.message };
  if (a.digest !== hashTypedData(args)) fail(`sign ${i}: digest differs`);
  if (!(await verifyTypedData({ address: c.acct.address, ...args, signature: a.signature }))) fail(`sign ${i}: viem rejects C's signature`);
  if ((await recoverTypedDataAddress({ ...args, signature: a.signature })) !== c.acct.address) fail(`sign ${i}: viem recovers someone else`);
  if ((await c.acct.signTypedData(args)) !== a.signature) fail(`sign ${i}: C's signature differs from viem's (RFC 6979)`);
}
console.log(`review interop: ${CASES} viem-signed reviews checked by C (+${CASES * 2} replays refused, 50 relabelled), ${CASES} C-signed reviews checked by viem; ${failed} failures`);
process.exit(failed ? 1 : 0);
