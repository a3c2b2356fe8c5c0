#!/usr/bin/env node
// Export or check contracts/artifacts/: one JSON per deployable contract with its ABI, creation
// bytecode and runtime bytecode, taken from forge's out/ directory.
//   node tools/artifacts.js export   rewrite artifacts/ from out/
//   node tools/artifacts.js check    exit 1 unless artifacts/ equals what out/ gives
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const out = path.join(root, 'out');
const dir = path.join(root, 'artifacts');

// [artifact name, source file name in out/, contract name]
const CONTRACTS = [
  ['PhemeToken', 'PhemeToken.sol', 'PhemeToken'],
  ['PhemeVesting', 'PhemeVesting.sol', 'PhemeVesting'],
  ['PhemeStaking', 'PhemeStaking.sol', 'PhemeStaking'],
  ['RewardDistributor', 'RewardDistributor.sol', 'RewardDistributor'],
  ['PhemeGovernor', 'PhemeGovernor.sol', 'PhemeGovernor'],
  ['SkillWallet', 'SkillWallet.sol', 'SkillWallet'],
  ['PhemeBadges', 'PhemeBadges.sol', 'PhemeBadges'],
  ['ReputationOracle', 'ReputationOracle.sol', 'ReputationOracle'],
  ['ValidatorRegistry', 'ValidatorRegistry.sol', 'ValidatorRegistry'],
  ['TimelockController', 'TimelockController.sol', 'TimelockController'],
  ['ERC1967Proxy', 'ERC1967Proxy.sol', 'ERC1967Proxy'],
];

function render([name, file, contract]) {
  const src = path.join(out, file, `${contract}.json`);
  if (!fs.existsSync(src)) throw new Error(`missing build output ${path.relative(root, src)}: run forge build`);
  const j = JSON.parse(fs.readFileSync(src, 'utf8'));
  const art = {
    contractName: name,
    abi: j.abi,
    bytecode: j.bytecode.object,
    deployedBytecode: j.deployedBytecode.object,
  };
  if (Object.keys(j.bytecode.linkReferences || {}).length) throw new Error(`${name} needs linking`);
  return JSON.stringify(art, null, 2) + '\n';
}

function main() {
  const mode = process.argv[2];
  if (mode !== 'export' && mode !== 'check') {
    process.stderr.write('usage: artifacts.js export|check\n');
    return 2;
  }
  const want = new Map(CONTRACTS.map((c) => [`${c[0]}.json`, render(c)]));
  if (mode === 'export') {
    fs.mkdirSync(dir, { recursive: true });
    for (const f of fs.readdirSync(dir)) if (f.endsWith('.json') && !want.has(f)) fs.unlinkSync(path.join(dir, f));
    for (const [f, text] of want) fs.writeFileSync(path.join(dir, f), text);
    console.log(`artifacts: wrote ${want.size} files to ${path.relative(process.cwd(), dir) || '.'}`);
    return 0;
  }
  const bad = [];
  for (const [f, text] of want) {
    const p = path.join(dir, f);
    if (!fs.existsSync(p) || fs.readFileSync(p, 'utf8') !== text) bad.push(f);
  }
  if (fs.existsSync(dir)) {
    for (const f of fs.readdirSync(dir)) if (f.endsWith('.json') && !want.has(f)) bad.push(`${f} (not produced by the build)`);
  }
  if (bad.length) {
    console.log(`artifacts: ${bad.length} differ from the fresh build: ${bad.join(', ')}`);
    console.log('artifacts: run `scripts/contracts.sh artifacts` and commit contracts/artifacts/');
    return 1;
  }
  console.log(`artifacts: all ${want.size} committed artifacts equal the fresh build`);
  return 0;
}

process.exitCode = main();
