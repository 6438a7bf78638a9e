// bench/outreach sink: an SMTP server in a process of its own (forked by run.js, so it does not
// share the bench's event loop) that accepts every message and keeps only what the bench checks:
// how many arrived, their Message-IDs, the first and last arrival, and how many SMTP connections
// were opened. It answers the parent over IPC:
//   { cmd: 'stats' } -> { type: 'stats', count, connections, firstAt, lastAt, missingId }
//   { cmd: 'ids' }   -> { type: 'ids', ids: [...] }            (every Message-ID, in arrival order)
//   { cmd: 'reset' } -> { type: 'reset' }
// and sends { type: 'ready', port } once it listens (SINK_PORT, default 0 = any free port).
'use strict';
const { SMTPServer } = require('smtp-server');

let count = 0;
let connections = 0;
let missingId = 0;
let firstAt = null;
let lastAt = null;
let ids = [];

/** The Message-ID header of a raw message head (folded lines unfolded), or null. */
function messageIdOf(head) {
  const match = /(?:^|\r\n)message-id:[ \t]*((?:[^\r\n]|\r\n[ \t])*)/i.exec(head);
  return match ? match[1].replace(/\r\n[ \t]+/g, ' ').trim() : null;
}

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  banner: 'bench outreach sink',
  size: 25 * 1024 * 1024,
  onConnect(_session, callback) {
    connections += 1;
    callback();
  },
  onData(stream, _session, callback) {
    // Only the head is needed: keep chunks until the blank line, then just drain the rest.
    let head = '';
    let headDone = false;
    stream.on('data', (chunk) => {
      if (headDone) return;
      head += chunk.toString('utf8');
      const end = head.indexOf('\r\n\r\n');
      if (end >= 0) {
        head = head.slice(0, end);
        headDone = true;
      }
    });
    stream.on('end', () => {
      const id = messageIdOf(head);
      if (id === null) missingId += 1;
      else ids.push(id);
      count += 1;
      const now = Date.now();
      if (firstAt === null) firstAt = now;
      lastAt = now;
      callback(null, `queued as ${count}`);
    });
  },
});

server.on('error', (e) => process.stderr.write(`bench sink: ${e.message}\n`));

process.on('message', (msg) => {
  if (!msg || typeof msg !== 'object') return;
  if (msg.cmd === 'stats') process.send({ type: 'stats', count, connections, firstAt, lastAt, missingId });
  else if (msg.cmd === 'ids') process.send({ type: 'ids', ids });
  else if (msg.cmd === 'reset') {
    count = 0;
    connections = 0;
    missingId = 0;
    firstAt = null;
    lastAt = null;
    ids = [];
    process.send({ type: 'reset' });
  }
});
// The parent went away: nothing left to serve.
// smtp-server waits for open sessions when closing; a bench sink need not.
const stop = () => {
  setTimeout(() => process.exit(0), 500).unref();
  server.close(() => process.exit(0));
};
process.on('disconnect', stop);
process.on('SIGTERM', stop);

server.listen(Number(process.env.SINK_PORT ?? 0), '127.0.0.1', () => {
  process.send({ type: 'ready', port: server.server.address().port });
});
