// Cross-checks of src/eth against viem, an independent implementation.
//
// For every primitive, at least CASES random cases (default 1000) from a printed seed
// (INTEROP_SEED=<n> to replay), compared byte for byte in both directions: what C produces or
// signs, viem reproduces or verifies; what viem produces or signs, C reproduces or verifies.
// The C side is pheme-ethtool (tests/interop/ethtool.c), one JSON request per line.
//
//   PHEME_ETHTOOL=build/pheme-ethtool INTEROP_SEED=42 node interop.mjs
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  keccak256, getAddress, isAddress, toRlp, fromRlp, encodeAbiParameters, decodeAbiParameters,
  parseAbiParameters, hashTypedData, verifyTypedData, recoverTypedDataAddress, hashMessage,
  verifyMessage, recoverMessageAddress, recoverAddress, parseTransaction,
  recoverTransactionAddress, bytesToHex,
} from 'viem';
import { privateKeyToAccount, sign } from 'viem/accounts';
import { createSiweMessage, parseSiweMessage } from 'viem/siwe';

const TOOL = process.env.PHEME_ETHTOOL;
const CASES = Number(process.env.INTEROP_CASES || 1000);
const SEED = process.env.INTEROP_SEED ? Number(process.env.INTEROP_SEED) : randomBytes(4).readUInt32LE(0);
if (!TOOL) throw new Error('PHEME_ETHTOOL must name the pheme-ethtool binary');
console.log(`interop: seed ${SEED} (replay with INTEROP_SEED=${SEED}), ${CASES} cases per primitive`);

// ---- seeded randomness (xoshiro128**) ----------------------------------------------------
let s0 = SEED ^ 0x9e3779b9, s1 = 0x243f6a88, s2 = 0xb7e15162, s3 = SEED * 2654435761 >>> 0;
function next32() {
  const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
  const t = s1 << 9;
  s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11);
  return r;
}
function rotl(x, k) { return (x << k) | (x >>> (32 - k)); }
for (let i = 0; i < 16; i++) next32();
const int = (n) => n <= 1 ? 0 : Number(BigInt(next32()) * 2n ** 21n % BigInt(n) + BigInt(next32()) % BigInt(n)) % n;
const chance = (p) => next32() / 2 ** 32 < p;
const pick = (a) => a[int(a.length)];
function bytes(n) { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = next32() & 255; return b; }
const hex = (n) => bytesToHex(bytes(n));
function bigBits(bits) { let x = 0n; for (let i = 0; i < bits; i += 32) x = (x << 32n) | BigInt(next32()); return x & ((1n << BigInt(bits)) - 1n); }
function uintOf(bits) { // edges often, random otherwise
  const max = (1n << BigInt(bits)) - 1n;
  return pick([0n, 1n, max, max - 1n, bigBits(bits), bigBits(bits) >> BigInt(int(bits)), bigBits(bits)]);
}
function intOf(bits) {
  const min = -(1n << BigInt(bits - 1)), max = (1n << BigInt(bits - 1)) - 1n;
  const r = bigBits(bits) + min;
  return pick([0n, -1n, 1n, min, max, min + 1n, r, r >> BigInt(int(bits))]);
}
const key = () => { for (;;) { const k = hex(32); if (BigInt(k) > 0n && BigInt(k) < 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n) return k; } };
const address = () => getAddress(hex(20));
const ident = () => pick(['a', 'b', 'X', '_', '$']) + Array.from({ length: int(8) }, () => pick('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_'.split(''))).join('');
function text() {
  const alphabet = ['a', 'Z', '0', ' ', '-', '\u00e9', '\u4e2d', '\ud83d\ude00', '"', '\\', '\n', '\u0000'];
  return Array.from({ length: pick([0, 1, 5, 31, 32, 33, 70]) }, () => pick(alphabet)).join('');
}

