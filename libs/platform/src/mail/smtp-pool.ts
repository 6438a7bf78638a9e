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

interface Slot {
  connection: SMTPConnection;
  open: boolean;
  /** Ends the operation under way (connect, login, send) when the connection errors or closes. */
  abort: ((error: Error) => void) | null;
  /** Replies the session waits for, oldest first; with PIPELINING several at once. */
  awaiting: SmtpStage[];
  /** Between the 354 to DATA and the final dot. */
  inMessage: boolean;
  stageTimer: NodeJS.Timeout | null;
  idleTimer: NodeJS.Timeout | null;
}

function stageOf(slot: Slot): SmtpStage | null {
  return slot.awaiting[0] ?? (slot.inMessage ? 'message' : null);
}

const COMMAND_STAGES: Record<string, SmtpStage> = { MAIL: 'MAIL', RCPT: 'RCPT', DATA: 'DATA' };

function notAttempted(): Error {
  return Object.assign(new Error('not sent: the batch gave up waiting for an SMTP connection'), { code: 'EABORTED', notAttempted: true });
}

/**
 * This is logged just before SMTPConnection acts on the 354: it writes the message and then, from
 * its data stream's flush, the final dot, two writes and two segments for every message. Held
 * (corked) until the current turn of the event loop is over, they leave as one.
 */
function holdWrites(connection: SMTPConnection): void {
  const socket = connection._socket;
  if (!socket || socket.destroyed) return;
  socket.cork();
  setImmediate(() => socket.uncork());
}

/** nodemailer's error shape, as far as the pool reads it. */
interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  stage?: SmtpStage;
}

/**
 * Up to `maxConnections` SMTP connections (nodemailer's SMTPConnection), kept open between
 * messages, one message on a connection at a time, waiting senders served in order.
 * A connection the server closes is dropped; after a message the server refused (envelope or
 * content) the session is reset and the connection kept; after any other error it is closed;
 * one left idle for `timeouts.idle` is closed with QUIT.
 * Messages go out as ready-built buffers, so a message is one write after the pipelined envelope.
 *
 * SMTPConnection has one inactivity timeout for the whole session, so each wait is timed here,
 * by stage: the session's commands and replies are followed through its transaction log.
 */
export class SmtpPool {
  private readonly options: SMTPConnection.Options;
  private readonly auth: { user: string; pass: string } | undefined;
  private readonly idle: Slot[] = [];
  private readonly waiting: (() => void)[] = [];
  private free: number;
  private closed = false;

  constructor(
    url: string,
    maxConnections: number,
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
    this.free = maxConnections;
  }

  /**
   * Resolves with the server's reply once it accepted the message; rejects with nodemailer's
   * error otherwise, its `stage` saying where the session was. A send still waiting for a
   * connection when `signal` aborts never starts and rejects with `notAttempted`; one under way
   * is called off unless the final dot was sent. Only a connection lost or timed out after the
   * final dot rejects with `outcomeUnknown`, since only then may the server have queued the message.
   */
  async send(envelope: { from: string; to: string }, message: Buffer, signal?: AbortSignal): Promise<string> {
    await this.take(signal);
    try {
      if (this.closed) throw Object.assign(new Error('the SMTP pool is closed'), { code: 'ECONNECTION', notAttempted: true });
      let slot: Slot;
      try {
        slot = this.reuse() ?? (await this.connect());
      } catch (error) {
        throw Object.assign(error as Error, { notAttempted: true });
      }
      const callOff = () => {
        const stage = stageOf(slot);
        if (stage === 'end of data') return;
        slot.open = false;
        slot.abort?.(Object.assign(new Error(`the batch stopped waiting for SMTP while ${STAGE_WORDS[stage ?? 'MAIL']}`), { code: 'ETIMEDOUT', stage }));
        slot.connection.close();
      };
      signal?.addEventListener('abort', callOff, { once: true });
      try {
        const info = await this.run<SMTPConnection.SentMessageInfo>(slot, (done) => {
          slot.awaiting = [];
          slot.inMessage = false;
          slot.connection.send({ from: envelope.from, to: [envelope.to] }, message, done);
        });
        this.keep(slot);
        return String(info.response ?? '');
      } catch (error) {
        const failure = error as SmtpError;
        failure.stage ??= stageOf(slot) ?? undefined;
        if (failure.responseCode === undefined && failure.stage) failure.message = `${failure.message} (while ${STAGE_WORDS[failure.stage]})`;
        await this.recover(slot, failure);
        if (failure.responseCode === undefined && failure.stage === 'end of data') Object.assign(failure, { outcomeUnknown: true });
        throw error;
      } finally {
        signal?.removeEventListener('abort', callOff);
      }
    } finally {
      this.give();
    }
  }

  close(): void {
    this.closed = true;
    for (const slot of this.idle.splice(0)) this.quit(slot);
  }

  private quit(slot: Slot): void {
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.idleTimer = null;
    slot.open = false;
    slot.connection.quit();
  }

