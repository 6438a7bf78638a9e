import { encodeWord, hasLongerLines, isPlainText, quoteString } from 'nodemailer/lib/mime-funcs';
import { toASCII } from 'nodemailer/lib/punycode';
import { encode as encodeQuotedPrintable, wrap as wrapQuotedPrintable } from 'nodemailer/lib/qp';
import type { OutgoingMail } from './mailer';

/** A header value on one line: a line break in a value would start a header of the sender's choosing. */
const oneLine = (value: string) => value.replace(/[\r\n]+/g, ' ');

/** The domain in ASCII (IDNA), as SMTP without SMTPUTF8 needs it. */
export function asciiAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return address;
  const domain = address.slice(at + 1).toLowerCase();
  // An ASCII domain is its own IDNA form: punycode would hand it back unchanged, after splitting and rejoining it.
  return `${address.slice(0, at)}@${NON_ASCII.test(domain) ? toASCII(domain) : domain}`;
}

const NON_ASCII = /[\u0080-\uffff]/;

/** RFC 2047 allows 75 characters per encoded word; RFC 5322 asks for lines of at most 78, 76 kept here. */
const MAX_WORD = 75;
const MAX_LINE = 76;

/** One encoded word, Q when it fits in `room` (readable in raw form), else the shorter B. */
function encodedWord(text: string, room = MAX_WORD): string {
  const q = encodeWord(text, 'Q', 0);
  return q.length <= room ? q : encodeWord(text, 'B', 0);
}

/**
 * Encoded words for a phrase or an unstructured value. Decoders drop the white space between
 * adjacent encoded words and some put a space where one word ends, so words split only where the
 * text had white space, each word keeping its trailing space inside. Only a run of text too long
 * for one encoded word (some 15 CJK characters without a space) is cut, between characters.
 * `first` is the room left on the header's first line.
 */
function encodePhrase(text: string, first: number): string[] {
  const words: string[] = [];
  let current = '';
  const room = () => (words.length ? MAX_WORD : Math.min(MAX_WORD, first));
  const fits = (candidate: string) => encodedWord(candidate, room()).length <= room();
  for (const token of text.match(/\S+\s*|\s+/g) ?? []) {
    if (fits(current + token)) {
      current += token;
      continue;
    }
    if (current) words.push(encodedWord(current, room()));
    current = '';
    for (const char of token) {
      if (current && !fits(current + char)) {
        words.push(encodedWord(current, room()));
        current = '';
      }
      current += char;
    }
  }
  if (current) words.push(encodedWord(current, room()));
  return words;
}

/**
 * `Name: value` folded at the given places (white space in the value), lines kept to 76
 * characters where a place allows it; the first place always stays on the name's line, so a
 * header is never folded right after its colon.
 */
function header(name: string, parts: string[]): string {
  let out = `${name}:`;
  let line = out.length;
  for (const [i, part] of parts.entries()) {
    if (i > 0 && part && line + 1 + part.length > MAX_LINE) {
      out += `\r\n ${part}`;
      line = 1 + part.length;
    } else {
      out += ` ${part}`;
      line += 1 + part.length;
    }
  }
  return out;
}

const plainParts = (value: string) => value.split(' ');

function mailboxParts(name: string, address: string, room: number): string[] {
  const display = oneLine(name).trim();
  const addr = `<${asciiAddress(address)}>`;
  if (!display) return [addr];
  if (isPlainText(display)) return [...plainParts(/^[\w ]*$/.test(display) ? display : quoteString(display)), addr];
  return [...encodePhrase(display, room), addr];
}

function unstructuredParts(value: string, room: number): string[] {
  const text = oneLine(value);
  return isPlainText(text) ? plainParts(text) : encodePhrase(text, room);
}

/** RFC 5322 date with a numeric zone. */
function rfc5322Date(at: Date): string {
  return at.toUTCString().replace(/GMT$/, '+0000');
}

/**
 * The whole message, ready for SMTP DATA: a single text/plain part in UTF-8, 7bit when it is plain
 * ASCII in short lines and quoted-printable otherwise, headers encoded (RFC 2047, nodemailer's
 * word encoder) and folded between words. It is built in one pass into one buffer, which costs a fraction of
 * nodemailer's general-purpose composer and its stream pipeline, and goes out in one write.
 */
export function composeMessage(mail: OutgoingMail, at: Date): Buffer {
  const text = mail.text.replace(/\r?\n|\r/g, '\r\n');
  const plain = isPlainText(text) && !hasLongerLines(text, 76);
  const headers: string[] = [
    header('From', mailboxParts(mail.from.name, mail.from.address, MAX_LINE - 'From: '.length)),
    header('To', [`<${asciiAddress(mail.to)}>`]),
    ...(mail.replyTo ? [header('Reply-To', [`<${asciiAddress(mail.replyTo)}>`])] : []),
    header('Subject', unstructuredParts(mail.subject, MAX_LINE - 'Subject: '.length)),
    header('Message-ID', [oneLine(mail.messageId)]),
    header('Date', plainParts(rfc5322Date(at))),
    ...Object.entries(mail.headers).map(([key, value]) => header(key, plainParts(oneLine(value)))),
    header('MIME-Version', ['1.0']),
    header('Content-Type', ['text/plain;', 'charset=utf-8']),
    header('Content-Transfer-Encoding', [plain ? '7bit' : 'quoted-printable']),
  ];
  const head = headers.join('\r\n');
  const body = plain ? text : wrapQuotedPrintable(encodeQuotedPrintable(text), 76);
  return Buffer.from(`${head}\r\n\r\n${body}\r\n`, 'utf8');
}