// ---- the C side ------------------------------------------------------------------------
function tool(requests) {
  const input = requests.map((r, i) => JSON.stringify({ id: i, ...r })).join('\n') + '\n';
  const out = spawnSync(TOOL, { input, maxBuffer: 1 << 30 });
  if (out.status !== 0) throw new Error(`pheme-ethtool failed: ${out.stderr}`);
  const lines = out.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
  if (lines.length !== requests.length) throw new Error('pheme-ethtool answered a different number of lines');
  return lines;
}

// ---- bookkeeping -----------------------------------------------------------------------
const results = [];
let failed = 0;
function section(name) {
  const s = { name, cases: 0, checks: 0, failures: [] };
  results.push(s);
  return {
    case() { s.cases++; },
    check(ok, what) { s.checks++; if (!ok) { s.failures.push(what()); failed++; } },
  };
}
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const J = (x) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? v.toString() : v));

// ---- Keccak-256 ------------------------------------------------------------------------
{
  const t = section('keccak');
  const lens = [0, 1, 55, 56, 135, 136, 137, 271, 272, 65536];
  const inputs = Array.from({ length: CASES }, (_, i) => hex(i < lens.length ? lens[i] : int(600)));
  inputs.push(bytesToHex(new TextEncoder().encode('abc')), '0x');
  const c = tool(inputs.map((data) => ({ op: 'keccak', data })));
  inputs.forEach((data, i) => {
    t.case();
    t.check(c[i].ok && c[i].hash === keccak256(data), () => `keccak(${data.slice(0, 40)}...): C ${c[i].hash} viem ${keccak256(data)}`);
  });
}

// ---- EIP-55 ----------------------------------------------------------------------------
{
  const t = section('eip55');
  const raw = Array.from({ length: CASES }, () => hex(20));
  const reqs = [];
  const corrupt = raw.map((h) => { // flip the case of one letter of the checksummed form
    const cs = getAddress(h), idx = [...cs].map((ch, i) => (i > 1 && /[a-fA-F]/.test(ch) ? i : -1)).filter((i) => i >= 0);
    if (idx.length < 2) return null;
    const i = pick(idx), ch = cs[i];
    const flipped = cs.slice(0, i) + (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase()) + cs.slice(i + 1);
    const letters = flipped.slice(2).replace(/[0-9]/g, '');
    return letters === letters.toLowerCase() || letters === letters.toUpperCase() ? null : flipped;
  });
  raw.forEach((h, i) => {
    reqs.push({ op: 'address', text: h });
    reqs.push({ op: 'address', text: getAddress(h), strict: true });
    reqs.push({ op: 'address', text: corrupt[i] || getAddress(h) });
  });
  const c = tool(reqs);
  raw.forEach((h, i) => {
    t.case();
    const want = getAddress(h);
    t.check(c[3 * i].ok && c[3 * i].checksum === want, () => `checksum of ${h}: C ${c[3 * i].checksum} viem ${want}`);
    t.check(c[3 * i + 1].ok, () => `C rejects viem's checksum ${want}: ${c[3 * i + 1].error}`);
    if (corrupt[i]) t.check(!c[3 * i + 2].ok && !isAddress(corrupt[i]), () => `bad checksum ${corrupt[i]} accepted`);
  });
}

