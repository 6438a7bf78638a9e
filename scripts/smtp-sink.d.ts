export interface SinkMessage {
  messageId: string | null;
  from: string | null;
  to: string[];
  /** Decoded (RFC 2047); `headers.subject` is as sent. */
  subject: string;
  headers: Record<string, string>;
  body: string;
  receivedAt: string;
}

export interface SmtpSink {
  port: number;
  messages: SinkMessage[];
  rejectRecipients: Set<string>;
  rcptReplies: Map<string, { code: number; text: string; times?: number }>;
  failNext: number;
  failCode: number;
  failText: string | null;
  delayMs: number;
  rcptDelayMs: number;
  connections: number;
  close(): Promise<void>;
}

export function startSmtpSink(options?: { port?: number; host?: string; dir?: string | null; log?: boolean }): Promise<SmtpSink>;

export function decodeWords(value: string): string;
