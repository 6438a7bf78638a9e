import { encodeWord, encodeWords, foldLines, hasLongerLines, isPlainText, quoteString } from 'nodemailer/lib/mime-funcs';
import { toASCII } from 'nodemailer/lib/punycode';
import { encode as encodeQuotedPrintable, wrap as wrapQuotedPrintable } from 'nodemailer/lib/qp';
import type { OutgoingMail } from './mailer';

/** A header value on one line: a line break in a value would start a header of the sender's choosing. */
const oneLine = (value: string) => value.replace(/[\r\n]+/g, ' ');

/** The domain in ASCII (IDNA), as SMTP without SMTPUTF8 needs it. */
export function asciiAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? address : `${address.slice(0, at)}@${toASCII(address.slice(at + 1).toLowerCase())}`;
}

function mailbox(name: string, address: string): string {
  const display = oneLine(name).trim();
  if (!display) return `<${asciiAddress(address)}>`;
  const encoded = isPlainText(display) ? (/^[\w ]*$/.test(display) ? display : quoteString(display)) : encodeWord(display, 'Q', 52);
  return `${encoded} <${asciiAddress(address)}>`;
}

/** RFC 5322 date with a numeric zone. */
function rfc5322Date(at: Date): string {
  return at.toUTCString().replace(/GMT$/, '+0000');
}

/**
 * The whole message, ready for SMTP DATA: a single text/plain part in UTF-8, 7bit when it is plain
 * ASCII in short lines and quoted-printable otherwise, headers encoded (RFC 2047) and folded with
 * nodemailer's own encoders. It is built in one pass into one buffer, which costs a fraction of
 * nodemailer's general-purpose composer and its stream pipeline, and goes out in one write.
 */
export function composeMessage(mail: OutgoingMail, at: Date): Buffer {
  const text = mail.text.replace(/\r?\n|\r/g, '\r\n');
  const plain = isPlainText(text) && !hasLongerLines(text, 76);
  const headers: [string, string][] = [
    ['From', mailbox(mail.from.name, mail.from.address)],
    ['To', `<${asciiAddress(mail.to)}>`],
    ...(mail.replyTo ? ([['Reply-To', `<${asciiAddress(mail.replyTo)}>`]] as [string, string][]) : []),
    ['Subject', encodeWords(oneLine(mail.subject), 'Q', 52)],
    ['Message-ID', oneLine(mail.messageId)],
    ['Date', rfc5322Date(at)],
    ...Object.entries(mail.headers).map(([key, value]): [string, string] => [key, oneLine(value)]),
    ['MIME-Version', '1.0'],
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Transfer-Encoding', plain ? '7bit' : 'quoted-printable'],
  ];
  const head = headers.map(([key, value]) => foldLines(`${key}: ${value}`, 76)).join('\r\n');
  const body = plain ? text : wrapQuotedPrintable(encodeQuotedPrintable(text), 76);
  return Buffer.from(`${head}\r\n\r\n${body}\r\n`, 'utf8');
}
