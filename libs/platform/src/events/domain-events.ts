import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { affectedCount } from '../database/sql';
import { Clock } from '../clock/clock';
import { newId } from '../ids';
import { DomainEvent, EVENT_VERSIONS, EventType, NewDomainEvent } from './catalogue';

const PURGE_BATCH = 5000;

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
    const occurredAt = this.clock.now();
    const published: DomainEvent[] = events.map((e) => ({ ...e, id: newId(), version: EVENT_VERSIONS[e.type], occurredAt }));
    const rows = published.map((e) => [
      e.id,
      e.type,
      e.version,
      e.occurredAt,
      e.actorId,
      e.taskForceId ?? null,
      e.candidateId ?? null,
      JSON.stringify(e.payload),
    ]);
    const columns = 'INSERT INTO domain_events (id, type, version, occurred_at, actor_id, task_force_id, candidate_id, payload)';
    // One event with its change is the common case: a plain VALUES row plans and binds faster than arrays.
    if (rows.length === 1) await tx.query(`${columns} VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, rows[0]);
    else {
      await tx.query(
        `${columns} SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::timestamptz[], $5::uuid[], $6::uuid[], $7::uuid[], $8::jsonb[])`,
        rows[0].map((_, column) => rows.map((row) => row[column])),
      );
    }
    for (const event of published) {
      for (const subscriber of this.subscribers.get(event.type) ?? []) await subscriber(tx, event);
    }
    return published;
  }
}
