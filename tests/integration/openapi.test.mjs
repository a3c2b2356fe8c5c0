// The served OpenAPI document against the route table in src/api/routes.c: same paths and
// methods in both directions, path parameters declared as in the pattern, request bodies
// referring to schemas that exist, roles and success statuses as in the table.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { expectStatus, freshDatabase, routeTable, startServer } from './lib/harness.mjs';

// One suite per file: its hooks and tests run in order (also on Node 18).
describe('openapi', () => {
  let srv; let doc; let table;

  const toOpenApiPath = (p) => p.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
  const paramsOf = (p) => [...p.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
  const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

  before(async () => {
    table = routeTable();
    const db = await freshDatabase('openapi');
    srv = await startServer({ db, name: 'openapi', publicUrl: 'http://docs.pheme.test:4000' });
    const r = await srv.client().get('/api/v1/openapi.json');
    doc = expectStatus(r, 200);
    assert.match(r.headers['content-type'], /^application\/json/);
  });

  after(async () => { if (srv) await srv.stop(); });

  test('the route table parses and is not trivial', () => {
    assert.ok(table.length >= 25, `routes found: ${table.length}`);
    assert.ok(table.some((r) => r.method === 'GET' && r.pattern === '/api/v1/openapi.json'));
  });

  test('the document is OpenAPI 3.1 with info and servers', () => {
    assert.match(doc.openapi, /^3\.1\.\d+$/);
    assert.equal(typeof doc.info.title, 'string');
    assert.equal(typeof doc.info.version, 'string');
    assert.ok(Array.isArray(doc.servers) && doc.servers.length >= 1);
    assert.equal(doc.servers[0].url, 'http://docs.pheme.test:4000', 'the configured public URL');
    assert.equal(typeof doc.paths, 'object');
  });

  test('every route of the table is in the document', () => {
    const missing = [];
    for (const r of table) {
      const item = doc.paths[toOpenApiPath(r.pattern)];
      if (!item || !item[r.method.toLowerCase()]) missing.push(`${r.method} ${r.pattern}`);
    }
    assert.deepEqual(missing, [], 'routes missing from the document');
  });

  test('every operation of the document is in the table', () => {
    const known = new Set(table.map((r) => `${r.method} ${toOpenApiPath(r.pattern)}`));
    const extra = [];
    for (const [p, item] of Object.entries(doc.paths)) {
      for (const m of Object.keys(item)) {
        if (!METHODS.includes(m)) continue;
        if (!known.has(`${m.toUpperCase()} ${p}`)) extra.push(`${m.toUpperCase()} ${p}`);
      }
    }
    assert.deepEqual(extra, [], 'operations in the document but not in the table');
  });

  test('path parameters declared match the pattern', () => {
    for (const r of table) {
      const op = doc.paths[toOpenApiPath(r.pattern)][r.method.toLowerCase()];
      const declared = [...(op.parameters || []), ...(doc.paths[toOpenApiPath(r.pattern)].parameters || [])]
        .filter((p) => p.in === 'path');
      assert.deepEqual(declared.map((p) => p.name).sort(), paramsOf(r.pattern).sort(), `path parameters of ${r.method} ${r.pattern}`);
      for (const p of declared) {
        assert.equal(p.required, true, `path parameter ${p.name} is required`);
        assert.ok(p.schema && p.schema.type, `path parameter ${p.name} has a schema`);
      }
    }
  });

  function resolveRef(ref) {
    assert.ok(ref.startsWith('#/'), `a local reference: ${ref}`);
    let node = doc;
    for (const part of ref.slice(2).split('/')) {
      node = node ? node[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    }
    return node;
  }

  test('request bodies reference schemas that exist, as the table says', () => {
    for (const r of table) {
      const op = doc.paths[toOpenApiPath(r.pattern)][r.method.toLowerCase()];
      const what = `${r.method} ${r.pattern}`;
      if (r.stream) {
        // an upload: the body is the file, of any allowed media type
        const binary = op.requestBody && op.requestBody.content && op.requestBody.content['*/*'];
        assert.ok(binary, `${what}: a streamed body of any media type`);
        assert.deepEqual(binary.schema, { type: 'string', format: 'binary' }, `${what} body schema`);
        continue;
      }
      if (!r.body) {
        assert.equal(op.requestBody, undefined, `${what} has no request body`);
        continue;
      }
      assert.ok(op.requestBody, `${what} has a request body`);
      const schema = op.requestBody.content && op.requestBody.content['application/json'] &&
        op.requestBody.content['application/json'].schema;
      assert.ok(schema, `${what}: application/json schema`);
      assert.equal(schema.$ref, `#/components/schemas/${r.body}`, `${what} body schema`);
      const target = resolveRef(schema.$ref);
      assert.ok(target, `${what}: ${schema.$ref} exists`);
      assert.equal(target.type, 'object');
      assert.ok(target.properties && Object.keys(target.properties).length > 0, `${r.body} has properties`);
      for (const req of target.required || []) assert.ok(req in target.properties, `${r.body}.required names a property (${req})`);
    }
  });

  test('each operation names the rate-limit class of its route row, and the server applies it', async () => {
    for (const r of table) {
      const op = doc.paths[toOpenApiPath(r.pattern)][r.method.toLowerCase()];
      assert.equal(op['x-pheme-rate-limit'] ?? null, r.rate, `${r.method} ${r.pattern} rate-limit class`);
    }
    // the server takes the class from the same row: an unlimited route answers without the
    // X-RateLimit-* headers, a read route with them
    const health = table.find((r) => r.pattern === '/healthz');
    assert.equal(health.rate, null);
    const lim = await startServer({ db: await freshDatabase('openapi-limits'), name: 'openapi-limits',
      args: ['--rate-limit', 'true', '--rate-limit-read', '77', '--rate-limit-auth', '33'] });
    try {
      const h = await lim.client().get('/healthz');
      expectStatus(h, 200);
      assert.equal(h.headers['x-ratelimit-limit'], undefined, '/healthz is not rate-limited');
      const skills = table.find((r) => r.method === 'GET' && r.pattern === '/api/v1/skills');
      assert.equal(skills.rate, 'read');
      const k = await lim.client().get('/api/v1/skills');
      assert.equal(k.headers['x-ratelimit-limit'], '77', 'GET /api/v1/skills is in the read class');
      const nonce = table.find((r) => r.pattern === '/api/v1/auth/nonce');
      assert.equal(nonce.rate, 'auth');
      const n = await lim.client().post('/api/v1/auth/nonce', {});
      assert.equal(n.headers['x-ratelimit-limit'], '33', 'POST /api/v1/auth/nonce is in the auth class');
    } finally {
      await lim.stop();
    }
  });

  test('every $ref in the document resolves', () => {
    const refs = [];
    const walk = (n) => {
      if (Array.isArray(n)) n.forEach(walk);
      else if (n && typeof n === 'object') {
        for (const [k, v] of Object.entries(n)) {
          if (k === '$ref') refs.push(v);
          else walk(v);
        }
      }
    };
    walk(doc);
    assert.ok(refs.length > 0);
    const broken = refs.filter((r) => resolveRef(r) === undefined);
    assert.deepEqual([...new Set(broken)], [], 'unresolved references');
  });

  test('success statuses, security and roles agree with the table', () => {
    for (const r of table) {
      const op = doc.paths[toOpenApiPath(r.pattern)][r.method.toLowerCase()];
      const what = `${r.method} ${r.pattern}`;
      assert.ok(op.responses && op.responses[String(r.status)], `${what} documents ${r.status}`);
      assert.ok(op.summary, `${what} has a summary`);
      if (r.role === 'PUBLIC') {
        assert.ok(!op.security || op.security.length === 0, `${what} is public`);
      } else {
        assert.ok(Array.isArray(op.security) && op.security.length > 0, `${what} needs authentication`);
        for (const s of op.security) for (const name of Object.keys(s)) {
          assert.ok(doc.components.securitySchemes[name], `security scheme ${name} exists`);
        }
      }
    }
  });

  test('operation ids, when present, are unique', () => {
    const ids = [];
    for (const item of Object.values(doc.paths)) {
      for (const [m, op] of Object.entries(item)) if (METHODS.includes(m) && op.operationId) ids.push(op.operationId);
    }
    assert.equal(new Set(ids).size, ids.length);
  });
});
