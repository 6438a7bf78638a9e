import { eventView } from '@app/events';
import { AppConfig, Clock, DomainEvents, inIndexOrder, newId, retryWaitsMs, returnedRows } from '@app/platform';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { postWebhook, PostOutcome } from './webhook-http';
import { WebhookJobs } from './webhook-jobs';
import { parseNetworks } from './webhook-targets';

/** Events read from the outbox per dispatch statement, and statements per dispatch job at most. */
export const DISPATCH_BATCH = 500;
const DISPATCH_ROUNDS = 20;
/** An attempt is recorded within the request timeout and this; one claimed longer ago lost its sender. */
const RECLAIM_MARGIN_MS = 5_000;
/** Deliveries the reconciler looks at per pass. */
const RECONCILE_BATCH = 1000;
/** A pending delivery this overdue has lost its job (or never got one): the reconciler enqueues it again. */
const OVERDUE_MS = 10_000;

export type DeliveryOutcome =
  | { result: 'succeeded' | 'retrying' | 'failed'; attempt: number; status: number | null }
  | { result: 'not_due'; dueAt: Date }
  | { result: 'skipped'; reason: string };

interface Claimed {
  attempts: number;
  endpoint_id: string;
  event_type: string;
  url: string;
  secret: string;
  previous_secret: string | null;
  allowed_networks: string[];
  event_id: string;
  version: number;
  occurred_at: Date;
  actor_id: string | null;
  task_force_id: string | null;
  payload: Record<string, unknown>;
}

/**
 * The worker's side of webhooks (docs/webhooks.md): turns committed events into one delivery per
 * matching endpoint, delivers each signed per Standard Webhooks with retries, disables endpoints
 * that keep failing, and finds deliveries whose job or sender was lost. At least once: a delivery
 * is marked succeeded only after the endpoint answered 2xx, so a sender that dies in between
 * causes one more attempt with the same webhook-id, never a lost event.
 */
