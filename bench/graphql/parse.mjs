// graphql-js's parse on the same document, for the same time (the reference of bench_graphql).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// the pinned graphql-js of tests/graphql (package-lock.json there)
const require = createRequire(`${process.env.GRAPHQL_FROM}/`);
const { parse } = require('graphql');

const [file, secs = '3'] = process.argv.slice(2);
const doc = readFileSync(file, 'utf8');
const bytes = Buffer.byteLength(doc);
for (let i = 0; i < 2000; i++) parse(doc); // warm the JIT
let parses = 0;
const t0 = process.hrtime.bigint();
let t;
do {
  for (let k = 0; k < 50; k++) { parse(doc); parses++; }
  t = process.hrtime.bigint();
} while (Number(t - t0) / 1e9 < Number(secs));
const seconds = Number(t - t0) / 1e9;
console.log(`bytes=${bytes} parses=${parses} seconds=${seconds.toFixed(3)} bytes_per_s=${Math.round(bytes * parses / seconds)}`);