// ---- RLP -------------------------------------------------------------------------------
{
  const t = section('rlp');
  const edge = [0, 1, 55, 56, 65536];
  function item(depth, forceLen) {
    if (forceLen === undefined && depth < 4 && chance(0.35)) return Array.from({ length: int(5) }, () => item(depth + 1));
    const len = forceLen ?? pick([0, 1, 1, 1, 2, 20, 32, 55, 56, 57, 100, 255, 256, 1024]);
    if (len === 1) return bytesToHex(new Uint8Array([pick([0, 1, 0x7f, 0x80, 0xff, next32() & 255])]));
    return hex(len);
  }
  const trees = Array.from({ length: CASES }, (_, i) => {
    if (i < edge.length) return item(0, edge[i]);
    if (i < 2 * edge.length) return [item(1, edge[i - edge.length]), [item(2), [item(3)]]];
    if (i < 2 * edge.length + 3) return Array.from({ length: [56, 1000, 3][i - 2 * edge.length] }, () => item(3, 1));
    return item(0);
  });
  const viemEnc = trees.map((x) => toRlp(x));
  const c = tool([...trees.map((tree) => ({ op: 'rlp_encode', tree })), ...viemEnc.map((h) => ({ op: 'rlp_decode', hex: h }))]);
  trees.forEach((tree, i) => {
    t.case();
    const enc = c[i], dec = c[trees.length + i];
    t.check(enc.ok && enc.hex === viemEnc[i], () => `rlp encode differs for ${J(tree).slice(0, 80)}`);
    t.check(dec.ok && same(dec.tree, tree), () => `C decode of viem's rlp differs: ${dec.error || ''}`);
    if (enc.ok) t.check(same(fromRlp(enc.hex, 'hex'), tree), () => `viem decode of C's rlp differs`);
  });
}

// ---- ABI -------------------------------------------------------------------------------
{
  const t = section('abi');
  // a type is {s: type string, gen(): value in the tool's JSON form}
  const widths = Array.from({ length: 32 }, (_, i) => 8 * (i + 1));
  function atomic(kind) {
    switch (kind ?? pick(['uint', 'int', 'address', 'bool', 'bytesN', 'bytes', 'string'])) {
      case 'uint': { const b = pick(widths); return { s: `uint${b}`, gen: () => uintOf(b).toString() }; }
      case 'int': { const b = pick(widths); return { s: `int${b}`, gen: () => intOf(b).toString() }; }
      case 'address': return { s: 'address', gen: address };
      case 'bool': return { s: 'bool', gen: () => chance(0.5) };
      case 'bytesN': { const n = 1 + int(32); return { s: `bytes${n}`, gen: () => hex(n) }; }
      case 'bytes': return { s: 'bytes', gen: () => hex(pick([0, 1, 31, 32, 33, 64, 100])) };
      default: return { s: 'string', gen: text };
    }
  }
  function type(depth) {
    if (depth >= 3 || chance(0.45)) return atomic();
    if (chance(0.5)) {
      const parts = Array.from({ length: 1 + int(3) }, () => type(depth + 1));
      return { s: `(${parts.map((p) => p.s).join(',')})`, gen: () => parts.map((p) => p.gen()) };
    }
    const elem = type(depth + 1), fixed = chance(0.5) ? 1 + int(3) : 0;
    return { s: `${elem.s}[${fixed || ''}]`, gen: () => Array.from({ length: fixed || int(4) }, () => elem.gen()) };
  }
  const cases = [];
  for (const w of widths) for (const k of ['uint', 'int']) { // every width, both signs, at the edges
    const b = w, s = `${k}${b}`;
    const vals = k === 'uint' ? [0n, (1n << BigInt(b)) - 1n] : [-(1n << BigInt(b - 1)), (1n << BigInt(b - 1)) - 1n];
    cases.push({ params: [s, `${s}[]`], values: [vals[0].toString(), vals.map(String)] });
  }
  while (cases.length < CASES) {
    const n = 1 + int(4), ts = Array.from({ length: n }, () => type(0));
    if (cases.length % 10 === 0) { // a dynamic array of tuples, nested three deep
      const inner = [type(2), atomic('bytes'), atomic()];
      const tup = { s: `(${inner.map((p) => p.s).join(',')})`, gen: () => inner.map((p) => p.gen()) };
      ts.push({ s: `(${tup.s}[],uint8)[]`, gen: () => Array.from({ length: int(3) }, () => [Array.from({ length: int(3) }, () => tup.gen()), '7']) });
    }
    cases.push({ params: ts.map((x) => x.s), values: ts.map((x) => x.gen()) });
  }
  const toViem = (v) => (Array.isArray(v) ? v.map(toViem) : typeof v === 'string' && /^-?[0-9]+$/.test(v) ? BigInt(v) : v);
  // viem gives integers of up to 48 bits as numbers, wider ones as bigints
  const fromViem = (v) => (Array.isArray(v) ? v.map(fromViem) : typeof v === 'bigint' || typeof v === 'number' ? v.toString() : v);
  const viemHex = cases.map((c) => encodeAbiParameters(parseAbiParameters(c.params.join(', ')), toViem(c.values)));
  const reqs = [];
  cases.forEach((c, i) => {
    const types = `(${c.params.join(',')})`;
    reqs.push({ op: 'abi_encode', types, values: c.values }, { op: 'abi_decode', types, hex: viemHex[i] });
  });
  const out = tool(reqs);
  cases.forEach((c, i) => {
    t.case();
    const enc = out[2 * i], dec = out[2 * i + 1];
    t.check(enc.ok && enc.hex === viemHex[i], () => `abi encode of (${c.params}) differs: ${enc.error || ''}`);
    t.check(dec.ok && same(dec.values, c.values), () => `C decode of viem's abi (${c.params}) differs: ${dec.error || J(dec.values).slice(0, 200)}`);
    if (enc.ok) {
      const back = fromViem(decodeAbiParameters(parseAbiParameters(c.params.join(', ')), enc.hex));
      t.check(same(back, c.values), () => `viem decode of C's abi (${c.params}) differs`);
    }
  });
}

