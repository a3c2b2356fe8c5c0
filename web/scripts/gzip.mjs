// Writes a .gz twin next to every built .js, .css, .html, .svg and .json file, which
// `pheme serve` sends to clients that accept gzip. Node's own zlib; no dependencies.
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync, constants } from "node:zlib";

const root = process.argv[2] ?? "dist";
const wanted = /\.(js|mjs|css|html|svg|json|txt|webmanifest)$/;
let files = 0;
let before = 0;
let after = 0;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) {
      walk(path);
    } else if (wanted.test(name)) {
      const data = readFileSync(path);
      const gz = gzipSync(data, { level: constants.Z_BEST_COMPRESSION });
      writeFileSync(`${path}.gz`, gz);
      // The server uses a twin only when it is at least as new as the file it stands for.
      utimesSync(`${path}.gz`, st.atime, st.mtime);
      files++;
      before += data.length;
      after += gz.length;
    }
  }
}

walk(root);
const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
console.log(`gzip: ${files} files, ${kb(before)} -> ${kb(after)} (.gz twins in ${root})`);
