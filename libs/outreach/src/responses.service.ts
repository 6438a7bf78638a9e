import { ApplicationsService, CandidatesService, normalizeEmail } from '@app/candidates';
import { enrollmentEvent, EnrollmentRefs, stepEvent } from './outreach-events';
import { stopOutreach } from './outreach-stop';
import { AppConfig, DomainEvents, InvalidInputError, newId, NewDomainEvent, Page, toPage } from '@app/platform';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { recordBounce } from './bounces';
import { isAutoReply, referencedMessageIds } from './inbound';
import { InboundEventDto, InboundEventView, InboundListQuery, InboundOutcome } from './inbound.dto';
import { verifyUnsubscribeToken } from './unsubscribe-token';

interface Match {
  by: 'message_id' | 'sender';
  candidateId: string;
  /** Enrollments the event is about, with the step it answers (null: the last one sent). */
  enrollments: { id: string; applicationId: string; step: number | null }[];
}

interface EventRow {
  id: string;
  kind: InboundEventView['kind'];
  outcome: InboundOutcome;
  matched_by: 'message_id' | 'sender' | null;
  candidate_id: string | null;
  enrollment_ids: string[];
  from_address: string;
  subject: string | null;
  received_at: Date;
}

const toView = (r: EventRow): InboundEventView => ({
  id: r.id,
  kind: r.kind,
  outcome: r.outcome,
  matchedBy: r.matched_by,
  candidateId: r.candidate_id,
  enrollmentIds: r.enrollment_ids,
  from: r.from_address,
  subject: r.subject,
  receivedAt: r.received_at.toISOString(),
});

const EVENT_COLUMNS = `id, kind, outcome, matched_by, candidate_id, enrollment_ids, from_address, subject, received_at`;

/**
 * What candidates do in answer to outreach: replies, bounces and unsubscribes, from the mail
 * provider's webhook or the unsubscribe link. Each ends the outreach it concerns in one commit.
 */
