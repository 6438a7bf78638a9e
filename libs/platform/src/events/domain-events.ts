import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { affectedCount } from '../database/sql';
import { Clock } from '../clock/clock';
import { newId } from '../ids';
import { DomainEvent, EVENT_VERSIONS, EventType, NewDomainEvent } from './catalogue';

const PURGE_BATCH = 5000;

/**
 * The insert of prepared events (DomainEvents.prepare), all of them in one JSON parameter `$param`:
 * one JSON.stringify of the rows, instead of eight arrays whose every element (each payload's
 * JSON too) the driver escapes into an array literal.
 */
export function insertEvents(param: number): string {
  return `INSERT INTO domain_events (id, type, version, occurred_at, actor_id, task_force_id, candidate_id, payload)
          SELECT id, type, version, occurred_at, actor_id, task_force_id, candidate_id, payload
            FROM jsonb_to_recordset($${param}::jsonb)
              AS e(id uuid, type text, version int, occurred_at timestamptz, actor_id uuid, task_force_id uuid, candidate_id uuid, payload jsonb)`;
}

export type EventSubscriber<T extends EventType> = (tx: EntityManager, event: DomainEvent<T>) => Promise<void>;

/**
 * Publishes domain events inside the transaction that makes the change: each is written to the
 * `domain_events` outbox in that transaction, so nothing is announced that did not commit and
 * nothing that committed is lost, and the subscribers registered for its type run in the same
 * transaction, in the order they subscribed (a failing subscriber rolls the change back).
 */
@Injectable()
export class DomainEvents {
  private readonly subscribers = new Map<EventType, EventSubscriber<EventType>[]>();

  constructor(
    private readonly clock: Clock,
    private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  subscribe<T extends EventType>(type: T, subscriber: EventSubscriber<T>): void {
    const list = this.subscribers.get(type) ?? [];
    list.push(subscriber as unknown as EventSubscriber<EventType>);
    this.subscribers.set(type, list);
  }

  /** Deletes events older than EVENT_RETENTION_DAYS, a bounded batch per statement; returns how many went. */
  async purgeExpired(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - this.config.EVENT_RETENTION_DAYS * 24 * 3600 * 1000);
    let purged = 0;
    for (;;) {
      // Oldest first in feed order (no index on the time: one less for every event to write);
      // the feed follows transactions' start, so this is time order to within one transaction.
      const deleted = affectedCount(
        await this.db.query(
          `DELETE FROM domain_events WHERE id IN (SELECT id FROM (SELECT id, occurred_at FROM domain_events ORDER BY xid, seq LIMIT $2) oldest WHERE occurred_at < $1)`,
          [cutoff, PURGE_BATCH],
        ),
      );
      purged += deleted;
      if (deleted < PURGE_BATCH) return purged;
    }
  }

  /** Returns the events as stored (with their ids). */
  async publish(tx: EntityManager, ...events: NewDomainEvent[]): Promise<DomainEvent[]> {
    if (!events.length) return [];
    const { published, rows } = this.prepare(events);
    // One event with its change is the common case: a plain VALUES row plans and binds faster.
    if (published.length === 1) {
      const [e] = published;
      await tx.query(
        'INSERT INTO domain_events (id, type, version, occurred_at, actor_id, task_force_id, candidate_id, payload) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
        [e.id, e.type, e.version, e.occurredAt, e.actorId, e.taskForceId ?? null, e.candidateId ?? null, JSON.stringify(e.payload)],
      );
    } else await tx.query(insertEvents(1), [rows]);
    await this.notify(tx, published);
    return published;
  }

  /**
   * The events as `publish` writes them, for a caller that folds their insert into a statement of
   * its own (`insertEvents`, with `rows` as its parameter); it must then `notify` the subscribers
   * in the same transaction.
   */
  prepare(events: NewDomainEvent[]): { published: DomainEvent[]; rows: string } {
    const occurredAt = this.clock.now();
    const published: DomainEvent[] = events.map((e) => ({ ...e, id: newId(), version: EVENT_VERSIONS[e.type], occurredAt }));
    const rows = JSON.stringify(
      published.map((e) => ({
        id: e.id,
        type: e.type,
        version: e.version,
        occurred_at: e.occurredAt,
        actor_id: e.actorId,
        task_force_id: e.taskForceId ?? null,
        candidate_id: e.candidateId ?? null,
        payload: e.payload,
      })),
    );
    return { published, rows };
  }

  /** Runs the subscribers of events written with `prepare`, in the transaction that wrote them. */
  async notify(tx: EntityManager, published: DomainEvent[]): Promise<void> {
    for (const event of published) {
      for (const subscriber of this.subscribers.get(event.type) ?? []) await subscriber(tx, event);
    }
  }
}
