import { AppConfig, MailDeliveryError, Mailer } from '@app/platform';
import { SmtpSink, startSmtpSink } from '../scripts/smtp-sink';

/** RFC 2047 Q words and quoted-printable, decoded the way a mail client would. */
const bytes = (qp: string) => Buffer.from(qp.replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8');
const decodeWords = (header: string) =>
  header.replace(/\?=\s+=\?/g, '?==?').replace(/=\?UTF-8\?Q\?(.*?)\?=/gi, (_, word: string) => bytes(word.replace(/_/g, ' ')));
const decodeQuotedPrintable = (body: string) => bytes(body.replace(/=\r\n/g, ''));

describe('mailer (nodemailer SMTP connections, pooled, against a real SMTP server)', () => {
  let sink: SmtpSink;
  let mailer: Mailer;
  beforeAll(async () => {
    sink = await startSmtpSink();
    mailer = new Mailer(Object.assign(new AppConfig(), { SMTP_URL: `smtp://127.0.0.1:${sink.port}`, SMTP_MAX_CONNECTIONS: 2, SMTP_TIMEOUT_MS: 5000 }));
  });
  afterAll(async () => {
    mailer?.onModuleDestroy();
    await sink?.close();
  });

  const mail = (to: string, overrides: Record<string, unknown> = {}) => ({
    from: { name: 'Jun Wang', address: 'jun.wang@talent.example.com' },
    replyTo: 'replies@talent.example.com',
    to,
    subject: 'A role at ByteDance Seed',
    text: 'Hi Wei,\nshort note.',
    messageId: `<${to}.1@hiring.example.com>`,
    headers: { 'List-Unsubscribe': '<https://hiring.example.com/v1/unsubscribe?token=t>', 'X-Hiring-Enrollment': 'e1' },
    ...overrides,
  });
  const received = (to: string) => sink.messages.filter((m) => m.to.includes(to));

  it('sends plain ASCII as 7bit with every header the message asked for', async () => {
    const response = await mailer.send(mail('plain@lab.example.com'));
    expect(response).toMatch(/^250 /);
    const [m] = received('plain@lab.example.com');
    expect(m.from).toBe('jun.wang@talent.example.com');
    expect(m.headers).toMatchObject({
      from: 'Jun Wang <jun.wang@talent.example.com>',
      to: '<plain@lab.example.com>',
      'reply-to': '<replies@talent.example.com>',
      subject: 'A role at ByteDance Seed',
      'message-id': '<plain@lab.example.com.1@hiring.example.com>',
      'list-unsubscribe': '<https://hiring.example.com/v1/unsubscribe?token=t>',
      'x-hiring-enrollment': 'e1',
      'mime-version': '1.0',
      'content-type': 'text/plain; charset=utf-8',
      'content-transfer-encoding': '7bit',
    });
    expect(new Date(m.headers.date).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(m.body).toBe('Hi Wei,\r\nshort note.\r\n');
  });

  it('encodes names, subjects and bodies that are not plain ASCII, and keeps a line that starts with a dot', async () => {
    const text = `李伟，你好:\n.starts with a dot\n${'long line '.repeat(20)}`;
    await mailer.send(mail('unicode@lab.example.com', { from: { name: '王军, 招聘', address: 'jun.wang@talent.example.com' }, subject: '字节跳动 Seed: 李伟, 你好', text }));
    const [m] = received('unicode@lab.example.com');
    expect(m.headers['content-transfer-encoding']).toBe('quoted-printable');
    expect(decodeWords(m.headers.subject)).toBe('字节跳动 Seed: 李伟, 你好');
    expect(decodeWords(m.headers.from)).toBe('王军, 招聘 <jun.wang@talent.example.com>');
    expect(decodeQuotedPrintable(m.body)).toBe(`${text.replace(/\n/g, '\r\n')}\r\n`);
    expect(m.body.split('\r\n').every((line) => line.length <= 76)).toBe(true);
  });

  it('never lets a line break in a value start a header of its own', async () => {
    await mailer.send(mail('inject@lab.example.com', { subject: 'Hello\r\nBcc: victim@example.com', from: { name: 'Jun\nWang', address: 'jun.wang@talent.example.com' } }));
    const [m] = received('inject@lab.example.com');
    expect(m.headers.bcc).toBeUndefined();
    expect(m.headers.subject).toBe('Hello Bcc: victim@example.com');
    expect(m.to).toEqual(['inject@lab.example.com']);
  });

  it('reports a refused recipient as a bounce and a 451 as transient, and keeps the connection for the next message', async () => {
    sink.rejectRecipients.add('gone@lab.example.com');
    const bounce = await mailer.send(mail('gone@lab.example.com')).catch((e: unknown) => e);
    expect(bounce).toBeInstanceOf(MailDeliveryError);
    expect(bounce).toMatchObject({ recipientRejected: true, transient: false });

    sink.failNext = 1;
    sink.failCode = 451;
    const later = await mailer.send(mail('later@lab.example.com')).catch((e: unknown) => e);
    expect(later).toMatchObject({ recipientRejected: false, transient: true });

    const opened = sink.connections;
    await mailer.send(mail('after@lab.example.com'));
    expect(received('after@lab.example.com')).toHaveLength(1);
    expect(received('gone@lab.example.com')).toHaveLength(0);
    expect(sink.connections).toBe(opened);
  });

  it('sends many messages at once over its few connections, each exactly once', async () => {
    const addresses = Array.from({ length: 40 }, (_, i) => `many${i}@lab${i % 4}.example.com`);
    await Promise.all(addresses.map((a) => mailer.send(mail(a))));
    expect(addresses.map((a) => received(a).length)).toEqual(addresses.map(() => 1));
    expect(sink.connections).toBeLessThanOrEqual(2);
  });

  it('calls off a message still waiting for a connection when its caller gives up, and sends nothing of it', async () => {
    const one = new Mailer(Object.assign(new AppConfig(), { SMTP_URL: `smtp://127.0.0.1:${sink.port}`, SMTP_MAX_CONNECTIONS: 1, SMTP_TIMEOUT_MS: 5000 }));
    sink.delayMs = 300;
    try {
      const first = one.send(mail('first@slow.example.com'));
      const giveUp = new AbortController();
      const second = one.send(mail('second@slow.example.com'), giveUp.signal).catch((e: unknown) => e);
      setTimeout(() => giveUp.abort(), 50);
      expect(await second).toMatchObject({ cancelled: true, notAttempted: true, outcomeUnknown: false });
      await first;
      await one.send(mail('third@slow.example.com'));
      expect(received('first@slow.example.com')).toHaveLength(1);
      expect(received('second@slow.example.com')).toHaveLength(0);
      expect(received('third@slow.example.com')).toHaveLength(1);
    } finally {
      sink.delayMs = 0;
      one.onModuleDestroy();
    }
  });

  it('reports an unreachable server as transient', async () => {
    const nowhere = new Mailer(Object.assign(new AppConfig(), { SMTP_URL: 'smtp://127.0.0.1:1', SMTP_MAX_CONNECTIONS: 1, SMTP_TIMEOUT_MS: 2000 }));
    try {
      await expect(nowhere.send(mail('x@lab.example.com'))).rejects.toMatchObject({ transient: true, recipientRejected: false, notAttempted: true, cancelled: false });
    } finally {
      nowhere.onModuleDestroy();
    }
  });
});
