// GraphQL over HTTP against a real server (POST and GET /graphql): answers in the spec's form,
// the same data and the same authorization as REST, mutations through the same engines (what one
// writes the other reads), persisted queries, introspection by configuration, limits, and errors
// with their codes and locations.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ADDR, castKeys, expectStatus, freshDatabase, startServer, taskBody } from './lib/harness.mjs';

describe('graphql', () => {
  let srv; let open; let keys; let anon; let creator; let user; let user2; let admin;

  const gql = (client, query, variables, extra = {}) => client.post('/graphql', { query, variables, ...extra });
  const data = (res) => {
    const b = expectStatus(res, 200);
    assert.equal(b.errors, undefined, JSON.stringify(b.errors));
    return b.data;
  };
  const codes = (body) => (body.errors || []).map((e) => e.extensions.code);

  before(async () => {
    const db = await freshDatabase('graphql');
    keys = await castKeys(db);
    srv = await startServer({ db, name: 'graphql', args: ['--jobs-workers', '0'] });
    // a second server on the same database, with introspection on (as pheme dev has it)
    open = await startServer({ db, name: 'graphql-open', args: ['--jobs-workers', '0', '--graphql-introspection', 'true'] });
    anon = srv.client();
    creator = srv.client(keys.creator.key);
    user = srv.client(keys.user.key);
    user2 = srv.client(keys.user2.key);
    admin = srv.client(keys.admin.key);
  });

  after(async () => {
    if (srv) await srv.stop();
    if (open) await open.stop();
  });

  test('a query by POST and by GET, in the response form of the spec', async () => {
    const q = '{ skills(domain: "technical") { slug domain } me { id } }';
    const a = data(await gql(anon, q));
    assert.ok(a.skills.length > 0);
    assert.ok(a.skills.every((s) => s.domain === 'technical'));
    assert.equal(a.me, null);
    const g = await anon.get(`/graphql?query=${encodeURIComponent(q)}`);
    assert.deepEqual(data(g), a);
    assert.match(String(g.headers['content-type']), /^application\/json/);
  });

  test('REST writes, GraphQL reads the same record', async () => {
    const t = expectStatus(await creator.post('/api/v1/tasks', taskBody({ title: 'Seen by both', skills: [{ skill: 'solidity', minLevel: 0 }] })), 201);
    const d = data(await gql(anon, 'query ($id: ID!) { task(id: $id) { id title difficulty xpReward tokenReward status skills { skill minLevel } creator { address } } }', { id: String(t.id) }));
    assert.equal(d.task.id, String(t.id));
    assert.equal(d.task.title, t.title);
    assert.equal(d.task.difficulty, t.difficulty);
    assert.equal(d.task.xpReward, String(t.xpReward));
    assert.equal(d.task.tokenReward, t.tokenReward);
    assert.equal(d.task.status, t.status);
    assert.deepEqual(d.task.skills, [{ skill: 'solidity', minLevel: 0 }]);
    assert.equal(d.task.creator.address, t.creator);
  });

  test('GraphQL mutations write through the engines, REST reads them', async () => {
    const m = 'mutation ($in: TaskInput!) { createTask(input: $in) { id title status } }';
    const input = { type: 'QUEST', title: 'Posted by GraphQL', description: 'Through the work engine.', difficulty: 2, xpReward: 40 };
    const refused = expectStatus(await gql(user, m, { in: input }), 200);
    assert.deepEqual(codes(refused), ['AUTH003']);
    assert.equal(refused.data.createTask, null);
    const made = data(await gql(creator, m, { in: input }));
    const rest = expectStatus(await anon.get(`/api/v1/tasks/${made.createTask.id}`), 200);
    assert.equal(rest.title, 'Posted by GraphQL');
    assert.equal(rest.status, 'OPEN');
    const s = data(await gql(user, 'mutation ($t: ID!) { submit(taskId: $t, text: "My answer", evidence: [{type: "link", url: "https://example.com/work"}]) { id state author { address } } }', { t: made.createTask.id }));
    assert.equal(s.submit.state, 'SUBMITTED');
    const sub = expectStatus(await user.get(`/api/v1/submissions/${s.submit.id}`), 200);
    assert.equal(sub.text, 'My answer');
    const again = expectStatus(await gql(user, `mutation { submit(taskId: ${made.createTask.id}, text: "Again") { id } }`), 200);
    assert.deepEqual(codes(again), ['DATA002']);
  });

  test('the same authorization as REST', async () => {
    const t = expectStatus(await creator.post('/api/v1/tasks', taskBody({ title: 'Private submissions' })), 201);
    const s = expectStatus(await user.post(`/api/v1/tasks/${t.id}/submissions`, { text: 'Mine' }), 201);
    const q = `{ task(id: ${t.id}) { submissions { id text author { address } timeline { to } } } }`;
    for (const who of [anon, user2]) {
      const r = expectStatus(await gql(who, q), 200);
      assert.deepEqual(codes(r), ['AUTH004']);
      assert.deepEqual(r.errors[0].path, ['task', 'submissions']);
      assert.equal(r.data.task.submissions, null);
    }
    const mine = data(await gql(creator, q));
    assert.equal(mine.task.submissions.length, 1);
    assert.equal(mine.task.submissions[0].id, String(s.id));
    assert.deepEqual(mine.task.submissions[0].timeline.map((e) => e.to), ['SUBMITTED']);
    // REST refuses the same callers the same way
    assert.equal((await user2.get(`/api/v1/tasks/${t.id}/submissions`)).status, 403);
    const one = `{ submission(id: ${s.id}) { id text } }`;
    assert.deepEqual(codes(expectStatus(await gql(user2, one), 200)), ['AUTH004']);
    assert.equal(data(await gql(user, one)).submission.text, 'Mine');
    assert.equal(data(await gql(admin, one)).submission.text, 'Mine');
    assert.equal((await user2.get(`/api/v1/submissions/${s.id}`)).status, 403);
  });

  test('The Graph conventions: where, orderBy, first/skip, connections, _meta', async () => {
    for (let i = 1; i <= 5; i++)
      expectStatus(await creator.post('/api/v1/tasks', taskBody({ title: `Ranked ${i}`, difficulty: i, xpReward: 100 * i })), 201);
    const d = data(await gql(anon, '{ tasks(where: {title_contains: "Ranked", difficulty_gte: 2, difficulty_lt: 5}, orderBy: xpReward, orderDirection: asc) { title xpReward } }'));
    assert.deepEqual(d.tasks.map((t) => t.title), ['Ranked 2', 'Ranked 3', 'Ranked 4']);
    const page = data(await gql(anon, '{ tasks(first: 2, skip: 1, where: {title_contains: "Ranked"}) { title } }'));
    assert.deepEqual(page.tasks.map((t) => t.title), ['Ranked 4', 'Ranked 3']);
    const seen = [];
    let after = null;
    for (;;) {
      const c = data(await gql(anon, 'query ($a: String) { tasksConnection(first: 2, after: $a, where: {title_contains: "Ranked"}) { edges { cursor node { title } } pageInfo { hasNextPage endCursor } } }', { a: after }));
      seen.push(...c.tasksConnection.edges.map((e) => e.node.title));
      if (!c.tasksConnection.pageInfo.hasNextPage) break;
      after = c.tasksConnection.pageInfo.endCursor;
    }
    assert.deepEqual(seen, ['Ranked 5', 'Ranked 4', 'Ranked 3', 'Ranked 2', 'Ranked 1']);
    const meta = data(await gql(anon, '{ _meta { block { number hash } hasIndexingErrors } }'));
    assert.equal(meta._meta.hasIndexingErrors, false);
  });

  test('request errors: syntax, validation, variables, a mutation by GET', async () => {
    const syn = await gql(anon, '{ tasks { id }');
    assert.equal(syn.status, 400);
    assert.equal(syn.body.data, undefined);
    assert.deepEqual(syn.body.errors[0].locations, [{ line: 1, column: 15 }]);
    assert.equal(syn.body.errors[0].extensions.code, 'GQL001');
    const val = await gql(anon, '{ tasks { nope } }');
    assert.equal(val.status, 400);
    assert.equal(val.body.errors[0].message, 'Cannot query field "nope" on type "Task".');
    assert.deepEqual(val.body.errors[0].extensions, { code: 'GQL002', rule: 'FieldsOnCorrectType' });
    const vars = await gql(anon, 'query ($id: ID!) { task(id: $id) { id } }', {});
    assert.equal(vars.status, 400);
    assert.equal(vars.body.errors[0].extensions.code, 'GQL006');
    const m = await anon.get(`/graphql?query=${encodeURIComponent('mutation { joinGuild(slug: "x") { id } }')}`);
    assert.equal(m.status, 405);
    const bad = await anon.post('/graphql', { query: 5 });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors[0].extensions.code, 'GQL007');
  });

  test('limits answer with their values', async () => {
    let deep = 'id';
    for (let i = 0; i < 8; i++) deep = `submissions { task { ${deep} } }`;
    const r = await gql(admin, `{ tasks { ${deep} } }`);
    assert.equal(r.status, 400);
    assert.equal(r.body.errors[0].extensions.code, 'GQL003');
    assert.match(r.body.errors[0].message, /nests \d+ fields deep; the limit is 12/);
    const costly = await gql(anon, '{ tasks(first: 1000) { skills { skill } creator { skills { slug } guilds { role } } } }');
    assert.match(costly.body.errors[0].message, /costs \d+; the limit is 20000/);
  });

  test('introspection is off unless configured, on for pheme dev', async () => {
    const q = '{ __schema { queryType { name } } }';
    const off = await gql(anon, q);
    assert.equal(off.status, 400);
    assert.equal(off.body.errors[0].extensions.code, 'GQL005');
    const on = data(await gql(open.client(), q));
    assert.equal(on.__schema.queryType.name, 'Query');
  });

  test('persisted queries (Apollo automatic persisted queries)', async () => {
    const query = '{ skills(domain: "creative") { slug } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const extensions = { persistedQuery: { version: 1, sha256Hash } };
    const miss = expectStatus(await anon.post('/graphql', { extensions }), 200);
    assert.deepEqual(miss.errors.map((e) => [e.message, e.extensions.code]), [['PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_FOUND']]);
    const first = data(await anon.post('/graphql', { query, extensions }));
    const hit = data(await anon.post('/graphql', { extensions }));
    assert.deepEqual(hit, first);
    const byGet = data(await anon.get(`/graphql?extensions=${encodeURIComponent(JSON.stringify(extensions))}`));
    assert.deepEqual(byGet, first);
    const wrong = await anon.post('/graphql', { query: '{ me { id } }', extensions });
    assert.equal(wrong.status, 400);
  });
  test('progression, reputation, leaderboards, seasons, quests and badges answer as REST does', async () => {
    const d = data(await gql(user, `{ me { id progress { xp level streak longestStreak } badges { slug } reputation { score computed explain } }
      seasons { id slug seedHash } quests { id slug stepsDone } badgeTypes { slug rarity }
      leaderboard(first: 5) { rank xp user { address } } }`));
    const rest = expectStatus(await user.get('/api/v1/me/progress'), 200);
    assert.equal(d.me.progress.xp, String(rest.xp));
    assert.equal(d.me.progress.level, rest.level);
    const rep = expectStatus(await anon.get(`/api/v1/reputation/${ADDR.user}`), 200);
    assert.equal(d.me.reputation.computed, rep.computed);
    assert.equal(d.me.reputation.score, rep.score);
    // the receipt is the engine's, as GET /api/v1/reputation/:address/explain gives it
    const ex = expectStatus(await anon.get(`/api/v1/reputation/${ADDR.user}/explain`), 200);
    assert.deepEqual(Object.keys(d.me.reputation.explain).sort(), Object.keys(ex).sort());
    const seasons = expectStatus(await anon.get('/api/v1/seasons'), 200);
    assert.equal(d.seasons.length, (seasons.items || seasons).length);
    const board = expectStatus(await anon.get('/api/v1/leaderboards/global?limit=5'), 200);
    assert.deepEqual(d.leaderboard.map((e) => [e.rank, e.xp, e.user && e.user.address]),
      board.items.map((e) => [e.rank, String(e.xp), e.address]));
    // by address, and null for nobody
    const r = data(await gql(anon, `{ a: reputation(address: "${ADDR.user}") { score user { address } } b: reputation(address: "0x00000000000000000000000000000000000000b0") { score } }`));
    assert.equal(r.a.user.address.toLowerCase(), ADDR.user);
    assert.equal(r.b, null);
    // an unknown skill's board is an error naming it
    const bad = expectStatus(await gql(anon, '{ leaderboard(skill: "no-such-skill") { rank } }'), 200);
    assert.match(bad.errors[0].message, /no skill 'no-such-skill'/);
  });
  test('endorse: a GraphQL endorsement is the one REST then refuses as a duplicate', async () => {
    const m = data(await gql(user, `mutation { endorse(address: "${ADDR.user2}", skill: "solidity") { id skill weight from to { address } createdAt } }`));
    assert.equal(m.endorse.skill, 'solidity');
    assert.equal(m.endorse.from.toLowerCase(), ADDR.user);
    assert.equal(m.endorse.to.address.toLowerCase(), ADDR.user2);
    const again = await user.post('/api/v1/endorsements', { address: ADDR.user2, skill: 'solidity' });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'REP003');
    // anonymous and self: refused with the engine's codes
    const anonTry = expectStatus(await gql(anon, `mutation { endorse(address: "${ADDR.user2}", skill: "solidity") { id } }`), 200);
    assert.deepEqual(codes(anonTry), ['AUTH001']);
    const self = expectStatus(await gql(user, `mutation { endorse(address: "${ADDR.user}", skill: "solidity") { id } }`), 200);
    assert.deepEqual(codes(self), ['REP001']);
  });
});
