import { CandidateAccess } from '@app/candidates';
import { AnyDomainEvent, InvalidInputError } from '@app/platform';
import { Actor, isAdmin } from '@app/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EventListQuery, EventPage, EventView } from './events.dto';

/** How many events one request looks at, at most, however few of them the caller may see. */
export const EVENTS_SCANNED_PER_REQUEST = 5000;

/** A place in the feed: after the event at (transaction id, sequence number). */
interface Position {
  xid: string;
  seq: string;
}

const START: Position = { xid: '0', seq: '0' };
const CURSOR = /^e1:(\d{1,20}):(\d{1,20})$/;

export function encodeEventCursor(p: Position): string {
  return Buffer.from(`e1:${p.xid}:${p.seq}`, 'utf8').toString('base64url');
}

export function decodeEventCursor(cursor: string | undefined): Position {
  if (cursor === undefined || cursor === '') return START;
  const match = CURSOR.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new InvalidInputError('invalid_cursor', 'after is not a cursor this API returned', [{ field: 'after', message: 'cursor is malformed' }]);
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
  scanned: number;
  last: boolean;
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
    const reach = this.candidates.reach(actor, 4);
    const visible = isAdmin(actor)
      ? `$4::uuid IS NULL`
      : `(e.task_force_id IN (SELECT task_force_id FROM task_force_members WHERE user_id = $4)
          OR (e.task_force_id IS NULL AND e.candidate_id IS NOT NULL AND EXISTS (SELECT 1 FROM candidates c WHERE c.id = e.candidate_id AND ${reach.sql})))`;
    const rows: Row[] = await this.db.query(
      `WITH scanned AS MATERIALIZED (
         SELECT e.* FROM domain_events e
          WHERE (e.xid, e.seq) > ($1::xid8, $2::bigint) AND e.xid < pg_snapshot_xmin(pg_current_snapshot())
          ORDER BY e.xid, e.seq LIMIT $3),
       picked AS (
         SELECT e.* FROM scanned e WHERE ($5::text[] IS NULL OR e.type = ANY($5::text[])) AND ${visible}
          ORDER BY e.xid, e.seq LIMIT $6)
       SELECT p.id, p.xid::text, p.seq::text, p.type, p.version, p.occurred_at, p.actor_id, p.task_force_id, p.payload, 0 AS scanned, false AS last FROM picked p
       UNION ALL
       SELECT NULL, l.xid::text, l.seq::text, NULL, NULL, NULL, NULL, NULL, NULL, (SELECT count(*)::int FROM scanned), true
         FROM (SELECT xid, seq FROM scanned ORDER BY xid DESC, seq DESC LIMIT 1) l`,
      [after.xid, after.seq, EVENTS_SCANNED_PER_REQUEST, ...reach.params, query.type?.length ? query.type : null, query.limit + 1],
    );
    const order = (a: Row, b: Row) => (BigInt(a.xid) === BigInt(b.xid) ? Number(BigInt(a.seq) - BigInt(b.seq)) : BigInt(a.xid) < BigInt(b.xid) ? -1 : 1);
    const events = rows.filter((r) => !r.last).sort(order);
    const tail = rows.find((r) => r.last);
    if (events.length > query.limit) {
      const page = events.slice(0, query.limit);
      return { data: page.map(toView), nextCursor: encodeEventCursor(page[page.length - 1]), hasMore: true };
    }
    // Every event the scan reached was looked at: continue after the last one scanned.
    const scannedAll = (tail?.scanned ?? 0) >= EVENTS_SCANNED_PER_REQUEST;
    return { data: events.map(toView), nextCursor: encodeEventCursor(tail ?? after), hasMore: scannedAll };
  }
}

function toView(r: Row): EventView {
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
