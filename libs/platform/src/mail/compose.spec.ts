import { decodeHeader } from '../../../../test/support/decode-words';
import { composeMessage } from './compose';
import type { OutgoingMail } from './mailer';

const mail = (overrides: Partial<OutgoingMail> = {}): OutgoingMail => ({
  from: { name: 'Jun Wang', address: 'jun.wang@talent.example.com' },
  replyTo: 'replies@talent.example.com',
  to: 'wei@lab.example.com',
  subject: 'A role at ByteDance Seed',
  text: 'Hi Wei',
  messageId: '<e1.2@hiring.example.com>',
  headers: {},
  ...overrides,
});

/** The raw header section, each header with its folded continuation lines. */
function headers(message: Buffer): Map<string, string> {
  const raw = message.toString('utf8');
  const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
  const out = new Map<string, string>();
  for (const field of head.split(/\r\n(?![ \t])/)) {
    const colon = field.indexOf(':');
    out.set(field.slice(0, colon).toLowerCase(), field.slice(colon + 1));
  }
  return out;
}

describe('message composition', () => {
  it('keeps a CJK display name whole in one encoded word, decoded back without a space inside', () => {
    const from = headers(composeMessage(mail({ from: { name: '字节跳动招聘', address: 'jobs@bytedance.example.com' } }), new Date())).get('from')!;
    const decoded = decodeHeader(from);
    expect(decoded.text.trim()).toBe('字节跳动招聘 <jobs@bytedance.example.com>');
    expect(decoded.words).toEqual(['字节跳动招聘']);
  });

  it('splits encoded words only after white space of the text, each at most 75 characters, each line at most 76', () => {
    const subject = '字节跳动 Seed 团队: 李伟, 你好, 我们正在招聘大模型研究员, 想和你聊聊 and a few English words to finish';
    const name = '字节跳动 Seed 大模型团队 招聘负责人 王军';
    const message = composeMessage(mail({ subject, from: { name, address: 'jun@bytedance.example.com' } }), new Date());
    const h = headers(message);
    for (const [value, expected] of [
      [h.get('subject')!, subject],
      [h.get('from')!, `${name} <jun@bytedance.example.com>`],
    ]) {
      const decoded = decodeHeader(value);
      expect(decoded.text.trim()).toBe(expected);
      expect(decoded.words.length).toBeGreaterThan(1);
      for (const word of decoded.words.slice(0, -1)) expect(word).toMatch(/\s$/);
      for (const word of value.match(/=\?[^?]+\?[QB]\?[^?]*\?=/gi)!) expect(word.length).toBeLessThanOrEqual(75);
    }
    const head = message.toString('utf8').split('\r\n\r\n')[0];
    for (const line of head.split('\r\n')) if (!line.startsWith('List-Unsubscribe')) expect(line.length).toBeLessThanOrEqual(76);
  });

  it('cuts a run of text too long for one encoded word only between characters', () => {
    const name = '字'.repeat(40);
    const from = headers(composeMessage(mail({ from: { name, address: 'a@b.example.com' } }), new Date())).get('from')!;
    const decoded = decodeHeader(from);
    expect(decoded.text.trim()).toBe(`${name} <a@b.example.com>`);
    for (const word of from.match(/=\?[^?]+\?[QB]\?[^?]*\?=/gi)!) expect(word.length).toBeLessThanOrEqual(75);
  });

  it('never folds List-Unsubscribe right after its colon, and folds long headers between words', () => {
    const link = `<https://hiring.example.com/v1/unsubscribe?token=${'a'.repeat(120)}>`;
    const references = ['<e1.1@hiring.example.com>', '<e1.2@hiring.example.com>', '<e1.3@hiring.example.com>'];
    const raw = composeMessage(
      mail({ headers: { 'List-Unsubscribe': link, References: references.join(' '), 'In-Reply-To': references[2] } }),
      new Date(),
    ).toString('utf8');
    expect(raw).toContain(`\r\nList-Unsubscribe: ${link}\r\n`);
    expect(raw).toMatch(/\r\nReferences: <e1\.1@hiring\.example\.com> <e1\.2@hiring\.example\.com>\r\n <e1\.3@hiring\.example\.com>\r\n/);
    expect(raw).toContain('\r\nIn-Reply-To: <e1.3@hiring.example.com>\r\n');
    expect(raw).not.toMatch(/:\r\n/);
  });

  it('keeps plain ASCII names and subjects readable, quoting names with specials, and values on one line', () => {
    const h = headers(
      composeMessage(mail({ from: { name: 'Wang, Jun', address: 'jun@x.example.com' }, subject: 'Hello\r\nBcc: victim@example.com' }), new Date()),
    );
    expect(h.get('from')).toBe(' "Wang, Jun" <jun@x.example.com>');
    expect(h.get('subject')).toBe(' Hello Bcc: victim@example.com');
    expect(h.has('bcc')).toBe(false);
  });

  describe('with alternatives and attachments', () => {
    const ics = ['BEGIN:VCALENDAR', 'METHOD:REQUEST', 'BEGIN:VEVENT', 'SUMMARY:Interview', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
    /** The entities of a multipart body: each one's headers (lower-cased names) and raw body. */
    function entities(raw: string, contentType: string): { headers: Map<string, string>; body: string }[] {
      const boundary = /boundary="([^"]+)"/.exec(contentType)![1];
      const [, ...rest] = raw.split(`--${boundary}`);
      expect(rest.at(-1)!.startsWith('--')).toBe(true);
      return rest.slice(0, -1).map((chunk) => {
        const entity = chunk.replace(/^\r\n/, '').replace(/\r\n$/, '');
        const end = entity.indexOf('\r\n\r\n');
        const headers = new Map<string, string>();
        for (const field of entity.slice(0, end).split(/\r\n(?![ \t])/))
          headers.set(field.slice(0, field.indexOf(':')).toLowerCase(), field.slice(field.indexOf(':') + 1).trim());
        return { headers, body: entity.slice(end + 4) };
      });
    }
    const split = (message: Buffer) => {
      const raw = message.toString('utf8');
      const end = raw.indexOf('\r\n\r\n');
      return { headers: headers(message), body: raw.slice(end + 4) };
    };

    it('sends the text and a calendar as multipart/alternative, the calendar byte for byte, and an attachment in multipart/mixed', () => {
      const message = composeMessage(
        mail({
          alternatives: [{ contentType: 'text/calendar; charset=utf-8; method=REQUEST', content: ics }],
          attachments: [{ filename: 'invite.ics', contentType: 'application/ics', content: ics }],
        }),
        new Date(),
      );
      const top = split(message);
      expect(top.headers.get('mime-version')).toBe(' 1.0');
      expect(top.headers.get('content-type')).toMatch(/^ multipart\/mixed;\s+boundary="=_mixed_[0-9a-f]{24}"$/);
      const [alternative, attachment] = entities(top.body, top.headers.get('content-type')!);
      expect(alternative.headers.get('content-type')).toMatch(/^multipart\/alternative;/);
      const [text, calendar] = entities(alternative.body, alternative.headers.get('content-type')!);
      expect(text.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(text.body).toBe('Hi Wei');
      expect(calendar.headers.get('content-type')).toBe('text/calendar; charset=utf-8; method=REQUEST');
      expect(calendar.headers.get('content-transfer-encoding')).toBe('7bit');
      expect(calendar.body).toBe(ics);
      expect(attachment.headers.get('content-type')).toBe('application/ics; name="invite.ics"');
      expect(attachment.headers.get('content-disposition')).toBe('attachment; filename="invite.ics"');
      expect(attachment.headers.get('content-transfer-encoding')).toBe('base64');
      expect(Buffer.from(attachment.body, 'base64').toString('utf8')).toBe(ics);
      expect(attachment.body.split('\r\n').every((line) => line.length <= 76)).toBe(true);
    });

    it('sends a calendar that is not plain ASCII in base64, and the text alone when there is nothing else', () => {
      const chinese = ics.replace('SUMMARY:Interview', 'SUMMARY:面试 王小明');
      const top = split(composeMessage(mail({ alternatives: [{ contentType: 'text/calendar; charset=utf-8; method=CANCEL', content: chinese }] }), new Date()));
      expect(top.headers.get('content-type')).toMatch(/^ multipart\/alternative;/);
      const [, calendar] = entities(top.body, top.headers.get('content-type')!);
      expect(calendar.headers.get('content-transfer-encoding')).toBe('base64');
      expect(Buffer.from(calendar.body, 'base64').toString('utf8')).toBe(chinese);

      const plain = split(composeMessage(mail({ alternatives: [], attachments: [] }), new Date()));
      expect(plain.headers.get('content-type')).toBe(' text/plain; charset=utf-8');
      expect(plain.body).toBe('Hi Wei\r\n');
    });

    it('refuses an attachment name that could break out of its header', () => {
      expect(() =>
        composeMessage(mail({ attachments: [{ filename: 'a"\r\nBcc: x@y.example', contentType: 'text/plain', content: 'x' }] }), new Date()),
      ).toThrow(/file name/);
    });
  });
});
