// The query corpus of the cross-check: documents written here against PHEME's schema (valid and
// invalid, one per validation rule at least), and documents made from the valid ones by
// deterministic edits that break one rule each. Nothing here says what the answer should be:
// graphql-js decides, and PHEME must decide the same.

export const written = [
  // valid
  `{ me { id address displayName } }`,
  `{ tasks { id title status creator { address } } }`,
  `{ tasks(first: 5, skip: 2, where: {difficulty_gte: 3, status_in: [OPEN, DRAFT]}, orderBy: xpReward, orderDirection: asc) { id xpReward } }`,
  `query Q($id: ID!) { task(id: $id) { id skills { skill minLevel } submissions(first: 3) { id state } } }`,
  `query Q($f: Task_filter, $n: Int = 10) { tasks(first: $n, where: $f) { id } }`,
  `{ tasksConnection(first: 2) { edges { cursor node { id title } } pageInfo { hasNextPage endCursor } } }`,
  `{ wallet(address: "0x0000000000000000000000000000000000000001") { xp skills { slug level } badges { slug } guilds { slug } } }`,
  `{ guilds(type: SKILL) { slug members(first: 3) { address user { id } } owner { displayName } } }`,
  `{ submission(id: 1) { id text timeline { from to event actor at detail } assessments { overall ok } reviews { round score signature } disputes { outcome } } }`,
  `{ _meta { block { number hash } hasIndexingErrors chainId } }`,
  `{ staking(address: "0x0000000000000000000000000000000000000002") { stake tokenBalance delegation } }`,
  `{ proposals(first: 3) { id proposer data votes(first: 5) { voter weight } } }`,
  `query { a: task(id: 1) { id } b: task(id: 2) { id } }`,
  `{ task(id: 1) { ...TaskBits } } fragment TaskBits on Task { id title ...Who } fragment Who on Task { creator { id } }`,
  `{ task(id: 1) { ... on Task { id } ... @include(if: true) { title } } }`,
  `query ($skip: Boolean!) { me @skip(if: $skip) { id } }`,
  `mutation { createTask(input: {type: QUEST, title: "t", description: "d", difficulty: 2, xpReward: 5, skills: [{skill: "rust"}]}) { id } }`,
  `mutation ($t: ID!, $ev: [EvidenceInput!]) { submit(taskId: $t, text: "x", evidence: $ev) { id state } }`,
  `mutation { joinGuild(slug: "builders") { memberCount } }`,
  `{ __schema { queryType { name } types { name kind } } }`,
  `{ __type(name: "Task") { name fields(includeDeprecated: true) { name args { name defaultValue } } } }`,
  `{ users(first: 3) { id roles skills { slug xp } guilds { role joinedAt guild { slug } } validator { stake } } }`,
  `{ user(address: "0x00000000000000000000000000000000000000aa") { id submissions(state: APPROVED) { id } } }`,
  `{ skills(domain: "technical") { slug parent } skill(slug: "rust") { name } }`,
  `{ task(id: 1) { id } task(id: 1) { title } }`,
  `{ tasks { id } tasks { title } }`,
  `query A { me { id } } query B { users { id } }`,
  `{ __typename me { __typename } }`,
  `query ($a: [ID!]) { tasks(where: {id_in: $a}) { id } }`,
  `query ($t: TaskType = LESSON) { tasks(where: {type: $t}) { id } }`,
  `{ tasks(where: {id_in: 5}) { id } }`,
  `{ tasks(where: {status_in: OPEN}) { id } }`,
  `{ validators(slashingCandidates: true) { id address stake domains user { id } } }`,
  `query ($w: Task_filter = {id_in: ["1", "2"], status_not: CLOSED, xpReward_gt: 0}) { tasks(where: $w) { id } }`,
  `query ($s: [TaskStatus!] = [OPEN]) { tasks(where: {status_in: $s}) { id } }`,
  `query ($d: Int!) { tasks(where: {difficulty: $d}) { id } }`,
  `query ($in: TaskInput!) { me { id } } mutation M($in: TaskInput!) { createTask(input: $in) { id } }`,
  `mutation ($sk: [TaskSkillInput!]) { createTask(input: {type: LESSON, title: "a", description: "b", difficulty: 1, xpReward: 0, skills: $sk}) { id } }`,
  `mutation ($sk: TaskSkillInput!) { createTask(input: {type: LESSON, title: "a", description: "b", difficulty: 1, xpReward: 0, skills: [$sk]}) { id } }`,
  `{ task(id: "12") { ...A } } fragment A on Task { ...B } fragment B on Task { ...C } fragment C on Task { id }`,
  `{ a: tasks(first: 1) { id } b: tasks(first: 2) { id } }`,
  `{ task(id: 1) { id ... on Task { id } ...F } } fragment F on Task { id }`,
  `{ tasks { creator { ... on User { id } } } }`,
  `query ($n: Int = 5, $k: Int) { tasks(first: $n, skip: $k) { id } }`,
  `query ($x: Boolean!) { me { id @include(if: $x) address @skip(if: $x) } }`,
  `{ me { skills { slug } } me { skills { level } } }`,
  `{ task(id: 1) { description: title } }`,
  `{ __type(name: "Task_filter") { inputFields { name type { name kind ofType { name } } defaultValue } } }`,
  `{ __schema { directives { name locations args { name type { kind name ofType { name } } } } } }`,
  `query Named { me { id } }`,
  `{ wallet(address: "0x01") { user { submissions(first: 1, skip: 0, state: SUBMITTED) { id } } } }`,
  `{ guild(slug: "x") { members { user { guilds { guild { owner { id } } } } } } }`,
  `{ proposal(id: "1") { votes(first: 1) { block } } }`,
  // invalid, one rule or more each
  `query A { me { id } } query A { users { id } }`,
  `{ me { id } } query B { me { id } }`,
  `{ nope }`,
  `{ me { nope } }`,
  `{ me }`,
  `{ me { id { x } } }`,
  `{ task(id: 1, nope: 2) { id } }`,
  `{ task(id: 1, id: 2) { id } }`,
  `{ task { id } }`,
  `{ task(id: 1.5) { id } }`,
  `{ tasks(first: "10") { id } }`,
  `{ tasks(first: 3000000000) { id } }`,
  `{ tasks(orderBy: nope) { id } }`,
  `{ tasks(orderBy: "id") { id } }`,
  `{ tasks(where: {nope: 1}) { id } }`,
  `{ tasks(where: {difficulty: 1, difficulty: 2}) { id } }`,
  `{ tasks(where: 5) { id } }`,
  `mutation { createTask(input: {type: QUEST}) { id } }`,
  `mutation { createTask(input: null) { id } }`,
  `{ me @nope { id } }`,
  `query @include(if: true) { me { id } }`,
  `{ me @skip(if: true) @skip(if: false) { id } }`,
  `{ me @skip { id } }`,
  `{ me @skip(if: true, x: 1) { id } }`,
  `query ($a: Int, $a: Int) { tasks(first: $a) { id } }`,
  `query ($u: User) { me { id } }`,
  `query ($u: Nope) { me { id } }`,
  `query Q { tasks(first: $n) { id } }`,
  `{ tasks(first: $n) { id } }`,
  `query Q($n: Int) { me { id } }`,
  `query Q($id: ID) { task(id: $id) { id } }`,
  `query Q($id: Int!) { task(id: $id) { id } }`,
  `query Q($n: Int = "x") { tasks(first: $n) { id } }`,
  `query Q($o: Task_orderBy!) { tasks(orderDirection: $o) { id } }`,
  `{ me { ...U } }`,
  `{ me { id } } fragment U on User { id }`,
  `{ me { ...U } } fragment U on User { id } fragment U on User { address }`,
  `{ me { ...U } } fragment U on User { ...V } fragment V on User { ...U }`,
  `{ me { ...U } } fragment U on User { id ...U }`,
  `{ me { ... on Nope { id } } }`,
  `{ me { ...F } } fragment F on Nope { id }`,
  `{ me { ... on String { id } } }`,
  `{ me { ...F } } fragment F on Int { id }`,
  `{ me { ... on Task { id } } }`,
  `{ me { ...T } } fragment T on Task { id }`,
  `{ me { x: id x: address } }`,
  `{ task(id: 1) { id } task(id: 2) { id } }`,
  `{ me { skills { slug } skills { x: slug slug: name } } }`,
  `{ tasks(first: 1) { id } tasks(first: 2) { id } }`,
  `{ me { id: address } }`,
  `{ task(id: 1) { creator { ...A ...B } } } fragment A on User { n: id } fragment B on User { n: address }`,
  `subscription { me { id } }`,
  `{ __type { name } }`,
  `{ __type(name: 1) { name } }`,
  `{ __schema }`,
  `{ wallet(address: null) { xp } }`,
  `query ($a: Bytes!) { wallet(address: $a) { xp } } query B { me { id } }`,
  `{ tasks(where: {id_in: [1, null]}) { id } }`,
  `{ tasks(where: {type_in: [LESSON, NOPE]}) { id } }`,
  `mutation { submit(taskId: 1, text: "x", evidence: [{type: "link"}]) { id } }`,
  `mutation { submit(taskId: 1, text: "x", evidence: {type: "link", url: "u", extra: 1}) { id } }`,
  `{ me { ... @skip(if: 1) { id } } }`,
  `query ($b: Boolean) { me @include(if: $b) { id } }`,
  `query ($b: Boolean = true) { me @include(if: $b) { id } }`,
  `query ($b: [Boolean]) { me @include(if: $b) { id } }`,
  // syntax
  `{ me { id }`,
  `{}`,
  ``,
  `{ me(: 1) { id } }`,
  `query ($a: Int = $b) { me { id } }`,
  `{ me { id } } type T { a: Int }`,
  `fragment on on User { id }`,
  `{ tasks(first: 01) { id } }`,
  `{ tasks(first: 1.) { id } }`,
  `{ me { "id" } }`,
  `{ me { id } } }`,
  `{ me(x: "unterminated) { id } }`,
  `{ me(x: "\\z") { id } }`,
  `query Q($a: [Int!]! = [1, 2]) { me { id } }`,
];

