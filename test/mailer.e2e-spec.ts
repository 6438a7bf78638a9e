import { AppConfig, MailDeliveryError, Mailer } from '@app/platform';
import { hostname } from 'node:os';
import { SmtpSink, startSmtpSink } from '../scripts/smtp-sink';
import { decodeHeader } from './support/decode-words';
import { ScriptedSmtp, startScriptedSmtp } from './support/scripted-smtp';

/** Quoted-printable, decoded the way a mail client would. */
const bytes = (qp: string) =>
  Buffer.from(
    qp.replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  ).toString('utf8');
const decodeWords = (header: string) => decodeHeader(header).text;
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
    await mailer.send(
      mail('unicode@lab.example.com', { from: { name: '王军, 招聘', address: 'jun.wang@talent.example.com' }, subject: '字节跳动 Seed: 李伟, 你好', text }),
    );
    const [m] = received('unicode@lab.example.com');
    expect(m.headers['content-transfer-encoding']).toBe('quoted-printable');
    expect(decodeWords(m.headers.subject)).toBe('字节跳动 Seed: 李伟, 你好');
    expect(decodeWords(m.headers.from)).toBe('王军, 招聘 <jun.wang@talent.example.com>');
    expect(decodeQuotedPrintable(m.body)).toBe(`${text.replace(/\n/g, '\r\n')}\r\n`);
    expect(m.body.split('\r\n').every((line) => line.length <= 76)).toBe(true);
  });

  it('logs and keeps subjects decoded in the sink, as the demo shows them in .run/mail.log', async () => {
    const logged = await startSmtpSink({ log: true });
    const lines: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    const sender = new Mailer(Object.assign(new AppConfig(), { SMTP_URL: `smtp://127.0.0.1:${logged.port}`, SMTP_MAX_CONNECTIONS: 1 }));
    try {
      const subject = '字节跳动 Seed 团队: 李伟, 你好, 我们正在招聘大模型研究员';
      await sender.send(mail('logged@lab.example.com', { subject }));
      expect(logged.messages[0].subject).toBe(subject);
      expect(lines.some((line) => line.endsWith(`to logged@lab.example.com: ${subject}`))).toBe(true);
    } finally {
      log.mockRestore();
      sender.onModuleDestroy();
      await logged.close();
    }
  });

  it('never lets a line break in a value start a header of its own', async () => {
    await mailer.send(
      mail('inject@lab.example.com', { subject: 'Hello\r\nBcc: victim@example.com', from: { name: 'Jun\nWang', address: 'jun.wang@talent.example.com' } }),
    );
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
      await expect(nowhere.send(mail('x@lab.example.com'))).rejects.toMatchObject({
        transient: true,
        recipientRejected: false,
        notAttempted: true,
        cancelled: false,
      });
    } finally {
      nowhere.onModuleDestroy();
    }
  });
});

