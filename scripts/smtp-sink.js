#!/usr/bin/env node
'use strict';
/**
 * A local SMTP server that accepts mail and keeps it: in memory for tests and benchmarks, and as
 * .eml files in a folder for people (the demo). It can refuse chosen recipients (550, a bounce)
 * or answer 451 for the next N messages (a transient failure).
 *
 *   node scripts/smtp-sink.js [--port 1025] [--dir var/mail]
 */
const { SMTPServer } = require('smtp-server');
const fs = require('node:fs');
const path = require('node:path');

function parseHeaders(raw) {
  const end = raw.indexOf('\r\n\r\n');
  const head = (end < 0 ? raw : raw.slice(0, end)).replace(/\r\n[ \t]+/g, ' ');
  const headers = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: end < 0 ? '' : raw.slice(end + 4) };
}

/** RFC 2047 encoded words (Q or B, UTF-8 or Latin-1) decoded, for people reading the log. */
function decodeWords(value) {
  return value.replace(/(\?=)[ \t]+(?==\?)/g, '$1').replace(/=\?([\w-]+)(?:\*[\w-]+)?\?([QB])\?([^?]*)\?=/gi, (word, charset, encoding, data) => {
    const bytes =
      encoding.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64')
        : Buffer.from(
            data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16))),
            'latin1',
          );
    const name = charset.toLowerCase();
    if (name === 'utf-8' || name === 'utf8') return bytes.toString('utf8');
    if (name === 'iso-8859-1' || name === 'us-ascii' || name === 'latin1') return bytes.toString('latin1');
    return word;
  });
}

/** Starts the sink; resolves once it listens. `port: 0` picks a free port. */
function startSmtpSink(options = {}) {
  const { port = 0, host = '127.0.0.1', dir = null, log = false } = options;
  if (dir) fs.mkdirSync(dir, { recursive: true });
  const sink = {
    port: 0,
    /** Every accepted message: { messageId, from, to, subject (decoded), headers (as sent, unfolded), body, receivedAt }. */
    messages: [],
    /** Lower-cased addresses refused at RCPT TO with 550. */
    rejectRecipients: new Set(),
    /**
     * Replies to RCPT TO chosen per lower-cased recipient: { code, text, times? } answers
     * `<code> <text>` (times: that many times, then the entry is dropped).
     */
    rcptReplies: new Map(),
    /** How many of the next messages are refused at DATA, and with which code (451: try later; 554: refused). */
    failNext: 0,
    failCode: 451,
    /** The text after the code of those refusals; null: a stock text for the code. */
    failText: null,
    /** How long to wait before accepting each message (a slow server). */
    delayMs: 0,
    /** How long to wait before answering each RCPT TO. */
    rcptDelayMs: 0,
    /** SMTP connections clients have opened so far. */
    connections: 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  let counter = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    banner: 'hiring smtp sink',
    onConnect(_session, callback) {
      sink.connections += 1;
      callback();
    },
    size: 25 * 1024 * 1024,
    async onRcptTo(address, _session, callback) {
      if (sink.rcptDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, sink.rcptDelayMs));
      const chosen = sink.rcptReplies.get(address.address.toLowerCase());
      if (chosen) {
        if (chosen.times !== undefined && --chosen.times <= 0) sink.rcptReplies.delete(address.address.toLowerCase());
        const error = new Error(chosen.text);
        error.responseCode = chosen.code;
        return callback(error);
      }
      if (sink.rejectRecipients.has(address.address.toLowerCase())) {
        const error = new Error(`5.1.1 <${address.address}>: mailbox unavailable`);
        error.responseCode = 550;
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', async () => {
        if (sink.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, sink.delayMs));
        if (sink.failNext > 0) {
          sink.failNext -= 1;
          const error = new Error(sink.failText ?? (sink.failCode >= 500 ? '5.7.1 message refused by policy' : '4.3.0 try again later'));
          error.responseCode = sink.failCode;
          return callback(error);
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const { headers, body } = parseHeaders(raw);
        const message = {
          messageId: headers['message-id'] ?? null,
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: decodeWords(headers.subject ?? ''),
          headers,
          body,
          receivedAt: new Date().toISOString(),
        };
        sink.messages.push(message);
        counter += 1;
        if (dir) fs.writeFileSync(path.join(dir, `${message.receivedAt.replace(/[:.]/g, '-')}-${counter}.eml`), raw);
        if (log) console.log(`${message.receivedAt} to ${message.to.join(', ')}: ${message.subject}`);
        callback(null, `queued as ${counter}`);
      });
    },
  });
  server.on('error', (e) => console.error(`smtp sink: ${e.message}`));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      sink.port = server.server.address().port;
      resolve(sink);
    });
  });
}

module.exports = { startSmtpSink, decodeWords };

if (require.main === module) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const dir = arg('dir', path.join(process.cwd(), 'var', 'mail'));
  startSmtpSink({ port: Number(arg('port', 1025)), dir, log: true }).then((sink) => {
    console.log(`smtp sink listening on 127.0.0.1:${sink.port}; mail is written to ${dir}`);
    const stop = () => sink.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
