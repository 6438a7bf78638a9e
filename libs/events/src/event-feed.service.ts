import { CandidateAccess } from '@app/candidates';
import { AnyDomainEvent, InvalidInputError, inIndexOrder } from '@app/platform';
import { Actor } from '@app/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EventListQuery, EventPage, EventView } from './events.dto';

/** How many events one request looks at, at most, however few of them the caller may see. */
export const EVENTS_SCANNED_PER_REQUEST = 2000;

/** A place in the feed: after the event at (transaction id, sequence number). */
interface Position {
  xid: string;
  seq: string;
}

const START: Position = { xid: '0', seq: '0' };
const CURSOR = /^e1:(\d{1,20}):(\d{1,20})$/;
const MAX_XID = 2n ** 64n - 1n;
const MAX_SEQ = 2n ** 63n - 1n;

export function encodeEventCursor(p: Position): string {
  return Buffer.from(`e1:${p.xid}:${p.seq}`, 'utf8').toString('base64url');
}

export function decodeEventCursor(cursor: string | undefined): Position {
  if (cursor === undefined || cursor === '') return START;
  const match = CURSOR.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  // Twenty digits may name more than an xid8 (unsigned 64 bits) or a bigint sequence holds.
  if (!match || BigInt(match[1]) > MAX_XID || BigInt(match[2]) > MAX_SEQ)
    throw new InvalidInputError('invalid_cursor', 'after is not a cursor this API returned', [{ field: 'after', message: 'cursor is malformed' }]);
  return { xid: match[1], seq: match[2] };
}

interface Row {
  id: string | null;
  xid: string;
  seq: string;
  type: AnyDomainEvent['type'];
  version: number;
  occurred_at: Date;
  actor_id: string | null;
  task_force_id: string | null;
  payload: Record<string, unknown>;
}

/**
 * The event feed (docs/events.md): every event in the order of the transactions that made them,
 * listed once its transaction has ended, so a cursor never skips an event that commits late.
 * Admins see every event. A recruiter sees the events of their task forces and the events about
 * a candidate (without a task force) they can see now; the rest (rates, bands) is for admins.
 * One request scans at most EVENTS_SCANNED_PER_REQUEST events: a caller who may see few of them
 * gets fewer (even none) with `hasMore` and a cursor further on.
 */
@Injectable()
export class EventFeed {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly candidates: CandidateAccess,
  ) {}

  async list(actor: Actor, query: EventListQuery): Promise<EventPage> {
    const after = decodeEventCursor(query.after);
    // The candidate rules, applied to the event: its task force's applications, or the person it is about.
    const visible = `CASE WHEN e.task_force_id IS NOT NULL THEN ${this.candidates.applicationsCondition('e', 5)}
                          ELSE $5::uuid IS NULL OR (e.candidate_id IS NOT NULL AND EXISTS (SELECT 1 FROM candidates c WHERE c.id = e.candidate_id AND ${this.candidates.reach(actor, 5).sql})) END`;
    return this.db.transaction((tx) =>
      inIndexOrder(tx, async (): Promise<EventPage> => {
        // One horizon for both statements: every transaction below it has ended, so both see the same events.
        const [{ horizon }]: { horizon: string }[] = await tx.query(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon`);
        const range = `(e.xid, e.seq) > ($1::xid8, $2::bigint) AND e.xid < $3::xid8`;
        // The scan stops as soon as the page is full: an admin's page of 50 reads 51 events, whatever
        // the table's statistics say (inIndexOrder).
        const rows: Row[] = await tx.query(
          `SELECT e.id, e.xid::text, e.seq::text, e.type, e.version, e.occurred_at, e.actor_id, e.task_force_id, e.payload
             FROM (SELECT e.* FROM domain_events e WHERE ${range} ORDER BY e.xid, e.seq LIMIT $4) e
            WHERE ($6::text[] IS NULL OR e.type = ANY($6::text[])) AND ${visible}
            ORDER BY e.xid, e.seq LIMIT $7`,
          [
            after.xid,
            after.seq,
            horizon,
            EVENTS_SCANNED_PER_REQUEST,
            this.candidates.readerParam(actor),
            query.type?.length ? query.type : null,
            query.limit + 1,
          ],
        );
        if (rows.length > query.limit) {
          const page = rows.slice(0, query.limit);
          return { data: page.map(eventView), nextCursor: encodeEventCursor(page[page.length - 1]), hasMore: true };
        }
        // Not a full page: the scan reached its end or its bound. Continue after the last event it looked at.
        const [tail]: { xid: string | null; seq: string | null; scanned: number }[] = await tx.query(
          `SELECT (array_agg(e.xid::text ORDER BY e.xid DESC, e.seq DESC))[1] AS xid, (array_agg(e.seq::text ORDER BY e.xid DESC, e.seq DESC))[1] AS seq,
                  count(*)::int AS scanned
             FROM (SELECT e.xid, e.seq FROM domain_events e WHERE ${range} ORDER BY e.xid, e.seq LIMIT $4) e`,
          [after.xid, after.seq, horizon, EVENTS_SCANNED_PER_REQUEST],
        );
        const last = tail.xid && tail.seq ? { xid: tail.xid, seq: tail.seq } : after;
        return { data: rows.map(eventView), nextCursor: encodeEventCursor(last), hasMore: tail.scanned >= EVENTS_SCANNED_PER_REQUEST };
      }),
    );
  }
}

/** An event as the feed and webhooks show it. */
export function eventView(r: Pick<Row, 'id' | 'type' | 'version' | 'occurred_at' | 'actor_id' | 'task_force_id' | 'payload'>): EventView {
  return {
    id: r.id!,
    type: r.type,
    version: r.version,
    occurredAt: r.occurred_at.toISOString(),
    actorId: r.actor_id,
    taskForceId: r.task_force_id,
    data: r.payload,
  };
}
