// The peer for the HTTP benchmark: Node's own `http` module (no npm packages) answering every
// request with one fixed JSON body, about the size of a PHEME task. Usage:
//   node bench/http/node-server.js PORT
'use strict';
const http = require('http');

const port = Number(process.argv[2] || 18082);
const body = Buffer.from(JSON.stringify({
  id: 1, type: 'BOUNTY', title: 'Benchmark task 1',
  description: 'A fixed answer: the peer does no work besides HTTP and JSON framing.',
  difficulty: 5, xpReward: 104, tokenReward: '1000000000000000000', status: 'OPEN',
  creator: '0xbe9c5eed00000000000000000000000000000001', guildId: null, deadline: null,
  skills: [{ skill: 'data-analysis', minLevel: 4 }],
  requirements: { minLevel: 0, minReputation: 0 },
  createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z',
}));

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 30000;
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`node peer listening on 127.0.0.1:${port}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
