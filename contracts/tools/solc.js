#!/usr/bin/env node
// PHEME: make the npm `solc` package (solcjs, the Emscripten build) answer like the native solc
// command line, as far as forge uses it:
//   solc --version                 -> last line "Version: <x.y.z>+commit.<hash>.Linux.g++"
//   solc [--base-path P] [--include-path P]... [--allow-paths P,P] --standard-json [file]
//                                  -> compiles the standard-JSON input (stdin or file) and prints
//                                     the standard-JSON output; imports that are not in the input
//                                     are read from the base path, include paths and allowed paths.
// Anything else is refused with exit status 2, so a misuse is loud rather than silently wrong.
'use strict';

const fs = require('fs');
const path = require('path');

function loadSolc() {
  // Resolve `solc` from this project's node_modules, whatever the working directory is.
  const here = path.resolve(__dirname, '..');
  return require(require.resolve('solc', { paths: [here] }));
}

function nativeVersion(solc) {
  // "0.8.28+commit.7893614a.Emscripten.clang" -> "0.8.28+commit.7893614a.Linux.g++"
  const v = solc.version();
  const m = /^(\d+\.\d+\.\d+)\+commit\.([0-9a-f]+)/.exec(v);
  if (!m) throw new Error('unexpected solc version string: ' + v);
  return `${m[1]}+commit.${m[2]}.Linux.g++`;
}

function parseArgs(argv) {
  const opts = { version: false, standardJson: false, roots: [], inputFile: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const takeValue = () => {
      const eq = a.indexOf('=');
      if (eq >= 0) return a.slice(eq + 1);
      if (i + 1 >= argv.length) throw new Error(`option ${a} needs a value`);
      return argv[++i];
    };
    if (a === '--version' || a === '-v') opts.version = true;
    else if (a === '--standard-json') opts.standardJson = true;
    else if (a.startsWith('--base-path') || a.startsWith('--include-path')) opts.roots.push(takeValue());
    else if (a.startsWith('--allow-paths')) {
      for (const p of takeValue().split(',')) if (p) opts.roots.push(p);
    } else if (a === '--no-import-callback') opts.noCallback = true;
    else if (!a.startsWith('-') && opts.standardJson && opts.inputFile === null) opts.inputFile = a;
    else throw new Error(`unsupported option: ${a}`);
  }
  return opts;
}

function makeImportCallback(roots) {
  const bases = [...new Set(roots.map((r) => path.resolve(r)))];
  if (bases.length === 0) bases.push(process.cwd());
  return function findImports(importPath) {
    const candidates = path.isAbsolute(importPath)
      ? [importPath]
      : bases.map((b) => path.join(b, importPath));
    for (const c of candidates) {
      const real = path.resolve(c);
      // Stay inside the allowed roots (absolute imports must lie under one of them too).
      if (!bases.some((b) => real === b || real.startsWith(b + path.sep))) continue;
      try {
        return { contents: fs.readFileSync(real, 'utf8') };
      } catch (e) {
        /* try the next root */
      }
    }
    return { error: `File not found in the base, include or allowed paths: ${importPath}` };
  };
}

function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`solc launcher: ${e.message}\n`);
    return 2;
  }
  const solc = loadSolc();
  if (opts.version) {
    process.stdout.write('solc, the solidity compiler commandline interface\n');
    process.stdout.write(`Version: ${nativeVersion(solc)}\n`);
    return 0;
  }
  if (!opts.standardJson) {
    process.stderr.write('solc launcher: only --version and --standard-json are supported\n');
    return 2;
  }
  const input = opts.inputFile ? fs.readFileSync(opts.inputFile, 'utf8') : fs.readFileSync(0, 'utf8');
  const callbacks = opts.noCallback ? {} : { import: makeImportCallback(opts.roots) };
  const output = solc.compile(input, callbacks);
  process.stdout.write(output);
  process.stdout.write('\n');
  return 0;
}

process.exitCode = main();
