import { AppConfig, AuditLog, Clock, ConflictError, NotFoundError, Page, PageQuery, returnedRows, RuleViolationError, toPage } from '@app/platform';
import { Actor } from '@app/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { InterviewAccess } from './interview-access';
import { interviewMailDomain, interviewMailMessageId } from './interview-mails.service';
import { InterviewMailView } from './interviews.dto';

interface MailRecord {
  id: string;
  interview_id: string;
  recipient_user_id: string | null;
  kind: string;
  sequence: number;
  status: string;
  attempts: number;
  due_at: Date;
  sent_at: Date | null;
  smtp_message_id: string | null;
  last_error: string | null;
}

const COLUMNS = `m.id, m.interview_id, m.recipient_user_id, m.kind, m.sequence, m.status, m.attempts, m.due_at, m.sent_at, m.smtp_message_id, m.last_error`;

/**
 * An interview's mails as the sender left them, for the people who run the interview: what went
 * out, what waits, what failed and what is uncertain. An uncertain mail (its sender died, or the
 * server did not answer the final dot) is never sent again by itself: someone who knows it did
 * not arrive asks for it again, with the same Message-ID; someone who knows it did marks it
 * sent. A failed mail (refused, or given up after retries) can be asked for again once its cause
 * is mended (an address corrected, a mailbox that was full). A mail asked for again goes through
 * the sender's rules like any other: one that no longer applies (the interview was rescheduled,
 * cancelled or is over) is skipped, with the reason.
 */
@Injectable()
export class InterviewMailRecords {
  /** The host of interview Message-IDs, as the sender makes them. */
  private readonly domain: string;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: InterviewAccess,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    config: AppConfig,
  ) {
    this.domain = interviewMailDomain(config);
  }

  async list(actor: Actor, interviewId: string, q: PageQuery, afterId?: string): Promise<Page<InterviewMailView>> {
    const interview = await this.access.loadForTaskForce(actor, interviewId);
    const rows: MailRecord[] = await this.db.query(
      `SELECT ${COLUMNS} FROM interview_mails m WHERE m.interview_id = $1 AND ($2::uuid IS NULL OR m.id > $2::uuid) ORDER BY m.id LIMIT $3`,
      [interview.id, afterId ?? null, q.limit + 1],
    );
    return toPage(rows, q.limit, toView);
  }

  async resend(actor: Actor, mailId: string): Promise<InterviewMailView> {
    return this.db.transaction(async (tx) => {
      const mail = await this.locked(tx, actor, mailId);
      if (mail.status !== 'uncertain' && mail.status !== 'failed') {
        throw new RuleViolationError('interview_mail_not_resendable', `Only an uncertain or failed mail can be sent again; this one is ${mail.status}`, {
          mailStatus: mail.status,
        });
      }
      const [row] = returnedRows<MailRecord>(
        await tx.query(
          // An uncertain mail may have arrived under its Message-ID: it keeps it (so a cancel still
          // follows it if the resend is skipped), also one its dead sender never recorded.
          `UPDATE interview_mails m SET status = 'pending', due_at = $2, attempts = 0, claimed_at = NULL, sent_at = NULL, last_error = $3,
                smtp_message_id = CASE WHEN m.status = 'uncertain' THEN COALESCE(m.smtp_message_id, $4) ELSE m.smtp_message_id END
          WHERE m.id = $1 RETURNING ${COLUMNS}`,
          [mail.id, this.clock.now(), `asked for again by ${actor.userId} (it was ${mail.status})`, interviewMailMessageId(mail.id, this.domain)],
        ),
      );
      await this.audit.record(
        { actorId: actor.userId, action: 'interview_mail.resent', entityType: 'interview', entityId: mail.interview_id, details: { mailId, was: mail.status } },
        tx,
      );
      return toView(row);
    });
  }

  async markSent(actor: Actor, mailId: string): Promise<InterviewMailView> {
    return this.db.transaction(async (tx) => {
      const mail = await this.locked(tx, actor, mailId);
      if (mail.status !== 'uncertain') {
        throw new RuleViolationError('interview_mail_not_uncertain', `Only an uncertain mail can be marked sent; this one is ${mail.status}`, {
          mailStatus: mail.status,
        });
      }
      const now = this.clock.now();
      const [row] = returnedRows<MailRecord>(
        await tx.query(`UPDATE interview_mails m SET status = 'sent', sent_at = $2, last_error = $3 WHERE m.id = $1 RETURNING ${COLUMNS}`, [
          mail.id,
          now,
          `marked sent by ${actor.userId}`,
        ]),
      );
      await this.audit.record(
        { actorId: actor.userId, action: 'interview_mail.marked_sent', entityType: 'interview', entityId: mail.interview_id, details: { mailId } },
        tx,
      );
      return toView(row);
    });
  }

  /** The mail, locked as the sender locks it (its row alone), once the actor may run its interview. */
  private async locked(tx: EntityManager, actor: Actor, mailId: string): Promise<MailRecord> {
    const [seen]: { interview_id: string }[] = await tx.query(`SELECT interview_id FROM interview_mails WHERE id = $1`, [mailId]);
    if (!seen) throw new NotFoundError('Interview mail', mailId);
    await this.access.loadForTaskForce(actor, seen.interview_id, tx).catch((error: unknown) => {
      throw error instanceof NotFoundError ? new NotFoundError('Interview mail', mailId) : error;
    });
    // A sender holds the row while SMTP answers (up to 2 x SMTP_TIMEOUT_MS): say so instead of waiting for it.
    const [mail]: MailRecord[] = await tx.query(`SELECT ${COLUMNS} FROM interview_mails m WHERE m.id = $1 FOR UPDATE SKIP LOCKED`, [mailId]);
    if (!mail) throw new ConflictError('interview_mail_sending', 'The mail is being sent or settled right now; look again once that is recorded');
    return mail;
  }
}

function toView(r: MailRecord): InterviewMailView {
  return {
    id: r.id,
    interviewId: r.interview_id,
    kind: r.kind,
    recipient: r.recipient_user_id ? 'interviewer' : 'candidate',
    recipientUserId: r.recipient_user_id,
    sequence: r.sequence,
    status: r.status,
    attempts: r.attempts,
    dueAt: r.due_at.toISOString(),
    sentAt: r.sent_at?.toISOString() ?? null,
    messageId: r.smtp_message_id,
    detail: r.last_error,
  };
}
