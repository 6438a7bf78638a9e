import { MailDeliveryError, MetricsService, scrubText } from '@app/platform';
import { Injectable, Logger } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';

/** What an SMTP attempt came to, as a metric label: the reply's class, or `none` when no reply came. */
export type ReplyCodeClass = '2xx' | '4xx' | '5xx' | 'none';

/** The outcome label of a step's send: a handful of values, never a sequence, an address or a reply text. */
const OUTCOME_LABELS: Record<string, string> = {
  sent: 'sent',
  bounced: 'bounced',
  deferred: 'deferred',
  failed: 'failed',
  unknown: 'uncertain',
  retry: 'retried',
  skipped: 'skipped',
};

const REPLY = /^\s*([2-5])\d\d(?:[ -]+([245]\.\d{1,3}\.\d{1,3}))?/;

/** The reply code and enhanced status code (RFC 3463) a server's reply text starts with, if any. */
export function parseReply(text: string | null | undefined): { code: number | null; enhanced: string | null } {
  const match = text ? REPLY.exec(text) : null;
  if (!match) return { code: null, enhanced: null };
  return { code: Number(text!.trim().slice(0, 3)), enhanced: match[2] ?? null };
}

export function replyClass(code: number | null): ReplyCodeClass {
  if (code === null) return 'none';
  return code >= 500 ? '5xx' : code >= 400 ? '4xx' : code >= 200 && code < 300 ? '2xx' : 'none';
}

/**
 * What sending does, as Prometheus metrics on the process's registry, and one warn line per failed
 * SMTP attempt. Labels are small closed sets; the reply text goes to the log only, scrubbed of addresses.
 */
@Injectable()
export class OutreachSendMetrics {
  private readonly logger = new Logger('OutreachSend');
  private readonly steps: Counter<'outcome'>;
  private readonly replies: Counter<'class'>;
  private readonly latency: Histogram<'class'>;
  private readonly connectionFailures: Counter<'phase'>;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.steps = new Counter({
      name: 'outreach_steps_total',
      help: 'Outreach steps by the outcome of a send: sent, bounced, deferred (cap), failed, uncertain, retried, skipped',
      labelNames: ['outcome'],
      registers,
    });
    this.replies = new Counter({
      name: 'outreach_smtp_replies_total',
      help: 'SMTP attempts by the class of the reply that ended them (none: no reply, the connection failed or timed out)',
      labelNames: ['class'],
      registers,
    });
    this.latency = new Histogram({
      name: 'outreach_smtp_send_duration_seconds',
      help: 'Time from asking for an SMTP connection to the reply that ended the attempt, per message, by reply class',
      labelNames: ['class'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.connectionFailures = new Counter({
      name: 'outreach_smtp_connection_failures_total',
      help: 'SMTP attempts that ended without a reply: connect (no connection could be had) or session (dropped or timed out mid-exchange)',
      labelNames: ['phase'],
      registers,
    });
    for (const outcome of new Set(Object.values(OUTCOME_LABELS))) this.steps.inc({ outcome }, 0);
    for (const c of ['2xx', '4xx', '5xx', 'none']) this.replies.inc({ class: c }, 0);
    for (const phase of ['connect', 'session']) this.connectionFailures.inc({ phase }, 0);
  }

  /** Times one SMTP attempt and records how it ended; the promise settles as the given one does. */
  async attempt<T>(sending: Promise<T>, step: { id: string; step: number; attempts: number }): Promise<T> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const reply = await sending;
      const { code } = parseReply(typeof reply === 'string' ? reply : null);
      const cls = code === null ? '2xx' : replyClass(code);
      this.replies.inc({ class: cls });
      this.latency.observe({ class: cls }, seconds());
      return reply;
    } catch (error) {
      this.failedAttempt(error, step, seconds());
      throw error;
    }
  }

  /** Counts a batch's outcomes, one per step. */
  outcomes(outcomes: Iterable<{ result: string }>): void {
    for (const o of outcomes) {
      const outcome = OUTCOME_LABELS[o.result];
      if (outcome) this.steps.inc({ outcome });
    }
  }

  private failedAttempt(error: unknown, step: { id: string; step: number; attempts: number }, seconds: number): void {
    if (!(error instanceof MailDeliveryError)) return;
    // Called off before anything was tried, or never built: not an SMTP attempt. A refused greeting or login is one.
    if (error.cancelled || (error.notAttempted && !error.transient && error.response === null)) return;
    const { code, enhanced } = parseReply(error.response);
    const cls = replyClass(code);
    this.replies.inc({ class: cls });
    this.latency.observe({ class: cls }, seconds);
    if (cls === 'none') this.connectionFailures.inc({ phase: error.notAttempted ? 'connect' : 'session' });
    this.logger.warn(
      {
        outreachMessageId: step.id,
        step: step.step,
        attempt: step.attempts,
        smtpCode: code,
        smtpEnhancedCode: enhanced,
        smtpReply: scrubText((error.response ?? error.message).slice(0, 500)),
        transient: error.transient,
        recipientRejected: error.recipientRejected,
        outcomeUnknown: error.outcomeUnknown,
        durationMs: Math.round(seconds * 1000),
      },
      'SMTP attempt failed',
    );
  }
}
