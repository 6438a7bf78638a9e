import type { Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { parseConnectionUrl } from 'nodemailer/lib/shared';

/** How long each wait of an SMTP session may take, in ms (RFC 5321 section 4.5.3.2). */
export interface SmtpTimeouts {
  /** TCP (and TLS) connection, and replies to EHLO, STARTTLS, AUTH, RSET and QUIT. */
  command: number;
  greeting: number;
  mail: number;
  rcpt: number;
  dataInit: number;
  /** The message data handed to the socket. */
  dataBlock: number;
  /** The reply to the final dot. */
  dataEnd: number;
  /** A pooled connection unused this long is closed with QUIT. */
  idle: number;
}

/** Where a session is: which reply it waits for, or that it is writing the message. */
export type SmtpStage = 'command' | 'MAIL' | 'RCPT' | 'DATA' | 'message' | 'end of data';

const STAGE_WORDS: Record<SmtpStage, string> = {
  command: 'waiting for the reply to a command',
  MAIL: 'waiting for the reply to MAIL FROM',
  RCPT: 'waiting for the reply to RCPT TO',
  DATA: 'waiting for the reply to DATA',
  message: 'sending the message data',
  'end of data': 'waiting for the reply to the end of the data',
};

/** nodemailer's error shape, as far as the pool and the mailer read it. */
interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  rejected?: string[];
  stage?: SmtpStage;
  outcomeUnknown?: boolean;
  notAttempted?: boolean;
}

/** A message handed to the pool, from its queue to the server's reply to its final dot. */
interface Sending {
  from: string;
  to: string;
  /** The message, dot-stuffed and ending with the final dot. */
  data: Buffer;
  /**
   * queued: on no connection yet; envelope: MAIL FROM, RCPT TO and DATA written, the 354 awaited;
   * message: the data being handed to the socket; sent: the final dot written, its reply awaited.
   */
  state: 'queued' | 'envelope' | 'message' | 'sent' | 'settled';
  /** The first refusal of MAIL FROM or RCPT TO, reported once the reply to DATA is in. */
  refusal: SmtpError | null;
  /** The caller gave up after the envelope went out: the data must never follow. */
  calledOff: boolean;
  settle: (error: SmtpError | null, response?: string) => void;
}

/** A reply the session waits for, and whose message it belongs to (none for RSET, or the dot of a message called off). */
interface Awaited {
  stage: SmtpStage;
  sending: Sending | null;
}

interface Session {
  connection: SMTPConnection;
  /** Set once EHLO (and STARTTLS, AUTH) are done and the pool reads the socket itself. */
  socket: Socket | null;
  open: boolean;
  pipelining: boolean;
  smtpUtf8: boolean;
  /** Replies awaited, oldest first. */
  awaiting: Awaited[];
  /** Commands not written yet: without PIPELINING they go one at a time. */
  unwritten: { text: string; awaited: Awaited[] }[];
  /** The message whose envelope is out and whose 354 is awaited: at most one, since what follows DATA is message data. */
  envelope: Sending | null;
  /** Messages on this connection not settled yet. */
  inFlight: number;
  /** The last transaction ended in a refused envelope: RSET goes before the next MAIL FROM. */
  needsReset: boolean;
  decoder: StringDecoder;
  partial: string;
  lines: string[];
  /** Until the session is taken over: ends the connect or login under way when the connection errors or closes. */
  abort: ((error: Error) => void) | null;
  stageTimer: NodeJS.Timeout | null;
  timedStage: SmtpStage | null;
  idleTimer: NodeJS.Timeout | null;
}

const CRLF = Buffer.from('\r\n');
const DOT = Buffer.from('.');
const FINAL_DOT = Buffer.from('.\r\n');
const NON_ASCII = /[\u0080-\uffff]/;

/** The message as SMTP DATA carries it: each line that begins with a dot gets another (RFC 5321 4.5.2), then the final dot. */
export function dataOf(message: Buffer): Buffer {
  const parts: Buffer[] = [];
  if (message[0] === 0x2e) parts.push(DOT);
  let from = 0;
  for (let at = message.indexOf('\r\n.'); at >= 0; at = message.indexOf('\r\n.', from)) {
    parts.push(message.subarray(from, at + 2), DOT);
    from = at + 2;
  }
  parts.push(message.subarray(from));
  if (message.length && !(message[message.length - 2] === 0x0d && message[message.length - 1] === 0x0a)) parts.push(CRLF);
  parts.push(FINAL_DOT);
  return Buffer.concat(parts);
}