@Injectable()
export class OutreachResponses {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly applications: ApplicationsService,
    private readonly candidates: CandidatesService,
    private readonly config: AppConfig,
    private readonly events: DomainEvents,
  ) {}

  /** Idempotent: a provider retrying the same body gets the first answer back. */
  async inbound(rawBody: Buffer, dto: InboundEventDto): Promise<InboundEventView> {
    const digest = createHash('sha256').update(rawBody).digest('hex');
    const seen = await this.byDigest(this.db.manager, digest);
    if (seen) return seen;
    return this.db.transaction(async (tx) => {
      const match = await this.match(tx, dto);
      const inboundEventId = newId();
      let outcome: InboundOutcome = 'unmatched';
      const enrollmentIds: string[] = match?.enrollments.map((e) => e.id) ?? [];
      if (match && dto.kind === 'reply') {
        if (isAutoReply(dto.headers, dto.subject)) outcome = 'auto_reply_ignored';
        else {
          await this.replied(tx, match);
          await this.announce(tx, match, (e) => enrollmentEvent('outreach.reply_received', e, null, { inboundEventId }));
          outcome = 'replied';
        }
      } else if (match && dto.kind === 'bounce') {
        await this.markResponse(tx, match, 'bounced');
        const about = match.enrollments[0];
        if (about) {
          // The step the report names, else the last one sent: the one markResponse recorded it on.
          const [bounced]: (EnrollmentRefs & { message_id: string; step: number })[] = await tx.query(
            `SELECT m.id AS message_id, m.step, e.id, e.sequence_id, e.candidate_id, e.application_id, e.task_force_id
               FROM outreach_messages m JOIN enrollments e ON e.id = m.enrollment_id
              WHERE m.enrollment_id = $1 AND ($2::int IS NULL OR m.step = $2) AND m.status IN ('sent', 'uncertain', 'failed') ORDER BY m.step DESC LIMIT 1`,
            [about.id, about.step],
          );
          if (bounced) await this.events.publish(tx, stepEvent('outreach.step_bounced', bounced, bounced.message_id, bounced.step));
        }
        const [source]: { sequence_id: string }[] = about ? await tx.query(`SELECT sequence_id FROM enrollments WHERE id = $1`, [about.id]) : [];
        await recordBounce(
          this.events,
          tx,
          match.candidateId,
          dto.recipient ?? (await this.lastRecipient(tx, match)),
          dto.subject ?? 'bounce reported',
          about && {
            enrollmentId: about.id,
            sequenceId: source?.sequence_id ?? null,
            step: about.step,
          },
        );
        outcome = 'bounced';
      } else if (match && dto.kind === 'unsubscribe') {
        await this.markResponse(tx, match, 'unsubscribed');
        await this.announce(tx, match, (e) => enrollmentEvent('outreach.unsubscribed', e, null, {}));
        await this.optOut(tx, match.candidateId, 'inbound unsubscribe');
        outcome = 'unsubscribed';
      }
      const [row]: EventRow[] = await tx.query(
        `INSERT INTO inbound_events (id, body_sha256, kind, from_address, to_address, recipient, subject, in_reply_to, "references", headers, text, outcome, matched_by, candidate_id, enrollment_ids)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         ON CONFLICT (body_sha256) DO NOTHING RETURNING ${EVENT_COLUMNS}`,
        [
          inboundEventId,
          digest,
          dto.kind,
          dto.from.toLowerCase(),
          dto.to ?? null,
          dto.recipient ?? null,
          dto.subject ?? null,
          dto.inReplyTo ?? null,
          dto.references ?? [],
          JSON.stringify(dto.headers ?? {}),
          dto.text ?? null,
          outcome,
          match?.by ?? null,
          match?.candidateId ?? null,
          enrollmentIds,
        ],
      );
      // The same body arrived twice at once: the other commit's answer stands.
      return row ? toView(row) : ((await this.byDigest(this.db.manager, digest)) as InboundEventView);
    });
  }

  async list(query: InboundListQuery, afterId?: string): Promise<Page<InboundEventView>> {
    const rows: EventRow[] = await this.db.query(
      `SELECT ${EVENT_COLUMNS} FROM inbound_events WHERE ($1::text IS NULL OR outcome = $1) AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3`,
      [query.outcome ?? null, afterId ?? null, query.limit + 1],
    );
    return toPage(rows, query.limit, toView);
  }

  /** The token itself when it is one of ours; a 400 otherwise. */
  checkUnsubscribeToken(token: string | undefined): string {
    if (!token || !verifyUnsubscribeToken(this.config.UNSUBSCRIBE_SECRET, token)) {
      throw new InvalidInputError('invalid_unsubscribe_token', 'This unsubscribe link is not valid', [
        { field: 'token', message: 'not a valid unsubscribe token' },
      ]);
    }
    return token;
  }

  /** The one-click unsubscribe (RFC 8058): the candidate is opted out everywhere, at once. */
  async unsubscribe(token: string): Promise<{ candidateId: string }> {
    const enrollmentId = verifyUnsubscribeToken(this.config.UNSUBSCRIBE_SECRET, this.checkUnsubscribeToken(token))!;
    return this.db.transaction(async (tx) => {
      const [enrollment]: { candidate_id: string; application_id: string }[] = await tx.query(
        `SELECT candidate_id, application_id FROM enrollments WHERE id = $1`,
        [enrollmentId],
      );
      if (!enrollment)
        throw new InvalidInputError('invalid_unsubscribe_token', 'This unsubscribe link is not valid', [{ field: 'token', message: 'unknown enrollment' }]);
      const match: Match = {
        by: 'message_id',
        candidateId: enrollment.candidate_id,
        enrollments: [{ id: enrollmentId, applicationId: enrollment.application_id, step: null }],
      };
      await this.markResponse(tx, match, 'unsubscribed');
      await this.announce(tx, match, (e) => enrollmentEvent('outreach.unsubscribed', e, null, {}));
      await this.optOut(tx, enrollment.candidate_id, 'unsubscribe link');
      return { candidateId: enrollment.candidate_id };
    });
  }

  /** By Message-ID first (any enrollment, even a finished one), then by sender to a running one. */
  private async match(tx: EntityManager, dto: InboundEventDto): Promise<Match | null> {
    const ids = referencedMessageIds(dto.inReplyTo, dto.references);
    if (ids.length) {
      const [hit]: { enrollment_id: string; step: number; candidate_id: string; application_id: string }[] = await tx.query(
        `SELECT m.enrollment_id, m.step, e.candidate_id, e.application_id
           FROM outreach_messages m JOIN enrollments e ON e.id = m.enrollment_id
          WHERE m.message_id = ANY($1::text[]) ORDER BY array_position($1::text[], m.message_id) LIMIT 1`,
        [ids],
      );
      if (hit)
        return { by: 'message_id', candidateId: hit.candidate_id, enrollments: [{ id: hit.enrollment_id, applicationId: hit.application_id, step: hit.step }] };
    }
    const address = dto.kind === 'bounce' ? dto.recipient : dto.from;
    if (!address) return null;
    const running: { id: string; candidate_id: string; application_id: string }[] = await tx.query(
      `SELECT e.id, e.candidate_id, e.application_id FROM candidate_identities i JOIN enrollments e ON e.candidate_id = i.candidate_id
        WHERE i.kind = 'email' AND i.value = $1 AND e.status IN ('active', 'paused') ORDER BY e.application_id`,
      [normalizeEmail(address)],
    );
    if (!running.length) return null;
    return { by: 'sender', candidateId: running[0].candidate_id, enrollments: running.map((e) => ({ id: e.id, applicationId: e.application_id, step: null })) };
  }

  /** Stops the enrollments, moves their applications to replied, and applies the same-employer rule. */
  private async replied(tx: EntityManager, match: Match): Promise<void> {
    // Applications before enrollments: the order the sender takes its locks in.
    await this.applications.advanceByOutreach(
      tx,
      match.enrollments.map((e) => ({ id: e.applicationId })),
      'replied',
      'the candidate replied to outreach',
    );
    await this.markResponse(tx, match, 'replied');
    await stopOutreach(this.events, tx, { enrollmentIds: match.enrollments.map((e) => e.id) }, 'replied');
    const colleagues: { id: string }[] = await tx.query(
      `SELECT other.id FROM enrollments mine
         JOIN sequence_versions v ON v.sequence_id = mine.sequence_id AND v.version = mine.sequence_version
         JOIN candidates me ON me.id = mine.candidate_id
         JOIN enrollments other ON other.sequence_id = mine.sequence_id AND other.status IN ('active', 'paused') AND other.id <> mine.id
         JOIN candidates them ON them.id = other.candidate_id
        WHERE mine.id = ANY($1::uuid[]) AND (v.definition -> 'stopRules' ->> 'onSameEmployerReply')::boolean
          AND me.current_employer IS NOT NULL AND lower(them.current_employer) = lower(me.current_employer)`,
      [match.enrollments.map((e) => e.id)],
    );
    if (colleagues.length) await stopOutreach(this.events, tx, { enrollmentIds: colleagues.map((c) => c.id) }, 'same_employer_replied');
  }

  /** Publishes one event per enrollment of the match. */
  private async announce(tx: EntityManager, match: Match, event: (e: EnrollmentRefs) => NewDomainEvent): Promise<void> {
    const refs: EnrollmentRefs[] = await tx.query(
      `SELECT id, sequence_id, candidate_id, application_id, task_force_id FROM enrollments WHERE id = ANY($1::uuid[]) ORDER BY id`,
      [match.enrollments.map((e) => e.id)],
    );
    await this.events.publish(tx, ...refs.map(event));
  }

  /** Records the answer on the step it answers: the matched one, else the last one sent. */
  private async markResponse(tx: EntityManager, match: Match, response: 'replied' | 'bounced' | 'unsubscribed'): Promise<void> {
    for (const e of match.enrollments) {
      await tx.query(
        `UPDATE outreach_messages SET response = $3, response_at = now(), updated_at = now()
          WHERE id = (SELECT id FROM outreach_messages WHERE enrollment_id = $1 AND ($2::int IS NULL OR step = $2) AND status IN ('sent', 'uncertain', 'failed')
                       ORDER BY step DESC LIMIT 1)
            AND response IS NULL`,
        [e.id, e.step, response],
      );
    }
  }

  /** The candidate's own record is the candidates library's: it records the opt-out, and outreach stops in its subscriber. */
  private async optOut(tx: EntityManager, candidateId: string, source: 'unsubscribe link' | 'inbound unsubscribe'): Promise<void> {
    await this.candidates.optOut(tx, candidateId, source);
    // Also when consent was already opted_out: this enrollment's sequence ends either way.
    await stopOutreach(this.events, tx, { candidateId }, 'unsubscribed');
  }

  private async lastRecipient(tx: EntityManager, match: Match): Promise<string | null> {
    const [row]: { recipient: string | null }[] = await tx.query(
      `SELECT recipient FROM outreach_messages WHERE enrollment_id = ANY($1::uuid[]) AND recipient IS NOT NULL ORDER BY claimed_at DESC NULLS LAST LIMIT 1`,
      [match.enrollments.map((e) => e.id)],
    );
    return row?.recipient ?? null;
  }

  private async byDigest(manager: EntityManager, digest: string): Promise<InboundEventView | null> {
    const [row]: EventRow[] = await manager.query(`SELECT ${EVENT_COLUMNS} FROM inbound_events WHERE body_sha256 = $1`, [digest]);
    return row ? toView(row) : null;
  }
}
