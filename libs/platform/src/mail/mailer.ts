import { Injectable, OnModuleDestroy } from '@nestjs/common';
import nodemailer, { Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { AppConfig } from '../config/app-config';

export interface OutgoingMail {
  from: { name: string; address: string };
  replyTo?: string | null;
  to: string;
  subject: string;
  text: string;
  messageId: string;
  headers: Record<string, string>;
}

/** Why SMTP did not take a message, and whether trying again could help. */
export class MailDeliveryError extends Error {
  constructor(
    message: string,
    /** 4xx replies, timeouts and dropped connections: worth another attempt later. */
    readonly transient: boolean,
    /** The recipient itself was refused (5xx to RCPT TO): the address bounces. */
    readonly recipientRejected: boolean,
    readonly response: string | null,
  ) {
    super(message);
    this.name = 'MailDeliveryError';
  }
}

/** nodemailer's error shape, as far as the classification reads it. */
interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  rejected?: string[];
}

export function classifySmtpError(error: SmtpError): MailDeliveryError {
  const code = error.responseCode;
  const permanent = code !== undefined && code >= 500 && code < 600;
  const recipientRejected = permanent && (error.command === 'RCPT TO' || (error.code === 'EENVELOPE' && (error.rejected?.length ?? 0) > 0));
  return new MailDeliveryError(error.message, !permanent, recipientRejected, error.response ?? null);
}

/** A pooled SMTP transport to SMTP_URL, one per process, closed on shutdown. */
@Injectable()
export class Mailer implements OnModuleDestroy {
  private readonly transport: Transporter;

  constructor(config: AppConfig) {
    this.transport = nodemailer.createTransport({
      url: config.SMTP_URL,
      pool: true,
      maxConnections: config.SMTP_MAX_CONNECTIONS,
      // Keep pooled connections for as long as the server allows, instead of reconnecting every 100 messages.
      maxMessages: Infinity,
      connectionTimeout: config.SMTP_TIMEOUT_MS,
      greetingTimeout: config.SMTP_TIMEOUT_MS,
      socketTimeout: config.SMTP_TIMEOUT_MS,
    } as SMTPPool.Options);
  }

  /** Resolves with the server's reply once it has accepted the message; throws MailDeliveryError otherwise. */
  async send(mail: OutgoingMail): Promise<string> {
    try {
      const info = await this.transport.sendMail({
        from: mail.from,
        to: mail.to,
        replyTo: mail.replyTo ?? undefined,
        subject: mail.subject,
        text: mail.text,
        messageId: mail.messageId,
        headers: mail.headers,
      });
      if (info.rejected?.length) throw Object.assign(new Error(`recipient refused: ${info.response}`), { responseCode: 550, command: 'RCPT TO', response: info.response });
      return String(info.response ?? '');
    } catch (error) {
      throw error instanceof MailDeliveryError ? error : classifySmtpError(error as SmtpError);
    }
  }

  onModuleDestroy(): void {
    this.transport.close();
  }
}