function notAttempted(): Error {
  return Object.assign(new Error('not sent: the batch gave up waiting for an SMTP connection'), { code: 'EABORTED', notAttempted: true });
}

/** nodemailer's wording for a refusal: its message with the reply, the reply's code, and the command refused. */
function refusal(message: string, code: string, response: string, command: string): SmtpError {
  return Object.assign(new Error(`${message}: ${response}`), { code, response, responseCode: Number(response.slice(0, 3)) || undefined, command });
}

/**
 * Up to `maxConnections` SMTP connections kept open between messages, messages waiting for one
 * served in order. nodemailer's SMTPConnection opens each session (TLS, EHLO, STARTTLS, AUTH);
 * the pool then reads and writes the socket itself and sends with PIPELINING (RFC 2920): the
 * envelope and DATA go out in one write, and a message's data and final dot go out in one write
 * with the next message's envelope, so that a connection sending several messages in a row waits
 * one round trip per message instead of two. Only one envelope is ever ahead, since whatever
 * follows DATA is message data. A server without PIPELINING gets one command at a time.
 * After a refused envelope the session is reset (RSET, ahead of the next MAIL FROM) and kept;
 * after a reply of 421, a timeout, a lost connection or anything unexpected it is closed; one
 * left idle for `timeouts.idle` is closed with QUIT. Each wait is timed by its stage.
 */
export class SmtpPool {
  private readonly options: SMTPConnection.Options;
  private readonly auth: { user: string; pass: string } | undefined;
  private readonly sessions: Session[] = [];
  private readonly queue: Sending[] = [];
  private connecting = 0;
  private closed = false;
  private readonly limits: Record<SmtpStage, number>;

  constructor(
    url: string,
    private readonly maxConnections: number,
    private readonly timeouts: SmtpTimeouts,
    name: string,
  ) {
    const { auth, ...options } = parseConnectionUrl(url);
    this.auth = auth?.user ? auth : undefined;
    // The stage timers below end a stalled session first; nodemailer's own inactivity timeout stays a backstop.
    const longest = Math.max(...Object.values(timeouts));
    this.options = {
      ...(options as SMTPConnection.Options),
      name,
      connectionTimeout: timeouts.command + timeouts.greeting,
      greetingTimeout: timeouts.greeting,
      socketTimeout: longest * 2,
      transactionLog: true,
    };
    this.limits = {
      command: timeouts.command,
      MAIL: timeouts.mail,
      RCPT: timeouts.rcpt,
      DATA: timeouts.dataInit,
      message: timeouts.dataBlock,
      'end of data': timeouts.dataEnd,
    };
  }

