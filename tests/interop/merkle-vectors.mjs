// Writes tests/data/reputation/merkle.json: trees of (address, uint256 score) values built by
// @openzeppelin/merkle-tree's StandardMerkleTree, with every proof. tests/unit/reputation/
// test_merkle.c builds the same trees with src/reputation/merkle.c and must match them exactly.
// Values come from a seeded generator so the file is reproducible: node merkle-vectors.mjs [SEED]
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { writeFileSync } from "node:fs";

let seed = BigInt(process.argv[2] ?? 20261207);
const next = () => { seed = (seed * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n); return seed; };
const cases = [];
for (const n of [1, 2, 3, 4, 5, 7, 8, 16, 33, 100, 257]) {
  const values = [];
  for (let i = 0; i < n; i++) {
    let addr = "0x";
    for (let k = 0; k < 5; k++) addr += (next() >> 32n).toString(16).padStart(8, "0");
    values.push([addr, Number(next() % 101n)]);
  }
  const tree = StandardMerkleTree.of(values, ["address", "uint256"]);
  cases.push({
    values,
    root: tree.root,
    leaves: values.map((v) => tree.leafHash(v)),
    proofs: values.map((_, i) => tree.getProof(i)),
  });
}
const out = new URL("../data/reputation/merkle.json", import.meta.url);
writeFileSync(out, JSON.stringify({ generator: "tests/interop/merkle-vectors.mjs", cases }, null, 1) + "\n");
console.log(`wrote ${cases.length} trees to ${out.pathname}`);
