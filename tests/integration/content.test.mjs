// Evidence content over HTTP: POST /api/v1/content (the body is the file, streamed) and
// GET /ipfs/:cid (immutable, ETag = CID, If-None-Match, byte ranges), with their refusals.
// The CID of a one-chunk file is checked against a small independent computation here (SHA-256 of
// the bytes as a CIDv1 raw block in base32); larger files' CIDs are cross-checked against
// ipfs-unixfs-importer in tests/interop/content.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {
  WORK, castKeys, expectError, expectStatus, freshDatabase, startServer, uniq,
} from './lib/harness.mjs';

const MAX = 3 * 1024 * 1024;

function base32(bytes) {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0; let acc = 0; let out = '';
  for (const b of bytes) {
    acc = (acc << 8) | b; bits += 8;
    while (bits >= 5) { bits -= 5; out += alphabet[(acc >>> bits) & 31]; }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += alphabet[(acc << (5 - bits)) & 31];
  return out;
}

// CIDv1, raw codec, sha2-256: what one chunk (<= 262144 bytes) is stored under.
function rawCid(bytes) {
  const digest = crypto.createHash('sha256').update(bytes).digest();
  return 'b' + base32(Buffer.concat([Buffer.from([0x01, 0x55, 0x12, 0x20]), digest]));
}

// A POST whose body is sent in pieces (chunked transfer encoding unless contentLength is given).
function upload(port, key, type, pieces, { contentLength, timeout = 20000 } = {}) {
  return new Promise((resolve, reject) => {
    const headers = { 'Content-Type': type };
    if (key) headers.Authorization = `Bearer ${key}`;
    if (contentLength !== undefined) headers['Content-Length'] = String(contentLength);
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/content', headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        let body;
        try { body = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, text, body });
      });
    });
    const timer = setTimeout(() => req.destroy(new Error('timeout')), timeout);
    req.on('error', (e) => { clearTimeout(timer); reject(e); });
    (async () => {
      for (const p of pieces) {
        if (!req.write(p)) await new Promise((r) => req.once('drain', r));
      }
      req.end();
    })().catch(() => { /* the server may close an upload it refused */ });
  });
}