// ---- EIP-712 ---------------------------------------------------------------------------
const eip712Cases = [];
{
  // 1 to 4 struct types; a struct may use structs defined after it (no cycles), as a field,
  // a fixed or dynamic array of them; atomic fields of every kind, arrays of atomics
  function typedData() {
    const n = 1 + int(4), names = [];
    while (names.length < n) { const x = 'T' + ident(); if (!names.includes(x)) names.push(x); }
    const types = {};
    const gens = {};
    for (let i = n - 1; i >= 0; i--) {
      const fields = [], fgen = [];
      const nf = 1 + int(4);
      const used = new Set();
      for (let f = 0; f < nf; f++) {
        let fname; do fname = ident(); while (used.has(fname)); used.add(fname);
        let base, gen;
        if (i < n - 1 && chance(0.4)) {
          const ref = names[i + 1 + int(n - 1 - i)];
          base = ref; gen = () => gens[ref]();
        } else {
          const k = pick(['uint', 'int', 'address', 'bool', 'bytesN', 'bytes', 'string']);
          const b = 8 * (1 + int(32)), nb = 1 + int(32);
          ({ base, gen } = {
            uint: { base: `uint${b}`, gen: () => uintOf(b).toString() }, int: { base: `int${b}`, gen: () => intOf(b).toString() },
            address: { base: 'address', gen: address }, bool: { base: 'bool', gen: () => chance(0.5) },
            bytesN: { base: `bytes${nb}`, gen: () => hex(nb) }, bytes: { base: 'bytes', gen: () => hex(int(70)) },
            string: { base: 'string', gen: text },
          }[k]);
        }
        let type = base, g = gen;
        if (chance(0.3)) { const k = chance(0.5) ? 1 + int(3) : 0; const inner = g; type = `${base}[${k || ''}]`; g = () => Array.from({ length: k || int(4) }, inner); }
        if (chance(0.1)) { const inner = g; type = `${type}[]`; g = () => Array.from({ length: int(3) }, inner); }
        fields.push({ name: fname, type }); fgen.push([fname, g]);
      }
      types[names[i]] = fields;
      gens[names[i]] = () => Object.fromEntries(fgen.map(([k, g]) => [k, g()]));
    }
    const domain = {};
    if (chance(0.8)) domain.name = text().replace(/\u0000/g, '') || 'PHEME';
    if (chance(0.7)) domain.version = String(1 + int(9));
    if (chance(0.8)) domain.chainId = pick([1, 8453, 31337, 2 ** 53 - 1]);
    if (chance(0.7)) domain.verifyingContract = address();
    if (chance(0.3)) domain.salt = hex(32);
    return { types, primaryType: names[0], domain, message: gens[names[0]]() };
  }
  for (let i = 0; i < CASES; i++) eip712Cases.push({ typed: typedData(), key: key() });
}
function viemTyped(typed) {
  const conv = (type, v) => {
    const arr = type.match(/^(.*)\[(\d*)\]$/);
    if (arr) return v.map((x) => conv(arr[1], x));
    if (typed.types[type]) return Object.fromEntries(typed.types[type].map((f) => [f.name, conv(f.type, v[f.name])]));
    if (/^u?int/.test(type)) return BigInt(v);
    return v;
  };
  return { types: typed.types, primaryType: typed.primaryType, domain: typed.domain, message: conv(typed.primaryType, typed.message) };
}
{
  const t = section('eip712');
  const reqs = [];
  const viemSigs = [];
  for (const [i, { typed, key: k }] of eip712Cases.entries()) {
    // half the cases hand C an explicit EIP712Domain type, half let it derive one
    const cTyped = i % 2 ? { ...typed, types: { EIP712Domain: deriveDomainType(typed.domain), ...typed.types } } : typed;
    const acct = privateKeyToAccount(k);
    viemSigs.push(await acct.signTypedData(viemTyped(typed)));
    reqs.push({ op: 'eip712_sign', typed: cTyped, key: k }, { op: 'eip712_recover', typed: cTyped, signature: viemSigs[i] });
  }
  const out = tool(reqs);
  const checks = eip712Cases.map(async ({ typed, key: k }, i) => {
    t.case();
    const s = out[2 * i], r = out[2 * i + 1], vt = viemTyped(typed), addr = privateKeyToAccount(k).address;
    t.check(s.ok && s.digest === hashTypedData(vt), () => `eip712 digest differs: ${s.error || ''} ${J(typed).slice(0, 300)}`);
    t.check(s.ok && s.signature === viemSigs[i], () => `eip712 signature differs from viem's`);
    if (s.ok) t.check(await verifyTypedData({ address: addr, ...vt, signature: s.signature }), () => `viem rejects C's eip712 signature`);
    t.check(r.ok && r.address === addr, () => `C recovers ${r.address || r.error} from viem's eip712 signature, expected ${addr}`);
  });
  await Promise.all(checks);
}
function deriveDomainType(d) {
  return [['name', 'string'], ['version', 'string'], ['chainId', 'uint256'], ['verifyingContract', 'address'], ['salt', 'bytes32']]
    .filter(([k]) => d[k] !== undefined).map(([name, type]) => ({ name, type }));
}