  private take(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(notAttempted());
    if (this.free > 0) {
      this.free -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = () => {
        signal?.removeEventListener('abort', abandon);
        resolve();
      };
      const abandon = () => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(notAttempted());
      };
      signal?.addEventListener('abort', abandon, { once: true });
      this.waiting.push(waiter);
    });
  }

  private give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free += 1;
  }

  private reuse(): Slot | undefined {
    let slot = this.idle.pop();
    while (slot && !slot.open) slot = this.idle.pop();
    if (slot?.idleTimer) clearTimeout(slot.idleTimer);
    if (slot) slot.idleTimer = null;
    return slot;
  }

  private keep(slot: Slot): void {
    if (!slot.open) return;
    if (this.closed) return this.quit(slot);
    this.idle.push(slot);
    slot.idleTimer = setTimeout(() => {
      const at = this.idle.indexOf(slot);
      if (at >= 0) this.idle.splice(at, 1);
      this.quit(slot);
    }, this.timeouts.idle);
    slot.idleTimer.unref();
  }

  /** Follows the session through SMTPConnection's transaction log, and times each wait by its stage. */
  private follow(slot: Slot) {
    const limits: Record<SmtpStage, number> = {
      command: this.timeouts.command,
      MAIL: this.timeouts.mail,
      RCPT: this.timeouts.rcpt,
      DATA: this.timeouts.dataInit,
      message: this.timeouts.dataBlock,
      'end of data': this.timeouts.dataEnd,
    };
    const rearm = () => {
      if (slot.stageTimer) clearTimeout(slot.stageTimer);
      slot.stageTimer = null;
      const stage = stageOf(slot);
      if (!stage || !slot.open) return;
      // With PIPELINING a server may hold every reply until it has worked through the whole
      // envelope (Postfix does), so a wait for the first reply may be spent on a later command:
      // the detail names them all.
      const limit = limits[stage];
      slot.stageTimer = setTimeout(() => {
        // Put into words only when it fires (every change to what the session waits for re-arms
        // the timer, so the waits are still those it was armed for); a message re-arms it seven times.
        const later = slot.awaiting.slice(1).map((s) => STAGE_WORDS[s].replace('waiting for the reply to ', ''));
        const words = later.length ? `${STAGE_WORDS[stage]} (pipelined with ${later.join(', ')})` : STAGE_WORDS[stage];
        slot.stageTimer = null;
        slot.open = false;
        const error = Object.assign(new Error(`SMTP timed out after ${limit} ms ${words}`), { code: 'ETIMEDOUT', stage });
        slot.abort?.(error);
        slot.connection.close();
      }, limit);
    };
    const ignore = () => undefined;
    return {
      trace: ignore,
      warn: ignore,
      error: ignore,
      fatal: ignore,
      debug: (entry: { tnx?: string }, text: unknown) => {
        if (entry?.tnx === 'client') {
          const verb = String(text).slice(0, 4).toUpperCase();
          slot.awaiting.push(COMMAND_STAGES[verb] ?? 'command');
        } else if (entry?.tnx === 'server') {
          const answered = slot.awaiting.shift();
          if (answered === 'DATA' && String(text).startsWith('354')) {
            slot.inMessage = true;
            holdWrites(slot.connection);
          }
        } else return;
        rearm();
      },
      info: (entry: { tnx?: string }) => {
        if (entry?.tnx !== 'message') return;
        slot.inMessage = false;
        slot.awaiting.push('end of data');
        rearm();
      },
    };
  }

  private async connect(): Promise<Slot> {
    const slot = { open: true, abort: null, awaiting: [], inMessage: false, stageTimer: null, idleTimer: null } as unknown as Slot;
    const connection = new SMTPConnection({ ...this.options, logger: this.follow(slot) as unknown as SMTPConnection.Options['logger'] });
    slot.connection = connection;
    const lost = (error: Error) => {
      slot.open = false;
      if (slot.stageTimer) clearTimeout(slot.stageTimer);
      if (slot.idleTimer) clearTimeout(slot.idleTimer);
      const at = this.idle.indexOf(slot);
      if (at >= 0) this.idle.splice(at, 1);
      slot.abort?.(error);
    };
    // nodemailer reports a broken or closed connection as events, not to the callback of the
    // command under way; an idle connection the server closes or times out reports here too.
    connection.on('error', (error: Error) => lost(error));
    // A tick later, so that a reply nodemailer reports while closing (a 421, say) reaches the command first.
    connection.on('end', () => setImmediate(() => lost(Object.assign(new Error('the SMTP connection closed'), { code: 'ECONNECTION' }))));
    try {
      await this.run<void>(slot, (done) => connection.connect(() => done(null)));
      const auth = this.auth;
      if (auth) await this.run<void>(slot, (done) => connection.login(auth, (error) => done(error ?? null)));
      return slot;
    } catch (error) {
      slot.open = false;
      connection.close();
      throw error;
    }
  }

  /** One command on a connection: settles with its callback, or with the connection's loss. */
  private run<T>(slot: Slot, command: (done: (error: Error | null, result?: T) => void) => void): Promise<T> {
    if (!slot.open) return Promise.reject(Object.assign(new Error('the SMTP connection closed'), { code: 'ECONNECTION' }));
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (error: Error | null, result?: T) => {
        if (settled) return;
        settled = true;
        slot.abort = null;
        if (error) reject(error);
        else resolve(result as T);
      };
      slot.abort = (error) => settle(error);
      command(settle);
    });
  }

  private async recover(slot: Slot, error: SmtpError): Promise<void> {
    const refused = (error.code === 'EENVELOPE' || error.code === 'EMESSAGE') && error.responseCode !== 421;
    if (refused && slot.open) {
      const reset = await this.run<void>(slot, (done) => slot.connection.reset((resetError) => done(resetError ?? null))).then(
        () => true,
        () => false,
      );
      if (reset) return this.keep(slot);
    }
    slot.open = false;
    slot.connection.close();
  }
}