  /**
   * Resolves with the server's reply once it accepted the message; rejects with an error in
   * nodemailer's shape otherwise, its `stage` saying where the session was. A send still waiting
   * for a connection when `signal` aborts never starts and rejects with `notAttempted`; one whose
   * envelope is out is called off (its data never follows, the connection is closed) unless its
   * data is already on its way. Only a connection lost or timed out after the final dot rejects
   * with `outcomeUnknown`, since only then may the server have queued the message.
   */
  send(envelope: { from: string; to: string }, message: Buffer, signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) return Promise.reject(notAttempted());
    if (this.closed) return Promise.reject(Object.assign(new Error('the SMTP pool is closed'), { code: 'ECONNECTION', notAttempted: true }));
    return new Promise<string>((resolve, reject) => {
      const sending: Sending = {
        from: envelope.from,
        to: envelope.to,
        data: dataOf(message),
        state: 'queued',
        refusal: null,
        calledOff: false,
        settle: (error, response) => {
          if (sending.state === 'settled') return;
          signal?.removeEventListener('abort', callOff);
          sending.state = 'settled';
          if (error) reject(error);
          else resolve(response ?? '');
        },
      };
      const callOff = () => this.callOff(sending);
      signal?.addEventListener('abort', callOff, { once: true });
      this.queue.push(sending);
      this.dispatch();
    });
  }

  close(): void {
    this.closed = true;
    for (const sending of this.queue.splice(0))
      sending.settle(Object.assign(new Error('the SMTP pool is closed'), { code: 'ECONNECTION', notAttempted: true }));
    for (const session of [...this.sessions]) if (this.isIdle(session)) this.quit(session);
  }

  private callOff(sending: Sending): void {
    if (sending.state === 'queued') {
      const at = this.queue.indexOf(sending);
      if (at >= 0) this.queue.splice(at, 1);
      sending.settle(notAttempted());
      return;
    }
    const session = this.sessionOf(sending);
    if (!session) return;
    if (sending.state === 'message') {
      // The data is still being handed to the socket, so the final dot has not gone out: closing
      // now sends nothing, unless a message ahead of it still waits for the reply to its own dot.
      if (session.awaiting[0]?.sending === sending) this.fail(session, Object.assign(new Error('the batch stopped waiting for SMTP'), { code: 'ETIMEDOUT' }));
      return;
    }
    // The final dot is sent: the server decides, and the stage timers still apply.
    if (sending.state !== 'envelope') return;
    const stage = session.awaiting.find((a) => a.sending === sending)?.stage ?? 'MAIL';
    sending.calledOff = true;
    sending.settle(Object.assign(new Error(`the batch stopped waiting for SMTP while ${STAGE_WORDS[stage]}`), { code: 'ETIMEDOUT', stage }));
    // The server discards a transaction whose connection closes before its final dot. A message
    // ahead of this one, awaiting the reply to its own dot, is let finish: the connection closes
    // when this one's reply to DATA comes (see reply()), or when a stage times out.
    if (!session.awaiting.some((a) => a.sending && a.sending !== sending))
      this.fail(session, Object.assign(new Error('the SMTP transaction was called off'), { code: 'ECONNECTION' }));
  }

  private sessionOf(sending: Sending): Session | undefined {
    return this.sessions.find((s) => s.envelope === sending || s.awaiting.some((a) => a.sending === sending));
  }

  private isIdle(session: Session): boolean {
    return session.inFlight === 0 && !session.awaiting.length && !session.unwritten.length && !session.envelope;
  }

  /** Hands queued messages to connections that can take an envelope now, and opens connections while messages wait. */
  private dispatch(): void {
    while (this.queue.length) {
      let best: Session | null = null;
      for (const s of this.sessions) {
        if (!s.socket || !s.open || s.envelope || (!s.pipelining && !this.isIdle(s))) continue;
        if (!best || s.inFlight < best.inFlight) best = s;
      }
      if (!best) break;
      this.start(best, this.queue.shift()!);
    }
    while (!this.closed && this.queue.length > this.connecting && this.sessions.length < this.maxConnections) void this.open();
  }

  private start(session: Session, sending: Sending): void {
    if (session.idleTimer) clearTimeout(session.idleTimer);
    session.idleTimer = null;
    sending.state = 'envelope';
    session.envelope = sending;
    session.inFlight += 1;
    if (session.needsReset) {
      session.needsReset = false;
      this.command(session, 'RSET\r\n', [{ stage: 'command', sending: null }]);
    }
    const utf8 = session.smtpUtf8 && NON_ASCII.test(sending.from + sending.to) ? ' SMTPUTF8' : '';
    this.command(session, `MAIL FROM:<${sending.from}>${utf8}\r\n`, [{ stage: 'MAIL', sending }]);
    this.command(session, `RCPT TO:<${sending.to}>\r\n`, [{ stage: 'RCPT', sending }]);
    this.command(session, 'DATA\r\n', [{ stage: 'DATA', sending }]);
    this.flush(session);
  }

  private command(session: Session, text: string, awaited: Awaited[]): void {
    session.unwritten.push({ text, awaited });
  }

  /** Writes what may go now: everything with PIPELINING (in one write), else the next command once every reply is in. */
  private flush(session: Session): void {
    if (!session.unwritten.length || !session.open) return;
    if (session.pipelining) {
      const commands = session.unwritten.splice(0);
      session.socket!.write(commands.length === 1 ? commands[0].text : commands.map((c) => c.text).join(''));
      for (const c of commands) session.awaiting.push(...c.awaited);
    } else if (!session.awaiting.length) {
      const next = session.unwritten.shift()!;
      session.socket!.write(next.text);
      session.awaiting.push(...next.awaited);
    }
    this.rearm(session);
  }

  private async open(): Promise<void> {
    this.connecting += 1;
    const session = {
      socket: null,
      open: true,
      pipelining: false,
      smtpUtf8: false,
      awaiting: [],
      unwritten: [],
      envelope: null,
      inFlight: 0,
      needsReset: false,
      decoder: new StringDecoder('utf8'),
      partial: '',
      lines: [],
      abort: null,
      stageTimer: null,
      timedStage: null,
      idleTimer: null,
    } as unknown as Session;
    this.sessions.push(session);
    const connection = new SMTPConnection({ ...this.options, logger: this.follow(session) as unknown as SMTPConnection.Options['logger'] });
    session.connection = connection;
    // nodemailer reports a broken or closed connection as events; an idle connection the server closes reports here too.
    connection.on('error', (error: Error) => this.fail(session, error));
    // A tick later, so that a reply read just before the close (a 421, say) is handled first.
    connection.on('end', () => setImmediate(() => this.fail(session, Object.assign(new Error('the SMTP connection closed'), { code: 'ECONNECTION' }))));
    try {
      await this.run(session, (done) => connection.connect(() => done(null)));
      const auth = this.auth;
      if (auth) await this.run(session, (done) => connection.login(auth, (error) => done(error ?? null)));
      this.takeOver(session);
    } catch (error) {
      this.fail(session, error as Error);
      // As if this message had asked for the connection itself: it is not sent, and the next one tries again.
      this.queue.shift()?.settle(Object.assign(error as Error, { notAttempted: true }));
    } finally {
      this.connecting -= 1;
    }
    this.dispatch();
    if (session.open && this.isIdle(session)) this.keep(session);
  }

  /** From here on the pool reads the session's replies itself (nodemailer still reports the socket's errors and end). */
  private takeOver(session: Session): void {
    if (!session.open) throw Object.assign(new Error('the SMTP connection closed'), { code: 'ECONNECTION' });
    const internals = session.connection as unknown as { _socket: Socket; _onSocketData: (chunk: Buffer) => void; _supportedExtensions: string[] };
    const socket = internals._socket;
    socket.removeListener('data', internals._onSocketData);
    socket.on('data', (chunk: Buffer) => this.read(session, chunk));
    session.pipelining = internals._supportedExtensions.includes('PIPELINING');
    session.smtpUtf8 = internals._supportedExtensions.includes('SMTPUTF8');
    session.socket = socket;
    this.rearm(session);
  }

  private read(session: Session, chunk: Buffer): void {
    const text = session.partial + session.decoder.write(chunk);
    let from = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', from)) {
      const line = text.charCodeAt(end - 1) === 13 ? text.slice(from, end - 1) : text.slice(from, end);
      from = end + 1;
      if (!line) continue;
      session.lines.push(line);
      // A multi-line reply continues while its lines read "250-..."
      if (line.charCodeAt(3) === 45 /* - */) continue;
      const reply = session.lines.length === 1 ? line : session.lines.join('\n');
      session.lines = [];
      if (!session.open) return;
      this.reply(session, reply);
    }
    session.partial = text.slice(from);
    if (!session.open) return;
    this.flush(session);
    this.rearm(session);
    this.dispatch();
    if (session.open && this.isIdle(session)) this.keep(session);
  }

  private reply(session: Session, reply: string): void {
    const awaited = session.awaiting.shift();
    if (!awaited) {
      // Nothing asked: a 421 to an idle session, or a server out of step.
      this.fail(session, refusal('Unexpected response', 'EPROTOCOL', reply, 'CONN'));
      return;
    }
    const ok = reply.charCodeAt(0) === 50; /* 2 */
    // RFC 5321 4.2: 421 means the server is about to close the connection, whatever it answers.
    const closing = reply.startsWith('421');
    const sending = awaited.sending;
    switch (awaited.stage) {
      case 'command':
        if (!ok) this.fail(session, refusal('Reset failed', 'EPROTOCOL', reply, 'RSET'));
        return;
      case 'MAIL':
        if (!ok && sending) sending.refusal ??= refusal('Mail command failed', 'EENVELOPE', reply, 'MAIL FROM');
        break;
      case 'RCPT':
        if (!ok && sending)
          sending.refusal ??= Object.assign(refusal("Can't send mail - all recipients were rejected", 'EENVELOPE', reply, 'RCPT TO'), {
            rejected: [sending.to],
          });
        break;
      case 'DATA':
        session.envelope = null;
        if (!sending) break;
        if (/^[23]/.test(reply)) {
          if (sending.refusal?.command === 'MAIL FROM' || sending.calledOff) {
            // No transaction to end, or one nobody wants: drop the connection rather than send anything.
            sending.settle(sending.refusal);
            this.fail(session, Object.assign(new Error('the SMTP transaction was called off'), { code: 'ECONNECTION' }));
            return;
          }
          if (sending.refusal) {
            // A server must refuse DATA without an accepted recipient; this one took it: end the empty message.
            sending.settle(sending.refusal);
            session.inFlight -= 1;
            this.command(session, '.\r\n', [{ stage: 'end of data', sending: null }]);
            break;
          }
          this.writeData(session, sending);
        } else {
          sending.settle(sending.refusal ?? refusal('Data command failed', 'EENVELOPE', reply, 'DATA'));
          session.inFlight -= 1;
          session.needsReset = true;
        }
        break;
      case 'end of data':
        if (!sending) break;
        session.inFlight -= 1;
        if (ok) sending.settle(null, reply);
        else sending.settle(refusal('Message failed', 'EMESSAGE', reply, 'DATA'));
        break;
      default:
        break;
    }
    if (closing) {
      if (sending && sending.state !== 'settled')
        sending.settle(sending.refusal ?? refusal('Server is closing the connection', 'EENVELOPE', reply, awaited.stage));
      this.fail(session, refusal('Server closed the connection', 'ECONNECTION', reply, 'CONN'));
    }
  }

  /** The data and its final dot, with the next queued message's envelope in the same write. */
  private writeData(session: Session, sending: Sending): void {
    const socket = session.socket!;
    sending.state = 'message';
    socket.cork();
    socket.write(sending.data, () => {
      if (sending.state !== 'message') return;
      sending.state = 'sent';
      if (session.awaiting[0]?.sending === sending) this.rearm(session);
    });
    session.awaiting.push({ stage: 'end of data', sending });
    const next = session.open && !this.closed && session.pipelining ? this.queue.shift() : undefined;
    if (next) this.start(session, next);
    socket.uncork();
  }

  /** Times the wait at the head of the session (the reply awaited first, or the data being written). */
  private rearm(session: Session): void {
    const head = session.awaiting[0];
    const stage = head ? (head.sending?.state === 'message' ? 'message' : head.stage) : null;
    if (stage && stage === session.timedStage && session.stageTimer) {
      session.stageTimer.refresh();
      return;
    }
    if (session.stageTimer) clearTimeout(session.stageTimer);
    session.stageTimer = null;
    session.timedStage = stage;
    if (!stage || !session.open) return;
    const limit = this.limits[stage];
    session.stageTimer = setTimeout(() => {
      // With PIPELINING a server may hold every reply until it has worked through the whole
      // envelope (Postfix does), so a wait for the first reply may be spent on a later command:
      // the detail names them all.
      const later = session.awaiting.slice(1).map((a) => STAGE_WORDS[a.stage].replace('waiting for the reply to ', ''));
      const words = later.length ? `${STAGE_WORDS[stage]} (pipelined with ${later.join(', ')})` : STAGE_WORDS[stage];
      session.stageTimer = null;
      this.fail(session, Object.assign(new Error(`SMTP timed out after ${limit} ms ${words}`), { code: 'ETIMEDOUT' }));
    }, limit);
  }

  /**
   * The session is over: each message on it fails by where it was. One whose final dot went out
   * has an unknown outcome; the others were not accepted. Messages still queued stay queued.
   */
  private fail(session: Session, error: SmtpError): void {
    if (!session.open) return;
    session.open = false;
    if (session.stageTimer) clearTimeout(session.stageTimer);
    if (session.idleTimer) clearTimeout(session.idleTimer);
    session.stageTimer = session.idleTimer = null;
    const at = this.sessions.indexOf(session);
    if (at >= 0) this.sessions.splice(at, 1);
    session.abort?.(error);
    const stages = new Map<Sending, SmtpStage>();
    for (const a of session.awaiting) if (a.sending && !stages.has(a.sending)) stages.set(a.sending, a.sending.state === 'message' ? 'message' : a.stage);
    for (const c of session.unwritten) for (const a of c.awaited) if (a.sending && !stages.has(a.sending)) stages.set(a.sending, a.stage);
    session.awaiting = [];
    session.unwritten = [];
    session.envelope = null;
    for (const [sending, stage] of stages) {
      if (sending.state === 'settled') continue;
      // A refused envelope stays refused, whatever became of the connection afterwards.
      if (sending.refusal) {
        sending.settle(sending.refusal);
        continue;
      }
      const failure: SmtpError = Object.assign(new Error(`${error.message} (while ${STAGE_WORDS[stage]})`), {
        code: error.code ?? 'ECONNECTION',
        stage,
        ...(error.responseCode !== undefined ? { response: error.response, responseCode: error.responseCode } : {}),
      });
      if (stage === 'end of data' && sending.state === 'sent' && error.responseCode === undefined) failure.outcomeUnknown = true;
      sending.settle(failure);
    }
    session.inFlight = 0;
    session.connection.close();
    if (!this.closed) setImmediate(() => this.dispatch());
  }

  private keep(session: Session): void {
    if (this.closed) return this.quit(session);
    if (session.idleTimer) return;
    session.idleTimer = setTimeout(() => this.quit(session), this.timeouts.idle);
    session.idleTimer.unref();
  }

  private quit(session: Session): void {
    if (!session.open) return;
    if (session.idleTimer) clearTimeout(session.idleTimer);
    if (session.stageTimer) clearTimeout(session.stageTimer);
    session.idleTimer = session.stageTimer = null;
    session.open = false;
    const at = this.sessions.indexOf(session);
    if (at >= 0) this.sessions.splice(at, 1);
    if (session.socket && !session.socket.destroyed) {
      // The server answers 221 and closes; nodemailer's end handling then lets the socket go.
      session.socket.end('QUIT\r\n');
      setTimeout(() => session.connection.close(), this.timeouts.command).unref();
    } else session.connection.quit();
  }

  /** While nodemailer opens the session: its commands timed by the command timeout, as RFC 5321 asks. */
  private follow(session: Session) {
    const ignore = () => undefined;
    return {
      trace: ignore,
      warn: ignore,
      error: ignore,
      fatal: ignore,
      info: ignore,
      debug: (entry: { tnx?: string }) => {
        if (session.socket || !session.open) return;
        if (entry?.tnx === 'client') {
          if (session.stageTimer) clearTimeout(session.stageTimer);
          session.stageTimer = setTimeout(() => {
            session.stageTimer = null;
            this.fail(session, Object.assign(new Error(`SMTP timed out after ${this.timeouts.command} ms ${STAGE_WORDS.command}`), { code: 'ETIMEDOUT' }));
          }, this.timeouts.command);
        } else if (entry?.tnx === 'server' && session.stageTimer) {
          clearTimeout(session.stageTimer);
          session.stageTimer = null;
        }
      },
    };
  }

  /** One step of opening the session: settles with its callback, or with the connection's loss. */
  private run(session: Session, command: (done: (error: Error | null) => void) => void): Promise<void> {
    if (!session.open) return Promise.reject(Object.assign(new Error('the SMTP connection closed'), { code: 'ECONNECTION' }));
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error: Error | null) => {
        if (settled) return;
        settled = true;
        session.abort = null;
        if (error) reject(error);
        else resolve();
      };
      session.abort = (error) => settle(error);
      command(settle);
    });
  }
}
