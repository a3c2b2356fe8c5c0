// The epoch's Merkle tree (src/reputation/merkle.c, through pheme-merkletool) against
// @openzeppelin/merkle-tree's StandardMerkleTree on random trees from a printed seed: the same
// root, the same leaf hashes and the same proof for every value, and every proof verifies with
// the library's own StandardMerkleTree.verify.
//   PHEME_MERKLETOOL=build/pheme-merkletool INTEROP_SEED=42 node merkle.mjs
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';

const TOOL = process.env.PHEME_MERKLETOOL;
if (!TOOL) throw new Error('PHEME_MERKLETOOL must name the pheme-merkletool binary');
let seed = BigInt(process.env.INTEROP_SEED ?? Math.floor(Math.random() * 2 ** 32));
console.log(`merkle interop seed ${seed}`);
const next = () => { seed = (seed * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n); return seed; };

let trees = 0; let proofs = 0;
for (const n of [1, 2, 3, 5, 8, 13, 64, 100, 1000, 4097]) {
  const values = [];
  for (let i = 0; i < n; i++) {
    let addr = '0x';
    for (let k = 0; k < 5; k++) addr += (next() >> 32n).toString(16).padStart(8, '0');
    values.push([addr, Number(next() % 101n)]);
  }
  const tree = StandardMerkleTree.of(values, ['address', 'uint256']);
  const out = spawnSync(TOOL, { input: values.map(([a, s]) => `${a} ${s}`).join('\n') + '\n', maxBuffer: 1 << 28 });
  assert.equal(out.status, 0, String(out.stderr));
  const c = JSON.parse(String(out.stdout));
  assert.equal(c.root, tree.root, `root of ${n} values`);
  values.forEach((v, i) => {
    assert.equal(c.leaves[i], tree.leafHash(v), `leaf ${i} of ${n}`);
    assert.deepEqual(c.proofs[i], tree.getProof(i), `proof ${i} of ${n}`);
    assert.ok(StandardMerkleTree.verify(c.root, ['address', 'uint256'], v, c.proofs[i]));
    proofs++;
  });
  trees++;
}
console.log(`merkle interop: ${trees} trees, ${proofs} proofs equal @openzeppelin/merkle-tree's`);