@Injectable()
export class WebhookDelivery {
  private readonly logger = new Logger(WebhookDelivery.name);
  private readonly waits: number[];

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly events: DomainEvents,
    private readonly jobs: WebhookJobs,
  ) {
    this.waits = retryWaitsMs(config);
  }

  /**
   * Reads the outbox from where the last dispatch stopped, in the feed's order and only events
   * whose transaction has ended, and creates the deliveries; the position moves in the same
   * transaction. One dispatcher at a time (the position's row lock); others skip their turn.
   */
  async dispatch(): Promise<{ events: number; deliveries: number }> {
    let events = 0;
    let deliveries = 0;
    for (let round = 0; round < DISPATCH_ROUNDS; round++) {
      const batch = await this.db.transaction(async (tx) => {
        const [position]: { xid: string; seq: string }[] = await tx.query(
          `SELECT xid::text, seq::text FROM webhook_dispatch WHERE id = 1 FOR UPDATE SKIP LOCKED`,
        );
        if (!position) return null;
        const [{ horizon }]: { horizon: string }[] = await tx.query(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon`);
        const [{ endpoints }]: { endpoints: number }[] = await tx.query(`SELECT count(*)::int AS endpoints FROM webhook_endpoints WHERE enabled`);
        const range = `(e.xid, e.seq) > ($1::xid8, $2::bigint) AND e.xid < $3::xid8`;
        if (endpoints === 0) {
          // Nobody to deliver to: move to the newest ended event without reading the rest.
          const [last]: { xid: string; seq: string }[] = await inIndexOrder(tx, () =>
            tx.query(`SELECT e.xid::text, e.seq::text FROM domain_events e WHERE ${range} ORDER BY e.xid DESC, e.seq DESC LIMIT 1`, [
              position.xid,
              position.seq,
              horizon,
            ]),
          );
          if (last) await tx.query(`UPDATE webhook_dispatch SET xid = $1, seq = $2 WHERE id = 1`, [last.xid, last.seq]);
          return { read: 0, created: [] as { id: string }[] };
        }
        const pairs: { event_id: string; event_type: string; endpoint_id: string; xid: string; seq: string }[] = await inIndexOrder(tx, () =>
          tx.query(
            `WITH batch AS (SELECT e.id, e.xid, e.seq, e.type, e.occurred_at, e.task_force_id, e.payload FROM domain_events e WHERE ${range} ORDER BY e.xid, e.seq LIMIT $4)
           SELECT b.id AS event_id, b.type AS event_type, w.id AS endpoint_id, b.xid::text, b.seq::text
             FROM batch b LEFT JOIN webhook_endpoints w
               ON w.enabled AND b.type <> 'webhook.test' AND b.occurred_at >= w.created_at
              AND (w.event_types IS NULL OR b.type = ANY (w.event_types))
              AND (w.task_force_ids IS NULL OR b.task_force_id = ANY (w.task_force_ids))
              AND NOT (b.type = 'webhook.endpoint_disabled' AND b.payload->>'endpointId' = w.id::text)
            ORDER BY b.xid, b.seq`,
            [position.xid, position.seq, horizon, DISPATCH_BATCH],
          ),
        );
        if (!pairs.length) return { read: 0, created: [] };
        const last = pairs[pairs.length - 1];
        const matched = pairs.filter((p) => p.endpoint_id !== null);
        const now = this.clock.now();
        const created: { id: string }[] = matched.length
          ? await tx.query(
              `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, status, next_attempt_at, created_at)
               SELECT id, endpoint_id, event_id, event_type, 'pending', $5, $5 FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[]) AS t(id, endpoint_id, event_id, event_type)
               ON CONFLICT (endpoint_id, event_id) DO NOTHING RETURNING id`,
              [matched.map(() => newId()), matched.map((p) => p.endpoint_id), matched.map((p) => p.event_id), matched.map((p) => p.event_type), now],
            )
          : [];
        await tx.query(`UPDATE webhook_dispatch SET xid = $1, seq = $2 WHERE id = 1`, [last.xid, last.seq]);
        return { read: new Set(pairs.map((p) => p.event_id)).size, created };
      });
      if (!batch) break;
      events += batch.read;
      deliveries += batch.created.length;
      // After the commit: a crash before this line leaves pending deliveries the reconciler finds.
      if (batch.created.length) await this.jobs.enqueue(batch.created.map((d) => ({ id: d.id, attempts: 0 })));
      if (batch.read < DISPATCH_BATCH) break;
    }
    return { events, deliveries };
  }

  async deliver(deliveryId: string): Promise<DeliveryOutcome> {
    const now = this.clock.now();
    const [claimed] = returnedRows<Claimed>(
      await this.db.query(
        `UPDATE webhook_deliveries d SET status = 'delivering', attempts = d.attempts + 1, claimed_at = $2
         FROM webhook_endpoints w, domain_events e, webhook_settings s
        WHERE d.id = $1 AND d.status = 'pending' AND d.next_attempt_at <= $2 AND w.id = d.endpoint_id AND e.id = d.event_id AND s.id = 1
          AND (w.enabled OR d.event_type = 'webhook.test')
       RETURNING d.attempts, d.endpoint_id, d.event_type, w.url, w.secret,
                 CASE WHEN w.previous_secret_expires_at > $2 THEN w.previous_secret END AS previous_secret, s.allowed_networks,
                 e.id AS event_id, e.version, e.occurred_at, e.actor_id, e.task_force_id, e.payload`,
        [deliveryId, now],
      ),
    );
    if (!claimed) {
      const [row]: { status: string; next_attempt_at: Date | null; enabled: boolean }[] = await this.db.query(
        `SELECT d.status, d.next_attempt_at, w.enabled FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id WHERE d.id = $1`,
        [deliveryId],
      );
      if (!row) return { result: 'skipped', reason: 'gone' };
      if (row.status !== 'pending') return { result: 'skipped', reason: row.status };
      if (!row.enabled) return { result: 'skipped', reason: 'endpoint disabled' };
      return { result: 'not_due', dueAt: row.next_attempt_at! };
    }
    const timestamp = this.clock.now();
    const body = JSON.stringify({
      type: claimed.event_type,
      timestamp: claimed.occurred_at.toISOString(),
      data: eventView({ ...claimed, id: claimed.event_id, type: claimed.event_type as never }),
    });
    const signatures = [claimed.secret, claimed.previous_secret]
      .filter((s): s is string => !!s)
      .map((secret) => new Webhook(secret).sign(claimed.event_id, timestamp, body))
      .join(' ');
    const headers = {
      'webhook-id': claimed.event_id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signatures,
      'user-agent': 'overseas-hiring-webhooks/1',
    };
    let outcome: PostOutcome;
    try {
      outcome = await postWebhook(claimed.url, headers, body, parseNetworks(claimed.allowed_networks), this.config.WEBHOOK_TIMEOUT_MS);
    } catch (e) {
      outcome = { status: null, durationMs: 0, error: `could not send: ${(e as Error).message}`.slice(0, 300), excerpt: null };
    }
    return this.record(deliveryId, claimed, timestamp, outcome);
  }

  private async record(deliveryId: string, claimed: Claimed, startedAt: Date, outcome: PostOutcome): Promise<DeliveryOutcome> {
    const attempt = claimed.attempts;
    const succeeded = outcome.error === null;
    const isTest = claimed.event_type === 'webhook.test';
    // A test ping gets one attempt; an event as many as the schedule has waits, plus the first.
    const exhausted = !succeeded && (isTest || attempt > this.waits.length);
    const now = this.clock.now();
    if (succeeded) {
      // The common case in one statement: the delivery, its attempt, and the endpoint healthy again.
      const [{ recorded }]: { recorded: number }[] = await this.db.query(
        `WITH d AS (UPDATE webhook_deliveries SET status = 'succeeded', last_status = $3, last_error = NULL, claimed_at = NULL, next_attempt_at = NULL, finished_at = $4
                     WHERE id = $1 AND status = 'delivering' AND attempts = $2 RETURNING id),
              a AS (INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status, error, response_excerpt)
                    SELECT id, $2, $5, $6, $3, NULL, $7 FROM d ON CONFLICT (delivery_id, attempt) DO NOTHING),
              w AS (UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $8 AND failing_since IS NOT NULL AND NOT $9 AND EXISTS (SELECT 1 FROM d))
         SELECT count(*)::int AS recorded FROM d`,
        [deliveryId, attempt, outcome.status, now, startedAt, outcome.durationMs, outcome.excerpt, claimed.endpoint_id, isTest],
      );
      return recorded ? { result: 'succeeded', attempt, status: outcome.status } : { result: 'skipped', reason: 'attempt taken back' };
    }
    const wait = exhausted ? 0 : jittered(this.waits[Math.min(attempt - 1, this.waits.length - 1)]);
    const result = await this.db.transaction(async (tx) => {
      const updated = returnedRows(
        await tx.query(
          `UPDATE webhook_deliveries SET status = $3, last_status = $4, last_error = $5, claimed_at = NULL,
                next_attempt_at = $6, finished_at = $7
          WHERE id = $1 AND status = 'delivering' AND attempts = $2 RETURNING created_at`,
          [
            deliveryId,
            attempt,
            exhausted ? 'failed' : 'pending',
            outcome.status,
            outcome.error,
            exhausted ? null : new Date(now.getTime() + wait),
            exhausted ? now : null,
          ],
        ),
      );
      // The reconciler took the attempt back (this sender was too slow): its retry will be recorded instead.
      if (!updated.length) return null;
      await tx.query(
        `INSERT INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status, error, response_excerpt) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (delivery_id, attempt) DO NOTHING`,
        [deliveryId, attempt, startedAt, outcome.durationMs, outcome.status, outcome.error, outcome.excerpt],
      );
      if (isTest) return 'done';
      const [endpoint] = returnedRows<{ failing_since: Date; enabled: boolean }>(
        await tx.query(`UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $2) WHERE id = $1 RETURNING failing_since, enabled`, [
          claimed.endpoint_id,
          startedAt,
        ]),
      );
      if (!exhausted || !endpoint?.enabled) return 'done';
      // Nothing succeeded since this delivery's first attempt, through its whole retry schedule: the endpoint is down for good.
      const [first]: { started_at: Date }[] = await tx.query(`SELECT started_at FROM webhook_attempts WHERE delivery_id = $1 AND attempt = 1`, [deliveryId]);
      if (first && endpoint.failing_since.getTime() <= first.started_at.getTime()) {
        const reason = `every attempt failed since ${endpoint.failing_since.toISOString()}; the last: ${outcome.error}`.slice(0, 500);
        await tx.query(
          `UPDATE webhook_endpoints SET enabled = false, disabled_reason = $2, disabled_at = $3, updated_at = $3, version = version + 1 WHERE id = $1`,
          [claimed.endpoint_id, reason, now],
        );
        await this.events.publish(tx, { type: 'webhook.endpoint_disabled', payload: { endpointId: claimed.endpoint_id, reason }, actorId: null });
        this.logger.warn({ endpointId: claimed.endpoint_id }, 'webhook endpoint disabled: it kept failing');
      }
      return 'done';
    });
    if (result === null) return { result: 'skipped', reason: 'attempt taken back' };
    if (!exhausted) await this.jobs.enqueue([{ id: deliveryId, attempts: attempt, delayMs: wait }]);
    return { result: exhausted ? 'failed' : 'retrying', attempt, status: outcome.status };
  }

  /**
   * Takes back attempts whose sender died (claimed longer ago than a request can last) and
   * enqueues pending deliveries that are overdue, whose job Redis lost or never got.
   */
  async reconcile(): Promise<{ reclaimed: number; requeued: number }> {
    const now = this.clock.now();
    const stale = new Date(now.getTime() - this.config.WEBHOOK_TIMEOUT_MS - RECLAIM_MARGIN_MS);
    const reclaimed = returnedRows<{ id: string }>(
      await this.db.query(
        `UPDATE webhook_deliveries SET status = 'pending', claimed_at = NULL, next_attempt_at = $2
        WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'delivering' AND claimed_at < $1 ORDER BY claimed_at LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING id`,
        [stale, now, RECONCILE_BATCH],
      ),
    );
    const overdue: { id: string; attempts: number }[] = await this.db.query(
      `SELECT d.id, d.attempts FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
        WHERE d.status = 'pending' AND d.next_attempt_at < $1 AND (w.enabled OR d.event_type = 'webhook.test')
        ORDER BY d.next_attempt_at, d.id LIMIT $2`,
      [new Date(now.getTime() - OVERDUE_MS), RECONCILE_BATCH],
    );
    const presence = await this.jobs.presence(overdue);
    // A job still waiting (a long queue) is left alone; one kept as finished ran while the delivery could not: a new id.
    const requeue = overdue
      .map((d, i) => ({ ...d, state: presence[i] }))
      .filter((d) => d.state !== 'pending')
      .map((d) => ({ id: d.id, attempts: d.attempts, suffix: d.state === 'finished' ? `-r${now.getTime()}` : '' }));
    if (requeue.length) await this.jobs.enqueue(requeue);
    return { reclaimed: reclaimed.length, requeued: requeue.length };
  }
}

/** A wait varied by up to a fifth either way, so endpoints that failed together are not retried together. */
export function jittered(ms: number): number {
  return Math.round(ms * (0.8 + Math.random() * 0.4));
}
