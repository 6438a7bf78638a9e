import { Agent as HttpAgent, request as httpRequest, IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { guardedLookup, Network, refusedAddress } from './webhook-targets';

/** Bytes of an answer read at most; the rest is not read (the connection is closed). */
export const RESPONSE_READ_LIMIT = 64 * 1024;
/** Characters of an answer kept in the delivery log. */
export const RESPONSE_EXCERPT_LENGTH = 1000;

export interface PostOutcome {
  /** The HTTP status, or null when no answer came (refused, unreachable, timed out). */
  status: number | null;
  durationMs: number;
  /** Why the attempt failed, for the delivery log; null when it succeeded. */
  error: string | null;
  excerpt: string | null;
}

/** Control characters (but tab and newline) never reach the log's text columns; Postgres refuses NUL. */
const printable = (text: string) =>
  Array.from(text, (ch) => {
    const code = ch.codePointAt(0)!;
    return (code < 32 && code !== 9 && code !== 10) || code === 127 ? ' ' : ch;
  }).join('');

/**
 * Connections are kept open between deliveries (most go to few endpoints). The pools are per
 * allow-list: a socket was checked against the list in force when it connected, so a changed
 * list starts new pools, and idle sockets close after a few seconds.
 */
const pools = new Map<string, { http: HttpAgent; https: HttpsAgent }>();
function poolFor(allowed: readonly Network[]) {
  const key = allowed.map(([address, bits]) => `${address.toString()}/${bits}`).join(',');
  let pool = pools.get(key);
  if (!pool) {
    if (pools.size >= 4) {
      for (const old of pools.values()) {
        old.http.destroy();
        old.https.destroy();
      }
      pools.clear();
    }
    const options = { keepAlive: true, keepAliveMsecs: 1000, maxSockets: 64, maxFreeSockets: 16, timeout: 5000 };
    pool = { http: new HttpAgent(options), https: new HttpsAgent(options) };
    pools.set(key, pool);
  }
  return pool;
}

/** Why a complete answer counts as a failure, or null for a 2xx. */
function answerError(status: number, location: string | undefined): string | null {
  if (status >= 200 && status < 300) return null;
  if (status >= 300 && status < 400) return `answered ${status} (redirects are not followed${location ? `; location ${location.slice(0, 200)}` : ''})`;
  return `answered ${status}`;
}

/**
 * One POST to a webhook endpoint: only allowed targets (checked again when connecting), no
 * redirects followed (a 3xx is a failure), one deadline for the whole exchange, and at most
 * RESPONSE_READ_LIMIT bytes of the answer read. Never throws: every outcome is a PostOutcome.
 */
export function postWebhook(url: string, headers: Record<string, string>, body: string, allowed: readonly Network[], timeoutMs: number): Promise<PostOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  // Outcomes known before a request is made (and its deadline set).
  const unsent = (error: string) => Promise.resolve({ status: null, error, excerpt: null, durationMs: elapsed() });
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return unsent('the URL does not parse');
  }
  const host = target.hostname.replace(/^\[|\]$/g, '');
  // A literal address is connected to without a lookup: check it here.
  const refusal = isIP(host) ? refusedAddress(host, allowed) : null;
  if (refusal) return unsent(`target refused: ${refusal}`);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: Omit<PostOutcome, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve({ ...outcome, durationMs: elapsed() });
    };
    const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      lookup: guardedLookup(allowed) as never,
      agent: target.protocol === 'https:' ? poolFor(allowed).https : poolFor(allowed).http,
    });
    const deadline = setTimeout(() => {
      request.destroy();
      finish({ status: null, error: `no complete answer within ${timeoutMs} ms`, excerpt: null });
    }, timeoutMs);
    request.on('error', (err: NodeJS.ErrnoException) => {
      const refused = err.code === 'ETARGETREFUSED';
      finish({ status: null, error: refused ? `target refused: ${err.message}` : `${err.code ?? 'error'}: ${err.message}`.slice(0, 300), excerpt: null });
    });
    request.on('response', (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let read = 0;
      const done = (brokeOff = false) => {
        const status = response.statusCode ?? 0;
        const text = Buffer.concat(chunks).subarray(0, RESPONSE_READ_LIMIT).toString('utf8');
        const excerpt = text ? printable(text.slice(0, RESPONSE_EXCERPT_LENGTH)) : null;
        // An answer cut off before its end (a reset, fewer bytes than announced) is not a complete answer, whatever its status.
        const error =
          brokeOff && read < RESPONSE_READ_LIMIT
            ? `answered ${status}, but the answer broke off after ${read} bytes`
            : answerError(status, response.headers.location);
        // A capped answer leaves unread bytes on the socket: it cannot be reused.
        if (read >= RESPONSE_READ_LIMIT) request.destroy();
        finish({ status, error, excerpt });
      };
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        read += chunk.length;
        if (read >= RESPONSE_READ_LIMIT) done();
      });
      response.on('end', () => done());
      response.on('error', () => done(true));
      response.on('aborted', () => done(true));
    });
    request.end(body);
  });
}