// ---- secp256k1: raw hashes, the high-s twin ------------------------------------------------
{
  const t = section('secp256k1');
  const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const cases = Array.from({ length: CASES }, () => ({ hash: hex(32), key: key() }));
  const viemSigs = await Promise.all(cases.map((c) => sign({ hash: c.hash, privateKey: c.key, to: 'hex' })));
  const twin = (sig) => { // s -> n - s, v flipped
    const r = sig.slice(2, 66), s = BigInt('0x' + sig.slice(66, 130)), v = parseInt(sig.slice(130), 16);
    return `0x${r}${(N - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}`;
  };
  const reqs = [];
  cases.forEach((c, i) => reqs.push({ op: 'sign_hash', hash: c.hash, key: c.key }, { op: 'recover_hash', hash: c.hash, signature: viemSigs[i] },
    { op: 'recover_hash', hash: c.hash, signature: twin(viemSigs[i]) }, { op: 'address_of', key: c.key }));
  const out = tool(reqs);
  await Promise.all(cases.map(async (c, i) => {
    t.case();
    const [s, r, tw, a] = out.slice(4 * i, 4 * i + 4), addr = privateKeyToAccount(c.key).address;
    t.check(a.ok && a.address === addr, () => `address of key differs: C ${a.address} viem ${addr}`);
    t.check(s.ok && s.signature === viemSigs[i], () => `signature of ${c.hash} differs: C ${s.signature} viem ${viemSigs[i]}`);
    if (s.ok) t.check(await recoverAddress({ hash: c.hash, signature: s.signature }) === addr, () => `viem recovers another address from C's signature`);
    t.check(r.ok && r.address === addr, () => `C recovers ${r.address || r.error} from viem's signature`);
    t.check(!tw.ok && /high-s/.test(tw.error), () => `C accepted the high-s twin of a signature`);
  }));
}

