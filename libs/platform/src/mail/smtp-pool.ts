import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { parseConnectionUrl } from 'nodemailer/lib/shared';

interface Slot {
  connection: SMTPConnection;
  open: boolean;
  /** Ends the operation under way (connect, login, send) when the connection errors or closes. */
  abort: ((error: Error) => void) | null;
}

function notAttempted(): Error {
  return Object.assign(new Error('not sent: the batch gave up waiting for an SMTP connection'), { code: 'EABORTED', notAttempted: true });
}

/** nodemailer's error shape, as far as the pool reads it. */
interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
}

/**
 * Up to `maxConnections` SMTP connections (nodemailer's SMTPConnection), kept open between
 * messages, one message on a connection at a time, waiting senders served in order.
 * A connection the server closes is dropped; after a message the server refused (envelope or
 * content) the session is reset and the connection kept; after any other error it is closed.
 * Messages go out as ready-built buffers, so a message is one write after the pipelined envelope.
 */
export class SmtpPool {
  private readonly options: SMTPConnection.Options;
  private readonly auth: { user: string; pass: string } | undefined;
  private readonly idle: Slot[] = [];
  private readonly waiting: (() => void)[] = [];
  private free: number;
  private closed = false;

  constructor(url: string, maxConnections: number, timeoutMs: number) {
    const { auth, ...options } = parseConnectionUrl(url);
    this.auth = auth?.user ? auth : undefined;
    this.options = { ...(options as SMTPConnection.Options), connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs };
    this.free = maxConnections;
  }

  /**
   * Resolves with the server's reply once it accepted the message; rejects with nodemailer's
   * error otherwise. A send still waiting for a connection when `signal` aborts never starts and
   * rejects with `notAttempted`; a connection lost or timed out after the message was handed to
   * it rejects with `outcomeUnknown`, since the server may have queued it.
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
      try {
        const info = await this.run<SMTPConnection.SentMessageInfo>(slot, (done) => slot.connection.send({ from: envelope.from, to: [envelope.to] }, message, done));
        this.keep(slot);
        return String(info.response ?? '');
      } catch (error) {
        await this.recover(slot, error as SmtpError);
        if ((error as SmtpError).responseCode === undefined) Object.assign(error as Error, { outcomeUnknown: true });
        throw error;
      }
    } finally {
      this.give();
    }
  }

  close(): void {
    this.closed = true;
    for (const slot of this.idle.splice(0)) slot.connection.quit();
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
    return slot;
  }

  private keep(slot: Slot): void {
    if (!slot.open) return;
    if (this.closed) slot.connection.quit();
    else this.idle.push(slot);
  }

  private async connect(): Promise<Slot> {
    const connection = new SMTPConnection(this.options);
    const slot: Slot = { connection, open: true, abort: null };
    const lost = (error: Error) => {
      slot.open = false;
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
