/**
 * Whose problem an SMTP refusal is:
 * - `recipient`: the recipient's address is refused for good; it bounces and is suppressed.
 * - `sender`: the sender address, the relay, authentication or the server's policy towards us;
 *   the candidate did nothing, so their standing is never touched.
 * - `transient`: worth another attempt later.
 * - `message`: this message was refused (size, content, protocol) naming neither address.
 */
export type ReplyClass = 'recipient' | 'sender' | 'transient' | 'message';

export interface SmtpReply {
  /** The whole reply text, as the server sent it (`550 5.1.1 <x@y>: ...`), or null when there was none. */
  response: string | null;
  /** Whether it answered RCPT TO. */
  atRcpt: boolean;
  /** The envelope sender, in every spelling the reply may use (as written, and in IDNA). */
  sender: string | string[];
  recipient: string | string[];
}

const RECIPIENT_CODES = new Set(['1.1', '1.2', '1.3', '1.4', '1.6', '1.10', '2.1']);
const SENDER_CODES = new Set(['1.7', '1.8']);
const AUTH_CODES = new Set([530, 534, 535, 538]);
/** Postfix's and other servers' words for a refusal aimed at the client, the sender or the relay. */
const SENDER_WORDS =
  /sender address rejected|client host rejected|helo command rejected|relay access denied|relaying denied|not permitted to relay|relay not permitted|authentication required|must issue a starttls|unable to relay|sender (?:domain|address) (?:not|is not|un)|bad sender/i;

/** Words for an address that does not exist, whatever enhanced code a server puts beside them (Microsoft's 5.4.1). */
const RECIPIENT_WORDS = /recipient address rejected|user unknown|no such (?:user|mailbox|recipient)|does not exist|mailbox unavailable|address unknown/i;

function addressesIn(text: string): Set<string> {
  const found = new Set<string>();
  for (const m of text.matchAll(/<([^<>\s]+@[^<>\s]+)>|([^\s<>:;,()[\]"']+@[^\s<>:;,()[\]"']+)/g)) found.add((m[1] ?? m[2]).toLowerCase().replace(/\.$/, ''));
  return found;
}

function sameAddress(a: string, b: string | string[]): boolean {
  return (Array.isArray(b) ? b : [b]).some((x) => a.trim().toLowerCase() === x.trim().toLowerCase());
}

/**
 * Classifies one SMTP reply by its basic code, its enhanced status code (RFC 3463) and the
 * address it names. Postfix reports sender and client refusals at RCPT TO (smtpd_delay_reject),
 * so the stage alone never blames the recipient: a reply that names the sender, or speaks of
 * the relay, the client, authentication or policy (X.7.X), is the sender's.
 */
export function classifySmtpReply(reply: SmtpReply): ReplyClass {
  const text = (reply.response ?? '').trim();
  const basic = /^([2-5]\d\d)\b/.exec(text);
  const code = basic ? Number(basic[1]) : null;
  if (code === null || code < 500) return 'transient';
  const enhanced = /^\d{3}[ -]([245])\.(\d{1,3}\.\d{1,3})\b/.exec(text)?.[2] ?? null;
  const named = [...addressesIn(text)];
  const namesSender = named.some((a) => sameAddress(a, reply.sender)) && !named.some((a) => sameAddress(a, reply.recipient));
  const namesRecipient = named.some((a) => sameAddress(a, reply.recipient));

  if (AUTH_CODES.has(code)) return 'sender';
  // RFC 3463: X.2.2, a full mailbox, is a persistent transient failure; the person can make room.
  if (enhanced === '2.2') return 'transient';
  if (namesSender || SENDER_WORDS.test(text)) return 'sender';
  if (enhanced?.startsWith('7.')) return 'sender';
  if (enhanced && SENDER_CODES.has(enhanced)) return 'sender';
  if (enhanced && RECIPIENT_CODES.has(enhanced)) return 'recipient';
  if (reply.atRcpt && RECIPIENT_WORDS.test(text)) return 'recipient';
  if (enhanced && enhanced !== '0.0' && !enhanced.startsWith('1.')) return 'message';
  if (reply.atRcpt || namesRecipient) return 'recipient';
  return 'message';
}