// ---- EIP-191 ---------------------------------------------------------------------------
{
  const t = section('eip191');
  const cases = Array.from({ length: CASES }, (_, i) => ({ message: hex(i < 3 ? [0, 9, 10][i] : pick([1, 5, 32, 99, 100, 200, int(300)])), key: key() }));
  const viemSigs = await Promise.all(cases.map((c) => privateKeyToAccount(c.key).signMessage({ message: { raw: c.message } })));
  const reqs = [];
  cases.forEach((c, i) => reqs.push({ op: 'eip191_sign', message: c.message, key: c.key }, { op: 'eip191_recover', message: c.message, signature: viemSigs[i] }));
  const out = tool(reqs);
  await Promise.all(cases.map(async (c, i) => {
    t.case();
    const s = out[2 * i], r = out[2 * i + 1], addr = privateKeyToAccount(c.key).address;
    t.check(s.ok && s.hash === hashMessage({ raw: c.message }), () => `personal_sign hash of ${c.message} differs`);
    t.check(s.ok && s.signature === viemSigs[i], () => `personal_sign signature differs from viem's`);
    if (s.ok) t.check(await verifyMessage({ address: addr, message: { raw: c.message }, signature: s.signature }), () => `viem rejects C's personal_sign signature`);
    t.check(r.ok && r.address === addr && (await recoverMessageAddress({ message: { raw: c.message }, signature: viemSigs[i] })) === addr,
      () => `C recovers ${r.address || r.error} from viem's personal_sign signature`);
  }));
}

