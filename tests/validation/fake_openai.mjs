// A local OpenAI-compatible server for the `openai` assessor's tests (no dependencies).
//
// It speaks POST /v1/chat/completions the way the OpenAI API does for a non-streaming request
// with a json_schema response_format, checks every request it gets (bearer key, model, messages,
// stream, response_format and its schema) and records it, and answers with whatever behaviour the
// test queued. Started by the test on 127.0.0.1 with port 0; prints one line {"port": N} and runs
// until SIGTERM.
//
//   node fake_openai.mjs --model NAME [--key KEY]
//
// Control (test only):
//   POST /_control {"queue": ["429", "good"], "retryAfter": "1"}  behaviours for the next requests
//   GET  /_requests   every request so far: {path, authorization, traceparent, body, problems, behaviour}
//   POST /_reset      forget requests and the queue
// Behaviours: good, 429, 500, hang, malformed, http_malformed, refusal, schema, missing, range,
// length. With an empty queue the answer is `good`.
import http from 'node:http';

const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) =>
  (v.startsWith('--') ? [...a, [v.slice(2), all[i + 1]]] : a), []));
const MODEL = args.model || 'fake-model';
const KEY = args.key || '';

let queue = [];
let retryAfter = '1';
let requests = [];
const hanging = new Set();

const send = (res, status, obj, headers = {}) => {
  const body = typeof obj === 'string' ? obj : JSON.stringify(obj);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
};
const apiError = (res, status, message, type, code, headers) =>
  send(res, status, { error: { message, type, param: null, code } }, headers);

function checkRequest(req, raw, rec) {
  // returns [status, message, type, code] for a refused request, or null
  if (KEY && req.headers.authorization !== `Bearer ${KEY}`)
    return [401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'];
  if (!/^application\/json\b/.test(req.headers['content-type'] || ''))
    return [400, 'content-type must be application/json', 'invalid_request_error', null];
  let body;
  try { body = JSON.parse(raw); } catch { return [400, 'We could not parse the JSON body of your request.', 'invalid_request_error', null]; }
  rec.body = body;
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return [400, 'body must be an object', 'invalid_request_error', null];
  if (body.model !== MODEL)
    return [404, `The model \`${body.model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found'];
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return [400, "'messages' must be a non-empty array", 'invalid_request_error', null];
  for (const m of body.messages) {
    if (!m || !['system', 'user', 'assistant', 'developer'].includes(m.role) || typeof m.content !== 'string')
      return [400, 'each message needs a role and string content', 'invalid_request_error', null];
  }
  if (body.stream !== undefined && body.stream !== false)
    return [400, 'fake server: streaming was not asked for', 'invalid_request_error', null];
  const rf = body.response_format;
  if (!rf || rf.type !== 'json_schema' || !rf.json_schema || typeof rf.json_schema.name !== 'string' ||
      !/^[A-Za-z0-9_-]{1,64}$/.test(rf.json_schema.name) || typeof rf.json_schema.schema !== 'object')
    return [400, "'response_format' must be {type: 'json_schema', json_schema: {name, schema}}", 'invalid_request_error', null];
  const names = rf.json_schema.schema?.properties?.criteria?.items?.properties?.name?.enum;
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string'))
    return [400, 'fake server: the schema names no criteria', 'invalid_request_error', null];
  rec.criteria = names;
  return null;
}

function completion(message, finish = 'stop') {
  return {
    id: `chatcmpl-fake${requests.length}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000),
    model: MODEL, system_fingerprint: 'fp_fake',
    choices: [{ index: 0, message: { role: 'assistant', refusal: null, ...message }, logprobs: null, finish_reason: finish }],
    usage: { prompt_tokens: 100, completion_tokens: 40, total_tokens: 140 },
  };
}

function answer(res, behaviour, names) {
  const scored = names.map((name, i) => ({ name, score: Math.min(100, 70 + 5 * i) }));
  const good = { criteria: scored, overall: 78, confidence: 0.83, feedback: 'fake: solid work; add a test for the edge case.' };
  switch (behaviour) {
    case 'good': return send(res, 200, completion({ content: JSON.stringify(good) }));
    case '429': return apiError(res, 429, 'Rate limit reached for requests', 'requests', 'rate_limit_exceeded', { 'retry-after': retryAfter });
    case '500': return apiError(res, 500, 'The server had an error while processing your request.', 'server_error', null);
    case 'hang': hanging.add(res); res.on('close', () => hanging.delete(res)); return undefined;
    case 'malformed': return send(res, 200, completion({ content: '{"criteria": [{"name": ' }));
    case 'http_malformed': return send(res, 200, '<html>bad gateway</html>');
    case 'refusal': return send(res, 200, completion({ content: null, refusal: "I'm sorry, I can't assist with that request." }));
    case 'schema': return send(res, 200, completion({ content: JSON.stringify({ ...good, grade: 'A' }) }));
    case 'missing': return send(res, 200, completion({ content: JSON.stringify({ ...good, criteria: scored.slice(0, -1) }) }));
    case 'range': return send(res, 200, completion({ content: JSON.stringify({ ...good, criteria: scored.map((c, i) => (i ? c : { ...c, score: 150 })) }) }));
    case 'length': return send(res, 200, completion({ content: JSON.stringify(good).slice(0, 30) }, 'length'));
    default: return apiError(res, 500, `fake server: unknown behaviour ${behaviour}`, 'server_error', null);
  }
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    if (req.url === '/_control' && req.method === 'POST') {
      const c = JSON.parse(raw);
      if (c.queue) queue = c.queue.slice();
      if (c.retryAfter !== undefined) retryAfter = String(c.retryAfter);
      return send(res, 200, { ok: true });
    }
    if (req.url === '/_requests' && req.method === 'GET') return send(res, 200, requests);
    if (req.url === '/_reset' && req.method === 'POST') { requests = []; queue = []; return send(res, 200, { ok: true }); }
    const rec = { method: req.method, path: req.url, authorization: req.headers.authorization || null, traceparent: req.headers.traceparent || null, body: null, problems: [], behaviour: null };
    requests.push(rec);
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      rec.problems.push(`unknown route ${req.method} ${req.url}`);
      return apiError(res, 404, `Invalid URL (${req.method} ${req.url})`, 'invalid_request_error', null);
    }
    const refused = checkRequest(req, raw, rec);
    if (refused) { rec.problems.push(refused[1]); return apiError(res, ...refused); }
    rec.behaviour = queue.length ? queue.shift() : 'good';
    return answer(res, rec.behaviour, rec.criteria);
  });
});

server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
process.on('SIGTERM', () => {
  for (const res of hanging) res.destroy();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
});
