// A webhook receiver in a process of its own: counts deliveries per webhook-id and endpoint path,
// verifies each signature with the Standard Webhooks reference implementation (when given the
// secrets), and answers GET /__stats with the tallies. Started by bench/webhooks/run.js.
'use strict';
const http = require('node:http');
const { Webhook } = require('standardwebhooks');

const secrets = JSON.parse(process.env.RECEIVER_SECRETS ?? '{}'); // path -> secret
const verifiers = Object.fromEntries(Object.entries(secrets).map(([p, s]) => [p, new Webhook(s)]));
const seen = new Map(); // `${path} ${id}` -> times
let requests = 0;
let badSignatures = 0;

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/__stats') {
    let duplicates = 0;
    for (const n of seen.values()) duplicates += n - 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ requests, distinct: seen.size, duplicates, badSignatures, ids: req.headers['x-with-ids'] ? [...seen.keys()] : undefined }));
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    requests += 1;
    const body = Buffer.concat(chunks).toString('utf8');
    const verifier = verifiers[req.url];
    if (verifier) {
      try {
        verifier.verify(body, req.headers);
      } catch {
        badSignatures += 1;
      }
    }
    const key = `${req.url} ${req.headers['webhook-id']}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    res.writeHead(204);
    res.end();
  });
});
server.keepAliveTimeout = 5000;
server.listen(Number(process.env.RECEIVER_PORT ?? 0), '127.0.0.1', () => process.send?.({ port: server.address().port }));