// ---- transactions ----------------------------------------------------------------------
{
  const t = section('tx');
  const MAX256 = (1n << 256n) - 1n, MAX64 = (1n << 64n) - 1n, MAXSAFE = 2 ** 53 - 1;
  function txCase(i) {
    const legacy = i % 2 === 1, extreme = i % 7; // 0: all zero, 1: all maximal, else random
    const amount = (bits) => extreme === 0 ? 0n : extreme === 1 ? (1n << BigInt(bits)) - 1n : uintOf(bits);
    const tx = {
      type: legacy ? 'legacy' : 'eip1559',
      chainId: extreme === 1 ? MAXSAFE : pick([1, 10, 8453, 31337, 1 + int(2 ** 31)]),
      nonce: extreme === 0 ? 0 : extreme === 1 ? MAXSAFE : pick([0, 1, int(1000000)]),
      gas: extreme === 0 ? 0n : extreme === 1 ? MAX64 : pick([21000n, BigInt(int(30000000))]),
      to: chance(0.15) ? null : address(),
      value: amount(256),
      data: hex(extreme === 1 ? 300 : pick([0, 0, 4, 36, 100])),
    };
    if (legacy) tx.gasPrice = amount(256);
    else {
      tx.maxFeePerGas = amount(256);
      tx.maxPriorityFeePerGas = extreme <= 1 ? tx.maxFeePerGas : tx.maxFeePerGas >> BigInt(int(256));
      tx.accessList = Array.from({ length: extreme === 0 ? 0 : extreme === 1 ? 3 : int(3) }, () => ({
        address: address(), storageKeys: Array.from({ length: int(4) }, () => hex(32)),
      }));
    }
    return tx;
  }
  const cases = Array.from({ length: CASES }, (_, i) => ({ tx: txCase(i), key: key() }));
  const asTool = (tx) => Object.fromEntries(Object.entries(tx).map(([k, v]) => [k, typeof v === 'bigint' || typeof v === 'number' ? String(v) : v]));
  const asViem = (tx) => ({ ...tx, to: tx.to ?? undefined, data: tx.data === '0x' ? undefined : tx.data });
  const viemRaw = await Promise.all(cases.map((c) => privateKeyToAccount(c.key).signTransaction(asViem(c.tx))));
  const reqs = [];
  cases.forEach((c, i) => reqs.push({ op: 'tx_sign', tx: asTool(c.tx), key: c.key }, { op: 'tx_decode', raw: viemRaw[i] }));
  const out = tool(reqs);
  await Promise.all(cases.map(async (c, i) => {
    t.case();
    const s = out[2 * i], d = out[2 * i + 1], addr = privateKeyToAccount(c.key).address;
    const want = asTool(c.tx);
    if (want.to) want.to = getAddress(want.to);
    t.check(s.ok && s.raw === viemRaw[i], () => `signed ${c.tx.type} tx differs from viem's: ${s.error || ''} ${J(c.tx).slice(0, 200)}`);
    if (s.ok) {
      t.check(s.hash === keccak256(s.raw) && s.from === addr, () => `tx hash or sender differs`);
      const p = parseTransaction(s.raw);
      const back = { type: p.type, chainId: String(p.chainId), nonce: String(p.nonce ?? 0), gas: String(p.gas ?? 0n), to: p.to ? getAddress(p.to) : null,
        value: String(p.value ?? 0n), data: p.data ?? '0x' };
      if (p.type === 'legacy') back.gasPrice = String(p.gasPrice ?? 0n);
      else Object.assign(back, { maxFeePerGas: String(p.maxFeePerGas ?? 0n), maxPriorityFeePerGas: String(p.maxPriorityFeePerGas ?? 0n), accessList: p.accessList ?? [] });
      const norm = (x) => J(Object.fromEntries(Object.keys(want).sort().map((k) => [k, k === 'accessList' ? x[k].map((e) => ({ address: getAddress(e.address), storageKeys: e.storageKeys })) : x[k]])));
      t.check(norm(back) === norm(want), () => `viem parses C's tx differently: ${norm(back).slice(0, 200)} vs ${norm(want).slice(0, 200)}`);
      t.check(await recoverTransactionAddress({ serializedTransaction: s.raw }) === addr, () => `viem recovers another sender from C's tx`);
    }
    t.check(d.ok && d.from === addr && d.hash === keccak256(viemRaw[i]), () => `C decodes viem's tx to sender ${d.from || d.error}`);
    if (d.ok) {
      const got = Object.fromEntries(Object.keys(want).map((k) => [k, d.tx[k]]));
      t.check(J(got) === J(want), () => `C decodes viem's tx fields differently: ${J(got).slice(0, 200)}`);
    }
  }));
}

