// Request framing (RFC 9112): the building blocks of request smuggling are refused with 400 and the
// connection closed, an unknown transfer coding with 501; each case on a raw socket, so the bytes
// are exactly the ones named.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RawConn, freshDatabase, rawRequest, startServer } from './lib/harness.mjs';

const JSON_CT = 'Content-Type: application/json\r\n';
// [what, the raw request, status, code (null: libmicrohttpd's own refusal)]
const CASES = [
  ['two Content-Length fields (0 then 38)',
    `POST /api/v1/guilds HTTP/1.1\r\nHost: 127.0.0.1\r\n${JSON_CT}Content-Length: 0\r\nContent-Length: 38\r\n\r\n` +
    'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'API011'],
  ['two equal Content-Length fields',
    `POST /api/v1/guilds HTTP/1.1\r\nHost: 127.0.0.1\r\n${JSON_CT}Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}`, 400, 'API011'],
  ['Content-Length with Transfer-Encoding: chunked',
    `POST /api/v1/guilds HTTP/1.1\r\nHost: 127.0.0.1\r\n${JSON_CT}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, 400, 'API011'],
  ['whitespace before the colon',
    'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length : 38\r\n\r\n', 400, 'API011'],
  ['HTTP/1.1 without Host', 'GET /healthz HTTP/1.1\r\nAccept: */*\r\n\r\n', 400, 'API011'],
  ['two Host fields', 'GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400, 'API011'],
  ['a header name with a space', 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX Forwarded: 1\r\n\r\n', 400, 'API011'],
  ['a NUL in a header value', 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\0b\r\n\r\n', 400, 'API011'],
  ['a NUL in a header value, then more fields', 'GET /healthz HTTP/1.1\r\nX-A: a\0b\r\nHost: 127.0.0.1\r\n\r\n', 400, 'API011'],
  ['an obs-fold (a value continued on the next line)', 'GET /healthz HTTP/1.1\r\nX-A: a\r\n b\r\nHost: 127.0.0.1\r\n\r\n', 400, 'API011'],
  ['a bare CR in a header value', 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\rb\r\n\r\n', 400, 'API011'],
  ['a control byte in a header value', 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\x1bb\r\n\r\n', 400, 'API011'],
  ['Transfer-Encoding: xchunked',
    `POST /api/v1/guilds HTTP/1.1\r\nHost: 127.0.0.1\r\n${JSON_CT}Transfer-Encoding: xchunked\r\n\r\n`, 501, 'API012'],
  ['Transfer-Encoding: chunked, identity',
    `POST /api/v1/guilds HTTP/1.1\r\nHost: 127.0.0.1\r\n${JSON_CT}Transfer-Encoding: chunked, identity\r\n\r\n`, 501, 'API012'],
  ['Transfer-Encoding: gzip, chunked',
    `POST /api/v1/guilds HTTP/1.1\r\nHost: 127.0.0.1\r\n${JSON_CT}Transfer-Encoding: gzip, chunked\r\n\r\n`, 501, 'API012'],
];

describe('framing', () => {
  let srv;
  before(async () => { srv = await startServer({ db: await freshDatabase('framing'), name: 'framing' }); });
  after(async () => { if (srv) await srv.stop(); });

  for (const [what, bytes, status, code] of CASES) {
    test(`${what}: ${status} and the connection is closed`, async () => {
      const c = await RawConn.open(srv.port);
      try {
        await c.write(Buffer.from(bytes, 'latin1'));
        const t0 = Date.now();
        const res = await c.readResponse({ timeout: 4000 });
        assert.equal(res.status, status, `${what}: ${res.headText}\n${res.text.slice(0, 200)}`);
        if (code) assert.equal(res.body?.error?.code, code, `${what}: ${res.text.slice(0, 200)}`);
        assert.ok(await c.waitClosed(3000), `${what}: the connection is closed after the answer`);
        assert.ok(Date.now() - t0 < 3000, `${what}: answered and closed at once`);
        assert.equal(c.buf.length, 0, `${what}: no second answer (nothing smuggled): ${c.buf.toString('latin1').slice(0, 120)}`);
      } finally { c.destroy(); }
    });
  }

  test('a well-framed request on the same kind of socket is still answered and kept alive', async () => {
    const c = await RawConn.open(srv.port);
    try {
      await c.write(rawRequest('GET', '/healthz'));
      assert.equal((await c.readResponse()).status, 200);
      await c.write(`POST /api/v1/guilds HTTP/1.1\r\nHost: 127.0.0.1\r\n${JSON_CT}Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`);
      const res = await c.readResponse();
      assert.equal(res.status, 401, `chunked alone is fine (then authentication): ${res.text}`);
      await c.write(rawRequest('GET', '/healthz'));
      assert.equal((await c.readResponse()).status, 200, 'the connection was kept');
      await c.write('GET /healthz HTTP/1.1\nHost: 127.0.0.1\nX-A:  spaced  \n\n');
      assert.equal((await c.readResponse()).status, 200, 'bare LF line ends and optional whitespace are fine');
    } finally { c.destroy(); }
  });
});
