import { randomBytes } from 'node:crypto';
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

/** A MIME entity: its Content-* headers and its encoded body. */
interface Part {
  headers: string[];
  body: string;
}

const crlf = (text: string) => text.replace(/\r?\n|\r/g, '\r\n');

/** UTF-8 text, 7bit when it is plain ASCII in short lines and quoted-printable otherwise. */
function textPart(value: string): Part {
  const text = crlf(value);
  const plain = isPlainText(text) && !hasLongerLines(text, 76);
  return {
    headers: [header('Content-Type', ['text/plain;', 'charset=utf-8']), header('Content-Transfer-Encoding', [plain ? '7bit' : 'quoted-printable'])],
    body: plain ? text : wrapQuotedPrintable(encodeQuotedPrintable(text), 76),
  };
}

const base64 = (text: string) =>
  (
    Buffer.from(text, 'utf8')
      .toString('base64')
      .match(/.{1,76}/g) ?? []
  ).join('\r\n');

/**
 * Content kept byte for byte (a calendar's folded lines, its CRLFs): as it is when it is plain
 * ASCII within SMTP's line limit, else base64, which no relay rewraps.
 */
function verbatimPart(contentType: string, content: string, extra: string[] = [], forceBase64 = false): Part {
  const text = crlf(content);
  const plain = !forceBase64 && isPlainText(text) && !hasLongerLines(text, 998);
  return {
    headers: [header('Content-Type', plainParts(oneLine(contentType))), ...extra, header('Content-Transfer-Encoding', [plain ? '7bit' : 'base64'])],
    body: plain ? text : base64(text),
  };
}

const FILENAME = /^[\w.-]{1,100}$/;

function attachmentPart(a: { filename: string; contentType: string; content: string }): Part {
  if (!FILENAME.test(a.filename))
    throw new Error(`an attachment's file name must be letters, digits, dots, dashes and underscores, got ${JSON.stringify(a.filename)}`);
  return verbatimPart(`${a.contentType}; name="${a.filename}"`, a.content, [header('Content-Disposition', ['attachment;', `filename="${a.filename}"`])], true);
}

const renderPart = (part: Part) => `${part.headers.join('\r\n')}\r\n\r\n${part.body}`;

function multipart(subtype: 'alternative' | 'mixed', parts: Part[]): Part {
  // "=_" never occurs in base64 or quoted-printable text; the 7bit parts are checked.
  let boundary: string;
  do boundary = `=_${subtype}_${randomBytes(12).toString('hex')}`;
  while (parts.some((p) => p.body.includes(boundary)));
  return {
    headers: [header('Content-Type', [`multipart/${subtype};`, `boundary="${boundary}"`])],
    body: `${parts.map((p) => `--${boundary}\r\n${renderPart(p)}\r\n`).join('')}--${boundary}--`,
  };
}

/**
 * The message's body: the text alone; with alternatives, multipart/alternative (the text first,
 * the richest rendering last, as RFC 2046 orders them); with attachments, that inside
 * multipart/mixed, the attachments after it.
 */
function bodyOf(mail: OutgoingMail): Part {
  const text = textPart(mail.text);
  const alternatives = mail.alternatives ?? [];
  const content = alternatives.length ? multipart('alternative', [text, ...alternatives.map((a) => verbatimPart(a.contentType, a.content))]) : text;
  const attachments = mail.attachments ?? [];
  return attachments.length ? multipart('mixed', [content, ...attachments.map(attachmentPart)]) : content;
}

/**
 * The whole message, ready for SMTP DATA: a single text/plain part in UTF-8 (or, with alternatives
 * or attachments, a multipart body around it; see bodyOf), headers encoded (RFC 2047, nodemailer's
 * word encoder) and folded between words. It is built in one pass into one buffer, which costs a fraction of
 * nodemailer's general-purpose composer and its stream pipeline, and goes out in one write.
 */
export function composeMessage(mail: OutgoingMail, at: Date): Buffer {
  const body = bodyOf(mail);
  const headers: string[] = [
    header('From', mailboxParts(mail.from.name, mail.from.address, MAX_LINE - 'From: '.length)),
    header('To', [`<${asciiAddress(mail.to)}>`]),
    ...(mail.replyTo ? [header('Reply-To', [`<${asciiAddress(mail.replyTo)}>`])] : []),
    header('Subject', unstructuredParts(mail.subject, MAX_LINE - 'Subject: '.length)),
    header('Message-ID', [oneLine(mail.messageId)]),
    header('Date', plainParts(rfc5322Date(at))),
    ...Object.entries(mail.headers).map(([key, value]) => header(key, plainParts(oneLine(value)))),
    header('MIME-Version', ['1.0']),
    ...body.headers,
  ];
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body.body}\r\n`, 'utf8');
}
