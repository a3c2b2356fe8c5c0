// The reference for the SSE fan-out benchmark: Node's own `http` module (no npm packages)
// holding every event stream in a Set and, on POST /trigger, writing one SSE frame to each.
// It does nothing else (no storage, no filters, no auth): the floor a broadcaster on Node's
// event loop reaches on this machine. Usage: node bench/events/node-sse.js PORT
'use strict';
const http = require('http');

const port = Number(process.argv[2] || 18090);
const streams = new Set();
let next = 0;

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url.startsWith('/events')) {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
    res.write('retry: 3000\n: connected\n\n');
    streams.add(res);
    req.on('close', () => streams.delete(res));
    return;
  }
  if (req.method === 'POST' && req.url === '/trigger') {
    req.resume();
    req.on('end', () => {
      const id = ++next;
      const data = JSON.stringify({ id, kind: 'bench.tick', public: true, userId: null, subject: null, data: {}, at: new Date().toISOString() });
      const frame = `id: ${id}\nevent: bench.tick\ndata: ${data}\n\n`;
      res.writeHead(201, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id }));
      for (const s of streams) s.write(frame);
    });
    return;
  }
  res.writeHead(404);
  res.end();
});
server.keepAliveTimeout = 0;
server.headersTimeout = 0;
server.requestTimeout = 0;
server.maxConnections = 100000;
server.listen(port, '127.0.0.1', () => console.log(`node-sse listening on ${port}`));