function get(port, p, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'GET', path: p, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        let body;
        try { body = JSON.parse(raw.toString('utf8')); } catch { /* a file */ }
        resolve({ status: res.statusCode, headers: res.headers, raw, text: raw.toString('utf8'), body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function pieces(buf, size) {
  const out = [];
  for (let o = 0; o < buf.length; o += size) out.push(buf.subarray(o, o + size));
  return out;
}

function leftovers(dir) {
  const tmp = path.join(dir, 'tmp');
  return fs.existsSync(tmp) ? fs.readdirSync(tmp) : [];
}

describe('content', () => {
  let srv; let keys; let contentDir;

  before(async () => {
    const db = await freshDatabase('content');
    keys = await castKeys(db);
    contentDir = path.join(WORK, uniq('content'));
    srv = await startServer({
      db, name: 'content',
      args: ['--content-dir', contentDir, '--content-max-size', String(MAX),
        '--content-types', 'text/plain,image/png,application/pdf,video/*'],
    });
  });

  after(async () => { if (srv) await srv.stop(); });

  test('upload then GET: 201 with the CID, the same bytes served with their type', async () => {
    const bytes = Buffer.from(`evidence ${uniq('file')}\n`.repeat(50));
    const r = await upload(srv.port, keys.user.key, 'text/plain; charset=utf-8', [bytes], { contentLength: bytes.length });
    const b = expectStatus(r, 201);
    assert.equal(b.cid, rawCid(bytes));
    assert.equal(b.size, bytes.length);
    assert.equal(b.mediaType, 'text/plain');
    assert.equal(r.headers.location, `/ipfs/${b.cid}`);
    const g = await get(srv.port, `/ipfs/${b.cid}`);
    expectStatus(g, 200);
    assert.deepEqual(g.raw, bytes);
    assert.equal(g.headers['content-type'], 'text/plain');
    assert.equal(g.headers.etag, `"${b.cid}"`);
    assert.equal(g.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(g.headers['accept-ranges'], 'bytes');
    assert.equal(Number(g.headers['content-length']), bytes.length);
    // the same bytes again: the same answer, one file
    const again = await upload(srv.port, keys.user2.key, 'text/plain', pieces(bytes, 7));
    assert.deepEqual(expectStatus(again, 201), b);
    assert.deepEqual(leftovers(contentDir), []);
  });

  test('a file larger than the JSON body limit streams in, chunked or with a length; CIDs agree', async () => {
    const bytes = crypto.randomBytes(2 * 1024 * 1024 + 12345);
    const chunked = expectStatus(await upload(srv.port, keys.user.key, 'video/mp4', pieces(bytes, 65536 + 3)), 201);
    assert.match(chunked.cid, /^bafybei[a-z2-7]{52}$/);
    assert.equal(chunked.size, bytes.length);
    assert.equal(chunked.mediaType, 'video/mp4');
    const sized = expectStatus(await upload(srv.port, keys.user.key, 'video/mp4', pieces(bytes, 1 << 20), { contentLength: bytes.length }), 201);
    assert.equal(sized.cid, chunked.cid);
    const g = await get(srv.port, `/ipfs/${chunked.cid}`);
    expectStatus(g, 200);
    assert.ok(g.raw.equals(bytes), 'the served bytes are the uploaded ones');
  });

  test('the empty file', async () => {
    const b = expectStatus(await upload(srv.port, keys.user.key, 'text/plain', [], { contentLength: 0 }), 201);
    assert.equal(b.cid, 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku');
    assert.equal(b.size, 0);
    const g = await get(srv.port, `/ipfs/${b.cid}`);
    expectStatus(g, 200);
    assert.equal(g.raw.length, 0);
    expectError(await get(srv.port, `/ipfs/${b.cid}`, { Range: 'bytes=0-0' }), 416, 'API010', 'any range of the empty file');
  });

  test('If-None-Match gives 304; Range gives 206 or 416', async () => {
    const bytes = Buffer.from('0123456789abcdefghij');
    const { cid } = expectStatus(await upload(srv.port, keys.user.key, 'application/pdf', [bytes]), 201);
    const etag = `"${cid}"`;
    for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const r = await get(srv.port, `/ipfs/${cid}`, { 'If-None-Match': inm });
      assert.equal(r.status, 304, `If-None-Match: ${inm}`);
      assert.equal(r.raw.length, 0);
      assert.equal(r.headers.etag, etag);
    }
    expectStatus(await get(srv.port, `/ipfs/${cid}`, { 'If-None-Match': '"bafkreisomethingelse"' }), 200);
    const cases = [
      ['bytes=0-3', 0, 3], ['bytes=5-', 5, 19], ['bytes=-4', 16, 19], ['bytes=10-10', 10, 10],
      ['bytes=15-100', 15, 19], ['bytes=-100', 0, 19],
    ];
    for (const [range, a, z] of cases) {
      const r = await get(srv.port, `/ipfs/${cid}`, { Range: range });
      assert.equal(r.status, 206, range);
      assert.equal(r.headers['content-range'], `bytes ${a}-${z}/20`, range);
      assert.equal(r.raw.toString(), bytes.subarray(a, z + 1).toString(), range);
      assert.equal(r.headers['content-type'], 'application/pdf');
    }
    for (const range of ['bytes=20-', 'bytes=25-30', 'bytes=-0']) {
      const r = await get(srv.port, `/ipfs/${cid}`, { Range: range });
      expectError(r, 416, 'API010', range);
      assert.equal(r.headers['content-range'], 'bytes */20', range);
    }
    // ranges we do not serve partially: several, another unit, bad syntax -> the whole file
    for (const range of ['bytes=0-1,4-5', 'items=0-1', 'bytes=5-2', 'bytes=x-']) {
      const r = await get(srv.port, `/ipfs/${cid}`, { Range: range });
      assert.equal(r.status, 200, range);
      assert.equal(r.raw.length, 20, range);
    }
  });

  test('refusals: no key, wrong type (415), too large (413) announced or streamed, nothing left behind', async () => {
    const small = Buffer.from('x');
    expectError(await upload(srv.port, null, 'text/plain', [small]), 401, 'AUTH001', 'anonymous');
    const e = expectError(await upload(srv.port, keys.user.key, 'application/x-msdownload', [small]), 415, 'API006', 'refused type');
    assert.match(e.message, /application\/x-msdownload/);
    expectError(await upload(srv.port, keys.user.key, 'not a type', [small]), 415, 'API006', 'not a media type');
    expectError(await upload(srv.port, keys.user.key, 'application/json', [Buffer.from('{}')]), 415, 'API006', 'JSON is not in this list');
    const big = crypto.randomBytes(MAX + 1);
    const announced = expectError(await upload(srv.port, keys.user.key, 'image/png', [big], { contentLength: big.length }), 413, 'API005', 'announced');
    assert.match(announced.message, new RegExp(String(MAX)));
    expectError(await upload(srv.port, keys.user.key, 'image/png', pieces(big, 100000)), 413, 'API005', 'streamed past the limit');
    assert.deepEqual(leftovers(contentDir), [], 'no temporary file stays');
    // exactly at the limit is fine
    const edge = big.subarray(0, MAX);
    expectStatus(await upload(srv.port, keys.user.key, 'image/png', pieces(edge, 1 << 20)), 201);
    // the server still answers
    expectStatus(await get(srv.port, '/healthz'), 200);
  });

  test('GET: 404 for a CID not stored, 400 for a malformed one', async () => {
    const absent = rawCid(Buffer.from(uniq('never uploaded')));
    const nf = expectError(await get(srv.port, `/ipfs/${absent}`), 404, 'DATA001', 'not stored');
    assert.match(nf.message, new RegExp(absent));
    for (const bad of ['QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n', 'bafkrei', 'Bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku',
      'bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku', 'hello']) {
      const e = expectError(await get(srv.port, `/ipfs/${bad}`), 400, 'API002', bad);
      assert.match(e.message, /invalid CID/);
    }
  });
});
