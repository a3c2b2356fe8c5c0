#!/usr/bin/env node
// Bytecode that the C side carries, checked against (or rewritten from) forge's out/ directory:
//   - src/chain/sigcheck.c embeds WalletSignatureCheck's creation code (production: the server
//     sends it in every ERC-6492 eth_call), between the BEGIN/END markers below;
//   - tests/data/sigcheck/TestWalletFactory.hex is the test-only CREATE2 wallet factory that
//     tests/chain/test_sigcheck.c deploys on anvil.
// Committed, so the C build and its tests need no Node or forge; `scripts/contracts.sh test` runs
// `check` after its fresh build, so a change to the Solidity that is not re-exported fails there.
//   node test/wallet/embedded.js check  [--out DIR]   exit 1 unless the committed copies are current
//   node test/wallet/embedded.js export [--out DIR]   rewrite them from DIR (default contracts/out)
'use strict';
const fs = require('fs');
const path = require('path');

const contracts = path.resolve(__dirname, '..', '..');
const repo = path.resolve(contracts, '..');
const BEGIN = '/* BEGIN WalletSignatureCheck creation code (contracts/test/wallet/embedded.js) */';
const END = '/* END WalletSignatureCheck creation code */';

function creationCode(out, file, contract) {
  const src = path.join(out, file, `${contract}.json`);
  if (!fs.existsSync(src)) throw new Error(`missing build output ${src}: run forge build`);
  const j = JSON.parse(fs.readFileSync(src, 'utf8'));
  if (Object.keys(j.bytecode.linkReferences || {}).length) throw new Error(`${contract} needs linking`);
  const hex = j.bytecode.object.replace(/^0x/, '');
  if (!/^[0-9a-f]+$/.test(hex)) throw new Error(`${contract}: creation code is not hex`);
  return hex;
}

// The C text between the markers: a string literal, 128 hex digits a line.
function cBlock(hex) {
  const lines = [];
  for (let i = 0; i < hex.length; i += 128) lines.push(`    "${hex.slice(i, i + 128)}"`);
  return `${BEGIN}\nstatic const char check_code_hex[] =\n${lines.join('\n')};\n${END}`;
}

function targets(out) {
  return [
    {
      file: path.join(repo, 'src/chain/sigcheck.c'),
      render(old) {
        const a = old.indexOf(BEGIN);
        const b = old.indexOf(END);
        if (a < 0 || b < a) throw new Error('src/chain/sigcheck.c has no BEGIN/END markers');
        return old.slice(0, a) + cBlock(creationCode(out, 'WalletSignatureCheck.sol', 'WalletSignatureCheck')) +
          old.slice(b + END.length);
      },
    },
    {
      file: path.join(repo, 'tests/data/sigcheck/TestWalletFactory.hex'),
      render() {
        return `0x${creationCode(out, 'TestWallet.sol', 'TestWalletFactory')}\n`;
      },
    },
  ];
}

function main() {
  const mode = process.argv[2];
  const i = process.argv.indexOf('--out');
  const out = i > 0 ? path.resolve(process.argv[i + 1]) : path.join(contracts, 'out');
  if (mode !== 'export' && mode !== 'check') {
    process.stderr.write('usage: embedded.js check|export [--out DIR]\n');
    return 2;
  }
  const bad = [];
  for (const t of targets(out)) {
    const old = fs.existsSync(t.file) ? fs.readFileSync(t.file, 'utf8') : '';
    const want = t.render(old);
    if (want === old) continue;
    if (mode === 'export') {
      fs.mkdirSync(path.dirname(t.file), { recursive: true });
      fs.writeFileSync(t.file, want);
      console.log(`embedded: wrote ${path.relative(repo, t.file)}`);
    } else {
      bad.push(path.relative(repo, t.file));
    }
  }
  if (bad.length) {
    console.log(`embedded: bytecode in ${bad.join(', ')} differs from the build`);
    console.log('embedded: run `node contracts/test/wallet/embedded.js export` after a build, and commit');
    return 1;
  }
  if (mode === 'check') console.log('embedded: sigcheck bytecode in C and tests/data equals the build');
  return 0;
}

process.exitCode = main();
