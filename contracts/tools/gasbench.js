#!/usr/bin/env node
// Reads the broadcast log of script/GasBench.s.sol (receipts of real transactions on a local
// anvil), prints transaction gas used for each measured operation and checks the targets:
//   Skill Wallet mint            <= 2.0 x plain OpenZeppelin ERC-721 mint   (medians)
//   badge voucher claim          <= 2.3 x plain OpenZeppelin ERC-1155 mint  (medians, after the id's first mint)
//   oracle round listing 100 users, 5 signatures: first <= 7,500,000, later rounds <= 4,200,000
//     (each listed user also writes its recorded round: +22k the first time, +5k later)
//   oracle root-only round (large epochs), 5 signatures: <= 200,000
//   recordScores, 100 people with 20-node proofs (a 1,048,576-person tree): <= 95,000 per person
//     never recorded, <= 60,000 per person recorded before (the server's gas limit per person is
//     90,000 + 700 per proof node: src/reputation/round.c)
// Usage: node tools/gasbench.js BROADCAST_JSON [--markdown FILE] ; exit 1 when a target is missed.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');

function selectors(file, contract) {
  const j = JSON.parse(fs.readFileSync(path.join(root, 'out', file, `${contract}.json`), 'utf8'));
  return j.methodIdentifiers;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : Math.round((s[m - 1] + s[m]) / 2);
}

function main() {
  const [file, flag, mdPath] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: gasbench.js BROADCAST_JSON [--markdown FILE]\n');
    return 2;
  }
  const run = JSON.parse(fs.readFileSync(file, 'utf8'));
  const gasOf = new Map(run.receipts.map((r) => [r.transactionHash.toLowerCase(), parseInt(r.gasUsed, 16)]));
  const created = new Map();
  for (const t of run.transactions) {
    if (t.transactionType === 'CREATE' && t.contractName) created.set(t.contractName, t.contractAddress.toLowerCase());
  }
  const sw = selectors('SkillWallet.sol', 'SkillWallet');
  const bd = selectors('PhemeBadges.sol', 'PhemeBadges');
  const ro = selectors('ReputationOracle.sol', 'ReputationOracle');
  const b721 = selectors('Baselines.sol', 'BaselineERC721');
  const b1155 = selectors('Baselines.sol', 'BaselineERC1155');

  const calls = run.transactions
    .filter((t) => t.transactionType === 'CALL')
    .map((t) => ({
      to: (t.transaction.to || '').toLowerCase(),
      sel: (t.transaction.input || t.transaction.data || '').slice(2, 10),
      gas: gasOf.get(t.hash.toLowerCase()),
    }));
  const pick = (pred) => calls.filter(pred).map((c) => c.gas);
  const a721 = created.get('BaselineERC721');
  const a1155 = created.get('BaselineERC1155');
  if (!a721 || !a1155) throw new Error('baseline contracts not found in the broadcast log');

  const walletMints = pick((c) => c.sel === sw['mintFor(address)']);
  const plainMints = pick((c) => c.to === a721 && c.sel === b721['mint(address)']);
  const claims = pick((c) => c.sel === bd['claim((address,uint256,uint256,uint256,uint256),bytes)']);
  const plain1155 = pick((c) => c.to === a1155 && c.sel === b1155['mint(address,uint256,uint256)']).slice(1);
  const allRounds = pick((c) => c.sel === ro['submitRound(uint256,bytes32,address[],uint8[],bytes[])']);
  const rounds = allRounds.slice(0, 3);
  const rootRounds = allRounds.slice(3);
  const records = pick((c) => c.sel === ro['recordScores(uint256,address[],uint8[],bytes32[][])']);

  if (walletMints.length < 10 || plainMints.length < 10 || claims.length < 10 || plain1155.length < 10 || rounds.length < 2 ||
      rootRounds.length < 1 || records.length < 2) {
    throw new Error('too few measured transactions in the broadcast log');
  }
  if ([...walletMints, ...plainMints, ...claims, ...plain1155, ...allRounds, ...records].some((g) => !Number.isFinite(g))) {
    throw new Error('a measured transaction has no receipt');
  }

  const mW = median(walletMints);
  const m721 = median(plainMints);
  const mC = median(claims);
  const m1155 = median(plain1155);
  const later = rounds.slice(1);
  const checks = [
    ['Skill Wallet mint (median of ' + walletMints.length + ')', mW, 'plain ERC-721 mint ' + m721, mW / m721, mW <= 2 * m721, '<= 2.0x'],
    ['Badge voucher claim (median of ' + claims.length + ')', mC, 'plain ERC-1155 mint ' + m1155, mC / m1155, mC <= 2.3 * m1155, '<= 2.3x'],
    ['Oracle round 1: 100 users, 5 signatures', rounds[0], 'limit 7,500,000', rounds[0] / 7_500_000, rounds[0] <= 7_500_000, '<= 7,500,000'],
    ...later.map((g, i) => [
      `Oracle round ${i + 2}: 100 users, 5 signatures`, g, 'limit 4,200,000', g / 4_200_000, g <= 4_200_000, '<= 4,200,000',
    ]),
    ['Oracle root-only round, 5 signatures', rootRounds[0], 'limit 200,000', rootRounds[0] / 200_000, rootRounds[0] <= 200_000, '<= 200,000'],
    ['recordScores, 100 new people, 20-node proofs: per person', Math.round(records[0] / 100), 'limit 95,000', records[0] / 100 / 95_000, records[0] / 100 <= 95_000, '<= 95,000'],
    ['recordScores, 100 people again, 20-node proofs: per person', Math.round(records[1] / 100), 'limit 60,000', records[1] / 100 / 60_000, records[1] / 100 <= 60_000, '<= 60,000'],
  ];
  const lines = [];
  lines.push('| operation | tx gas used | reference | ratio | target | result |');
  lines.push('|---|---:|---|---:|---|---|');
  for (const [op, gas, ref, ratio, ok, target] of checks) {
    lines.push(`| ${op} | ${gas.toLocaleString('en-US')} | ${ref} | ${ratio.toFixed(2)} | ${target} | ${ok ? 'pass' : 'FAIL'} |`);
  }
  console.log(lines.join('\n'));
  const failed = checks.filter((c) => !c[4]).length;
  console.log(`gasbench: ${checks.length - failed} passed, ${failed} failed`);
  if (flag === '--markdown' && mdPath) {
    const detail = [
      '',
      `Skill Wallet mints: ${walletMints.join(', ')}`,
      `plain ERC-721 mints: ${plainMints.join(', ')}`,
      `voucher claims: ${claims.join(', ')}`,
      `plain ERC-1155 mints (after the id's first): ${plain1155.join(', ')}`,
      `oracle rounds: ${allRounds.join(', ')} (the last ones root-only)`,
      `recordScores transactions (100 people each): ${records.join(', ')}`,
    ];
    fs.writeFileSync(mdPath, lines.join('\n') + '\n' + detail.join('\n') + '\n');
  }
  return failed ? 1 : 0;
}

process.exitCode = main();
