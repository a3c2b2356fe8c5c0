// The GraphQL cross-check: graphql-js, the reference implementation, builds PHEME's schema from
// PHEME's own introspection answer (buildClientSchema) and must print the same schema as the
// committed docs/schema.graphql; then every document of the corpus (corpus.mjs) goes to both,
// and both must take the same decision — syntax error, valid, or refused — and, when refused,
// name the same validation rules. Messages are compared too, without graphql-js's "Did you
// mean" suggestions, which PHEME does not make.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  buildClientSchema, buildSchema, getIntrospectionQuery, lexicographicSortSchema, parse, printSchema,
  specifiedRules, validate,
} from 'graphql';
import { generated, written } from './corpus.mjs';

const tool = process.env.PHEME_GQLTOOL;
const schemaFile = process.env.PHEME_SCHEMA;

function runTool(mode, docs) {
  const input = docs.map((q) => JSON.stringify({ query: q })).join('\n') + '\n';
  const r = spawnSync(tool, [mode], { input, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${tool} ${mode}: ${r.stderr}`);
  return r.stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
}

let failures = 0;
const fail = (msg) => {
  failures++;
  console.log(`FAIL ${msg}`);
};

// 1. the schema
const [intro] = runTool('introspect', [getIntrospectionQuery({
  descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true,
  inputValueDeprecation: true,
})]);
if (intro.errors) throw new Error(`introspection failed: ${JSON.stringify(intro.errors)}`);
const schema = buildClientSchema(intro.data);
const fromIntrospection = printSchema(lexicographicSortSchema(schema));
const fromFile = printSchema(lexicographicSortSchema(buildSchema(readFileSync(schemaFile, 'utf8'))));
if (fromIntrospection !== fromFile) fail('the introspected schema differs from docs/schema.graphql');
else console.log(`ok   schema: ${Object.keys(schema.getTypeMap()).length} types, introspection = docs/schema.graphql`);

// 2. the corpus
const docs = [...written, ...generated()];
const ours = runTool('validate', docs);
const strip = (m) => m.replace(/ Did you mean .*$/, '').replace(/ Did you mean the enum value .*$/, '');
const ruleName = (r) => r.name.replace(/Rule$/, '');
let nValid = 0, nInvalid = 0, nSyntax = 0, nMessages = 0;
docs.forEach((q, i) => {
  const mine = ours[i];
  const myErrors = mine.errors || [];
  const mySyntax = myErrors.some((e) => e.extensions.code === 'GQL001');
  const myRules = [...new Set(myErrors.filter((e) => e.extensions.code === 'GQL002').map((e) => e.extensions.rule))].sort();
  let doc;
  try {
    doc = parse(q);
  } catch {
    nSyntax++;
    if (!mySyntax) fail(`#${i} graphql-js: syntax error; PHEME: ${JSON.stringify(myErrors.map((e) => e.message))}\n     ${q}`);
    return;
  }
  if (mySyntax) {
    fail(`#${i} PHEME: syntax error (${myErrors[0].message}); graphql-js parses it\n     ${q}`);
    return;
  }
  const theirs = validate(schema, doc);
  const theirRules = specifiedRules.filter((r) => validate(schema, doc, [r]).length > 0).map(ruleName).sort();
  if (theirs.length === 0) nValid++;
  else nInvalid++;
  if (JSON.stringify(theirRules) !== JSON.stringify(myRules)) {
    fail(`#${i} rules: graphql-js [${theirRules}], PHEME [${myRules}]\n     ${q}\n     graphql-js: ${theirs.map((e) => e.message).join(' | ')}\n     PHEME: ${myErrors.map((e) => e.message).join(' | ')}`);
    return;
  }
  const a = theirs.map((e) => strip(e.message)).sort(), b = myErrors.filter((e) => e.extensions.code === 'GQL002').map((e) => strip(e.message)).sort();
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    fail(`#${i} messages differ\n     ${q}\n     graphql-js: ${a.join(' | ')}\n     PHEME: ${b.join(' | ')}`);
    return;
  }
  nMessages++;
});
console.log(`${docs.length} documents: ${nValid} valid, ${nInvalid} refused, ${nSyntax} syntax errors; ${nMessages} with the same messages; ${failures} failures`);
process.exit(failures ? 1 : 0);
