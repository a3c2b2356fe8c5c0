// Text that lies (issue 17, item 6), over HTTP: a name (display name, title, guild name, slug)
// with a control or format character is refused 400 API002 naming the field and the character;
// long text keeps newlines and tabs and refuses other controls; names are stored in NFC.
// Every character per field kind is covered by tests/unit/core/test_json_text.c.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, castKeys, expectError, expectStatus, freshDatabase, startServer, taskBody, uniq } from './lib/harness.mjs';

describe('text', () => {
  let srv, keys, user, creator;
  before(async () => {
    const db = await freshDatabase('text');
    keys = await castKeys(db);
    srv = await startServer({ db, name: 'text' });
    user = new Client(srv.port, keys.user.key);
    creator = new Client(srv.port, keys.creator.key);
  });
  after(async () => { if (srv) await srv.stop(); });

  const LIES = [['ESC (colours)', '\u001b[31m'], ['U+0001', '\u0001'], ['DEL', '\u007f'], ['C1 U+0085', '\u0085'],
    ['right-to-left override', '\u202e'], ['zero-width space', '\u200b'], ['line feed', '\n'], ['carriage return', '\r'],
    ['byte-order mark', '\ufeff'], ['isolate', '\u2067']];

  for (const [what, ch] of LIES) {
    test(`a name with ${what} is refused in every kind of name`, async () => {
      const hex = ch.codePointAt(0).toString(16).toUpperCase().padStart(4, '0');
      for (const [res, field] of [
        [await user.req('PATCH', '/api/v1/me', { json: { displayName: `Mallory${ch}Admin` } }), 'displayName'],
        [await creator.req('POST', '/api/v1/tasks', { json: taskBody({ title: `Fix ${ch}bug` }) }), 'title'],
        [await user.req('POST', '/api/v1/guilds', { json: { slug: uniq('g'), name: `Guild${ch}`, type: 'SKILL' } }), 'name'],
        [await user.req('POST', '/api/v1/guilds', { json: { slug: `${uniq('g')}${ch}`, name: 'Guild', type: 'SKILL' } }), 'slug'],
      ]) {
        expectError(res, 400, 'API002', `${field} with ${what}`);
        assert.match(res.body.error.message, new RegExp(`'${field}'.*U\\+${hex}`), res.body.error.message);
      }
    });
  }

  test('long text keeps newlines and tabs, refuses other controls', async () => {
    const t = expectStatus(await creator.req('POST', '/api/v1/tasks', { json: taskBody({ description: 'line 1\n\tline 2' }) }), 201);
    assert.equal(t.description, 'line 1\n\tline 2');
    expectError(await creator.req('POST', '/api/v1/tasks', { json: taskBody({ description: 'red \u001b[31m' }) }), 400, 'API002');
    expectError(await user.req('PATCH', '/api/v1/me', { json: { bio: 'a\u0001b' } }), 400, 'API002');
    expectError(await user.req('PATCH', '/api/v1/me', { json: { bio: 'a\r\nb' } }), 400, 'API002');
  });

  test('names are stored in NFC', async () => {
    const decomposed = 'Jose\u0301 Cafe\u0301';
    const me = expectStatus(await user.req('PATCH', '/api/v1/me', { json: { displayName: decomposed } }), 200);
    assert.equal(me.displayName, 'Jos\u00e9 Caf\u00e9');
    const t = expectStatus(await creator.req('POST', '/api/v1/tasks', { json: taskBody({ title: 'A\u030angstr\u00f6m' }) }), 201);
    assert.equal(t.title, '\u00c5ngstr\u00f6m');
    expectStatus(await user.req('GET', '/api/v1/me'), 200);
    assert.equal((await user.req('GET', '/api/v1/me')).body.displayName, 'Jos\u00e9 Caf\u00e9');
  });
});