describe('mailer timeouts, by SMTP stage (RFC 5321 4.5.3.2), against a server that stalls at a chosen stage', () => {
  let smtp: ScriptedSmtp;
  beforeAll(async () => {
    smtp = await startScriptedSmtp();
  });
  afterAll(() => smtp?.close());
  afterEach(() => {
    smtp.stage = null;
    smtp.delayMs = Infinity;
  });

  const short = {
    SMTP_GREETING_TIMEOUT_MS: 400,
    SMTP_MAIL_TIMEOUT_MS: 400,
    SMTP_RCPT_TIMEOUT_MS: 400,
    SMTP_DATA_INIT_TIMEOUT_MS: 400,
    SMTP_DATA_BLOCK_TIMEOUT_MS: 400,
    SMTP_DATA_END_TIMEOUT_MS: 400,
  };
  const mailerWith = (settings: Record<string, unknown>) =>
    new Mailer(Object.assign(new AppConfig(), { SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, SMTP_MAX_CONNECTIONS: 1, SMTP_TIMEOUT_MS: 1000, ...settings }));
  const mail = (to: string) => ({
    from: { name: 'Jun Wang', address: 'jun.wang@talent.example.com' },
    to,
    subject: 'A role',
    text: 'Hi',
    messageId: `<${to}@hiring.example.com>`,
    headers: {},
  });
  async function attempt(mailer: Mailer, to: string, signal?: AbortSignal) {
    try {
      return await mailer.send(mail(to), signal);
    } catch (error) {
      return error as MailDeliveryError;
    } finally {
      mailer.onModuleDestroy();
    }
  }

  it.each([
    ['MAIL', /MAIL FROM/],
    ['RCPT', /RCPT TO/],
    ['DATA', /reply to DATA/],
  ] as const)('calls no reply to %s a transient failure that says so, never an unknown outcome', async (stage, words) => {
    smtp.stage = stage;
    const error = await attempt(mailerWith(short), `${stage.toLowerCase()}@lab.example.com`);
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect(error).toMatchObject({ transient: true, outcomeUnknown: false, recipientRejected: false });
    expect((error as MailDeliveryError).message).toMatch(words);
  });

  it('calls no reply to the final dot an unknown outcome: the server may have the message', async () => {
    smtp.stage = 'end of data';
    const error = await attempt(mailerWith(short), 'dot@lab.example.com');
    expect(error).toMatchObject({ transient: true, outcomeUnknown: true });
    expect((error as MailDeliveryError).message).toMatch(/end of the data/);
    expect(smtp.messages.some((m) => m.includes('<dot@lab.example.com@hiring.example.com>'))).toBe(true);
  });

  it('waits for a slow RCPT and a slow greeting as long as their own timeouts allow, beyond SMTP_TIMEOUT_MS', async () => {
    smtp.stage = 'RCPT';
    smtp.delayMs = 1500;
    expect(await attempt(mailerWith({ SMTP_RCPT_TIMEOUT_MS: 5000 }), 'slow-rcpt@lab.example.com')).toMatch(/^250 /);
    smtp.stage = 'greeting';
    expect(await attempt(mailerWith({ SMTP_GREETING_TIMEOUT_MS: 5000 }), 'slow-greeting@lab.example.com')).toMatch(/^250 /);
  });

  it('times the end of the data by its own, longer timeout', async () => {
    smtp.stage = 'end of data';
    smtp.delayMs = 1500;
    expect(await attempt(mailerWith({ SMTP_DATA_END_TIMEOUT_MS: 5000 }), 'slow-dot@lab.example.com')).toMatch(/^250 /);
  });

  it('calls off a send whose caller gives up before the final dot as a transient failure, not an unknown outcome', async () => {
    smtp.stage = 'RCPT';
    const giveUp = new AbortController();
    setTimeout(() => giveUp.abort(), 200);
    const error = await attempt(mailerWith({}), 'given-up@lab.example.com', giveUp.signal);
    expect(error).toMatchObject({ transient: true, outcomeUnknown: false, cancelled: false });
    expect((error as MailDeliveryError).message).toMatch(/RCPT TO/);
  });

  it('says EHLO with SMTP_EHLO_NAME, else the host name, never [127.0.0.1]', async () => {
    smtp.ehloNames.length = 0;
    await attempt(mailerWith({}), 'ehlo1@lab.example.com');
    await attempt(mailerWith({ SMTP_EHLO_NAME: 'mail.hiring.example.com' }), 'ehlo2@lab.example.com');
    expect(smtp.ehloNames).toEqual([hostname() || 'localhost', 'mail.hiring.example.com']);
  });

  it('closes an idle pooled connection with QUIT', async () => {
    const mailer = mailerWith({ SMTP_IDLE_TIMEOUT_MS: 200 });
    try {
      await mailer.send(mail('idle@lab.example.com'));
      const connection = smtp.connections;
      expect(smtp.quits).not.toContain(connection);
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(smtp.quits).toContain(connection);
    } finally {
      mailer.onModuleDestroy();
    }
  });
});