// ---- SIWE ------------------------------------------------------------------------------
{
  const t = section('siwe');
  const label = () => pick(['a', 'x1', 'pheme', 'sub-domain', 'w3']) + (chance(0.5) ? String(int(100)) : '');
  const host = () => pick([
    () => `${label()}.${pick(['com', 'io', 'org', 'xyz'])}`,
    () => `${label()}.${label()}.${pick(['com', 'dev'])}`,
    () => 'localhost',
    () => `${int(256)}.${int(256)}.${int(256)}.${int(256)}`,
  ])();
  const stmtChars = "abcXYZ019 -._~:/?#[]@!$&'()*+,;=".split('');
  const pchar = "abcXYZ019-._~!$&'()*+,;=:@".split('');
  const date = () => new Date(pick([0, 1, 999, 1633019124000, Date.UTC(2024, 1, 29, 23, 59, 59, 999), 1e12 + int(2 ** 31) * 1000 + int(1000), 253402300799999]));
  function fields() {
    const domain = host() + (chance(0.5) ? `:${int(65536)}` : '');
    const f = {
      domain, address: address(), uri: `${pick(['https', 'http'])}://${domain}/${pick(['', 'login', 'a/b?c=d', 'x#frag'])}`,
      version: '1', chainId: pick([1, 10, 8453, 31337, 2 ** 53 - 1, 1 + int(2 ** 31)]),
      nonce: Array.from({ length: 8 + int(17) }, () => pick('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split(''))).join(''),
      issuedAt: date(),
    };
    if (chance(0.5)) f.scheme = pick(['https', 'http', 'web+pheme']);
    if (chance(0.7)) f.statement = Array.from({ length: 1 + int(80) }, () => pick(stmtChars)).join('').replace(/^ +| +$/g, 'x');
    if (chance(0.4)) f.expirationTime = date();
    if (chance(0.4)) f.notBefore = date();
    if (chance(0.4)) f.requestId = Array.from({ length: 1 + int(20) }, () => pick(pchar)).join('');
    if (chance(0.5)) f.resources = Array.from({ length: int(4) }, () => pick(['ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/', `https://${host()}/r${int(99)}`, 'urn:pheme:badge:7']));
    return f;
  }
  const cases = Array.from({ length: CASES }, fields);
  const asTool = (f) => Object.fromEntries(Object.entries(f).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]));
  const messages = cases.map((f) => createSiweMessage(f));
  const reqs = [];
  cases.forEach((f, i) => reqs.push({ op: 'siwe_render', fields: asTool(f) }, { op: 'siwe_parse', message: messages[i] }));
  const out = tool(reqs);
  cases.forEach((f, i) => {
    t.case();
    const r = out[2 * i], p = out[2 * i + 1];
    t.check(r.ok && r.message === messages[i], () => `C renders differently from viem: ${r.error || J(r.message)} vs ${J(messages[i])}`);
    t.check(p.ok && p.rendered === messages[i], () => `C cannot parse/re-render viem's message: ${p.error || ''} ${J(messages[i])}`);
    if (p.ok) {
      const want = asTool(f);
      const got = { ...p.fields };
      t.check(got.issuedAtMs === f.issuedAt.getTime() && (!f.expirationTime || got.expirationTimeMs === f.expirationTime.getTime()) &&
        (!f.notBefore || got.notBeforeMs === f.notBefore.getTime()), () => `C parses times differently`);
      for (const k of ['issuedAtMs', 'expirationTimeMs', 'notBeforeMs']) delete got[k];
      t.check(J(Object.entries(got).sort()) === J(Object.entries(want).sort()), () => `C parses fields differently: ${J(got)} vs ${J(want)}`);
    }
    if (r.ok) {
      const v = parseSiweMessage(r.message);
      const back = { ...v, issuedAt: v.issuedAt?.toISOString(), expirationTime: v.expirationTime?.toISOString(), notBefore: v.notBefore?.toISOString() };
      for (const k of Object.keys(back)) if (back[k] === undefined) delete back[k];
      const want = asTool(f);
      t.check(J(Object.entries(back).sort()) === J(Object.entries(want).sort()), () => `viem parses C's message differently: ${J(back)} vs ${J(want)}`);
    }
  });
  // a full sign-in: viem signs the message, C recovers the signer through EIP-191
  const n = Math.min(100, CASES), keys = Array.from({ length: n }, key);
  const signed = await Promise.all(keys.map((k, i) => privateKeyToAccount(k).signMessage({ message: messages[i] })));
  const rec = tool(keys.map((k, i) => ({ op: 'eip191_recover', message: bytesToHex(new TextEncoder().encode(messages[i])), signature: signed[i] })));
  keys.forEach((k, i) => t.check(rec[i].ok && rec[i].address === privateKeyToAccount(k).address, () => `sign-in signature not recovered`));
}

// ---- report ----------------------------------------------------------------------------
let passed = 0;
for (const s of results) {
  console.log(`${s.name.padEnd(10)} ${String(s.cases).padStart(5)} cases ${String(s.checks).padStart(6)} checks ${s.failures.length} failed`);
  for (const f of s.failures.slice(0, 5)) console.log(`  - ${f}`);
  passed += s.checks - s.failures.length;
}
console.log(`seed ${SEED}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