// Edits that break a valid document, each aimed at one rule.
const edits = [
  (q) => q.replace(/\{ (\w+)/, '{ $1Nope'),                        // an unknown field
  (q) => q.replace(/ id /, ' id { x } '),                          // a selection under a scalar
  (q) => q.replace(/ \{ ([^{}]*)\} \}$/, ' }'),                     // an object field without selection
  (q) => q.replace(/\{ (\w+)(\(|\s)/, '{ $1(nope: 1)$2'),           // an unknown argument
  (q) => q.replace(/first: (\d+)/, 'first: "$1"'),                  // a string for an Int
  (q) => q.replace(/\{ (\w+) /, '{ $1 @nope '),                     // an unknown directive
  (q) => q.replace(/\{ (\w+) /, '{ $1 @skip(if: true) @skip(if: true) '), // a directive twice
  (q) => q.replace(/\{ (\w+) /, '{ $1 @include '),                  // a directive without its argument
  (q) => q.replace(/\{ (\w+)/, '{ $1: id $1'),                      // an alias that conflicts
  (q) => `${q} fragment Unused on Task { id }`,                     // an unused fragment
  (q) => q.replace(/ id /, ' ...Missing '),                         // an unknown fragment
  (q) => `${q} query { me { id } }`,                                // two operations, one anonymous
  (q) => q.replace(/^(query|mutation)?\s*(\w+)?\s*(\([^)]*\))?\s*\{/, (m) => `query Edited($unused: Int) ${m.replace(/^(query|mutation)?\s*(\w+)?\s*(\([^)]*\))?\s*/, '')}`), // an unused variable
  (q) => q.replace(/id: (\d+)/, 'id: $undefinedVar'),               // an undefined variable
  (q) => q.replace(/orderBy: (\w+)/, 'orderBy: NOPE'),              // a value not in an enum
  (q) => q.replace(/\{ (\w+) /, '{ ... on Staking { stake } $1 '),  // a fragment that cannot apply
  (q) => q.replace(/\(first: (\d+)\)/, '(first: $1, first: 2)'),    // an argument twice
  (q) => q.replace(/task\(id: 1\)/, 'task'),                        // a required argument missing
];

export function generated() {
  const valid = written.slice(0, 53);
  const out = [];
  for (const q of valid)
    for (const e of edits) {
      const d = e(q);
      if (d !== q) out.push(d);
    }
  return out;
}
