import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '../clock/clock';
import { newId } from '../ids';
import { DomainEvent, EVENT_VERSIONS, EventType, NewDomainEvent } from './catalogue';

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

  constructor(private readonly clock: Clock) {}

  subscribe<T extends EventType>(type: T, subscriber: EventSubscriber<T>): void {
    const list = this.subscribers.get(type) ?? [];
    list.push(subscriber as unknown as EventSubscriber<EventType>);
    this.subscribers.set(type, list);
  }

  async publish(tx: EntityManager, ...events: NewDomainEvent[]): Promise<void> {
    if (!events.length) return;
    const occurredAt = this.clock.now();
    const published: DomainEvent[] = events.map((e) => ({ ...e, id: newId(), version: EVENT_VERSIONS[e.type], occurredAt }));
    await tx.query(
      `INSERT INTO domain_events (id, type, version, occurred_at, actor_id, task_force_id, candidate_id, payload)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::timestamptz[], $5::uuid[], $6::uuid[], $7::uuid[], $8::jsonb[])`,
      [
        published.map((e) => e.id),
        published.map((e) => e.type),
        published.map((e) => e.version),
        published.map((e) => e.occurredAt),
        published.map((e) => e.actorId),
        published.map((e) => e.taskForceId ?? null),
        published.map((e) => e.candidateId ?? null),
        published.map((e) => JSON.stringify(e.payload)),
      ],
    );
    for (const event of published) {
      for (const subscriber of this.subscribers.get(event.type) ?? []) await subscriber(tx, event);
    }
  }
}
