// Pinned for Node 18 and 20 alike: blockstore-core 4.4.1 and ipfs-unixfs-importer 15.4.0, with two
// transitive packages held back (package.json overrides) whose newest releases declare Node 20.
//
// Cross-checks PHEME's CIDs (src/content/cid.c) against an independent implementation:
// ipfs-unixfs-importer + blockstore-core, with the options that make kubo's
// `ipfs add --cid-version 1 --raw-leaves` (fixed chunks of 262144 bytes, balanced layout of at most
// 174 children, raw leaves, a one-chunk file reduced to its leaf).
//
//   node content.mjs                       interop run against $PHEME_BIN (default build/pheme)
//   node content.mjs vectors FILE          writes the unit tests' vectors (tests/data/content/cids.txt)
//
// The interop run goes both ways. Node makes random files (0 B to a few MiB, the chunk and fan-out
// boundaries included), computes their CIDs and has `pheme content add` compute them too (from the
// file, and from standard input in odd-sized pieces). Then PHEME produces: every file it stored is
// read back from its content folder at the path its CID names, and the importer recomputes the CID
// of those bytes. Seeded (CONTENT_SEED) so a failure can be replayed.
import { importer } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import { MemoryBlockstore } from 'blockstore-core/memory';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const CHUNK = 262144;
const LINKS = 174;

export async function cidOf(bytes, chunkSize = CHUNK, maxChildrenPerNode = LINKS) {
  const blockstore = new MemoryBlockstore();
  const options = {
    cidVersion: 1,
    rawLeaves: true,
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize }),
    layout: balanced({ maxChildrenPerNode }),
    wrapWithDirectory: false,
  };
  let last = null;
  for await (const entry of importer([{ content: bytes }], blockstore, options)) last = entry;
  return last.cid.toString();
}

// The vectors' bytes: xorshift32 from a seed, one byte per step. tests/unit/content/test_cid.c
// makes the same bytes.
export function pattern(size, seed) {
  const out = new Uint8Array(size);
  let x = (0x9e3779b9 ^ seed) >>> 0;
  if (x === 0) x = 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

async function writeVectors(file) {
  // [chunk size, fan-out, file size, seed]: kubo's shape at its boundaries, then small shapes
  // whose trees have several levels.
  const cases = [
    [CHUNK, LINKS, 0, 1], [CHUNK, LINKS, 1, 2], [CHUNK, LINKS, 1000, 3],
    [CHUNK, LINKS, CHUNK - 1, 4], [CHUNK, LINKS, CHUNK, 5], [CHUNK, LINKS, CHUNK + 1, 6],
    [CHUNK, LINKS, 2 * CHUNK, 7], [CHUNK, LINKS, 3 * CHUNK + 12345, 8],
    [CHUNK, LINKS, LINKS * CHUNK, 9], [CHUNK, LINKS, LINKS * CHUNK + 1, 10],
    [CHUNK, LINKS, (LINKS + 1) * CHUNK, 11],
    [1024, 4, 4 * 1024, 12], [1024, 4, 4 * 1024 + 1, 13], [1024, 4, 16 * 1024, 14],
    [1024, 4, 16 * 1024 + 1, 15], [1024, 4, 64 * 1024 + 1, 16], [1024, 4, 300 * 1024 + 7, 17],
    [1000, 3, 27 * 1000 + 1, 18], [1000, 3, 81 * 1000, 19], [1000, 3, 100 * 1000 - 1, 20],
    [7, 2, 1000, 21], [7, 2, 7 * 64, 22], [7, 2, 7 * 64 + 1, 23],
    [1, 174, 174 * 174 + 1, 24], [1, 174, 174 * 174, 25], [1, 2, 1, 26], [1, 2, 2, 27],
  ];
  const lines = ['# chunk_size max_links size seed cid — see tests/interop/content/content.mjs (pattern)'];
  for (const [chunk, links, size, seed] of cases) {
    lines.push(`${chunk} ${links} ${size} ${seed} ${await cidOf(pattern(size, seed), chunk, links)}`);
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
  console.log(`wrote ${cases.length} vectors to ${file}`);
}

// A small seeded generator for the interop run (mulberry32).
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pheme(bin, args, input) {
  const r = spawnSync(bin, args, { input, maxBuffer: 1 << 20, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pheme ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout.trim().split('\n').pop();
}

async function interop() {
  const bin = process.env.PHEME_BIN || path.join(root, 'build', 'pheme');
  const seed = Number(process.env.CONTENT_SEED || Math.floor(Math.random() * 2 ** 31));
  console.log(`content interop: ${bin}, seed ${seed} (CONTENT_SEED=${seed} replays)`);
  const rand = rng(seed);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pheme-content-interop-'));
  const flags = ['--database', `sqlite:${work}/pheme.db`, '--content-dir', `${work}/content`, '--log-level', 'warn'];
  const sizes = [0, 1, 2, 100, 4096, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK - 1, 2 * CHUNK, 2 * CHUNK + 1,
    10 * CHUNK, 10 * CHUNK + 17];
  for (let i = 0; i < 24; i++) sizes.push(Math.floor(rand() * 4 * 1024 * 1024));
  let failures = 0;
  const stored = [];
  try {
    // Node produces, PHEME checks
    for (const size of sizes) {
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i++) bytes[i] = (rand() * 256) | 0;
      const file = path.join(work, `f-${size}`);
      fs.writeFileSync(file, bytes);
      const want = await cidOf(bytes);
      const got = pheme(bin, ['content', 'add', file, ...flags]);
      // the same bytes through standard input: fread pieces, not the file's
      const piped = pheme(bin, ['content', 'add', '-', '--media-type', 'text/plain', ...flags], Buffer.from(bytes));
      const ok = got === want && piped === want;
      if (!ok) failures++;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${String(size).padStart(8)} bytes: importer ${want}, pheme ${got}, piped ${piped}`);
      stored.push(got);
    }
    // PHEME produces, the importer checks: the bytes PHEME keeps under each CID hash to it
    for (const cid of new Set(stored)) {
      const shard = cid.slice(cid.length - 3, cid.length - 1);
      const file = path.join(work, 'content', shard, cid);
      const again = await cidOf(new Uint8Array(fs.readFileSync(file)));
      const ok = again === cid;
      if (!ok) failures++;
      console.log(`${ok ? 'ok  ' : 'FAIL'} stored ${cid}: importer ${again}`);
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  if (failures) {
    console.error(`content interop: ${failures} mismatch(es); replay with CONTENT_SEED=${seed}`);
    process.exit(1);
  }
  console.log(`content interop: ${sizes.length} files agree both ways`);
}

if (process.argv[2] === 'vectors') {
  await writeVectors(process.argv[3] || path.join(root, 'tests', 'data', 'content', 'cids.txt'));
} else {
  await interop();
}
