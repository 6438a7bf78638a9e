import {
  AuditLog,
  Clock,
  ConflictError,
  DomainEvents,
  InvalidInputError,
  NotFoundError,
  Page,
  RuleViolationError,
  newId,
  returnedRows,
  toPage,
} from '@app/platform';
import { TaskForceAccess } from '@app/task-forces';
import { Actor, requireAdmin } from '@app/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { checkNetworkWidths, checkTarget, checkTargetUrl, Network, parseNetworks } from './webhook-targets';
import { WebhookJobs } from './webhook-jobs';
import {
  CreateWebhookDto,
  DEFAULT_ROTATION_OVERLAP_SECONDS,
  DeliveryDetailView,
  DeliveryListQuery,
  DeliveryQueuedView,
  DeliveryStatus,
  DeliveryView,
  MAX_ENDPOINTS,
  RotateSecretDto,
  UpdateWebhookDto,
  WebhookSettingsDto,
  WebhookSettingsView,
  WebhookView,
  WebhookWithSecretView,
} from './webhooks.dto';

export interface EndpointRow {
  id: string;
  url: string;
  description: string | null;
  event_types: string[] | null;
  task_force_ids: string[] | null;
  enabled: boolean;
  disabled_reason: string | null;
  disabled_at: Date | null;
  failing_since: Date | null;
  previous_secret_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
  version: number;
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date | null;
  last_status: number | null;
  last_error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

const ENDPOINT_COLUMNS = `id, url, description, event_types, task_force_ids, enabled, disabled_reason, disabled_at, failing_since,
  CASE WHEN previous_secret_expires_at > now() THEN previous_secret_expires_at END AS previous_secret_expires_at, created_at, updated_at, version`;
const DELIVERY_COLUMNS = `id, endpoint_id, event_id, event_type, status, attempts, next_attempt_at, last_status, last_error, created_at, finished_at`;
const MAX_ATTEMPTS_SHOWN = 50;
/** The settings are one row; the audit log names it by this id. */
const SETTINGS_ENTITY_ID = '00000000-0000-0000-0000-000000000001';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const endpointView = (r: EndpointRow): WebhookView => ({
  id: r.id,
  url: r.url,
  description: r.description,
  eventTypes: r.event_types,
  taskForceIds: r.task_force_ids,
  enabled: r.enabled,
  disabledReason: r.disabled_reason,
  disabledAt: iso(r.disabled_at),
  failingSince: iso(r.failing_since),
  previousSecretExpiresAt: iso(r.previous_secret_expires_at),
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
  version: r.version,
});

const deliveryView = (r: DeliveryRow): DeliveryView => ({
  id: r.id,
  endpointId: r.endpoint_id,
  eventId: r.event_id,
  eventType: r.event_type,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.status === 'pending' ? iso(r.next_attempt_at) : null,
  lastStatus: r.last_status,
  lastError: r.last_error,
  createdAt: r.created_at.toISOString(),
  finishedAt: iso(r.finished_at),
});

/** A Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/**
 * Webhook endpoints, their settings and their delivery log, for admins (docs/webhooks.md). The
 * worker delivers (WebhookDelivery); this side registers, changes and inspects.
 */
@Injectable()
export class WebhooksService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly events: DomainEvents,
    private readonly taskForces: TaskForceAccess,
    private readonly jobs: WebhookJobs,
  ) {}

  async create(actor: Actor, dto: CreateWebhookDto): Promise<WebhookWithSecretView> {
    requireAdmin(actor, 'manage webhooks');
    const url = await this.checkUrl(dto.url);
    await this.checkTaskForces(dto.taskForceIds);
    const secret = newSecret();
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      // Serialises creations, so the cap holds under concurrent requests.
      await tx.query(`SELECT 1 FROM webhook_settings WHERE id = 1 FOR UPDATE`);
      const [{ count }]: { count: number }[] = await tx.query(`SELECT count(*)::int AS count FROM webhook_endpoints`);
      if (count >= MAX_ENDPOINTS)
        throw new RuleViolationError('too_many_webhooks', `At most ${MAX_ENDPOINTS} webhook endpoints can be registered; delete one first`);
      const enabled = dto.enabled ?? true;
      const [row]: EndpointRow[] = await tx.query(
        `INSERT INTO webhook_endpoints (id, url, description, event_types, task_force_ids, secret, enabled, disabled_reason, disabled_at, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING ${ENDPOINT_COLUMNS}`,
        [
          newId(),
          url,
          dto.description ?? null,
          dto.eventTypes ?? null,
          dto.taskForceIds ?? null,
          secret,
          enabled,
          enabled ? null : 'disabled by an admin',
          enabled ? null : now,
          actor.userId,
          now,
        ],
      );
      await this.audit.record(
        {
          actorId: actor.userId,
          action: 'webhook.created',
          entityType: 'webhook',
          entityId: row.id,
          details: { url, eventTypes: row.event_types, taskForceIds: row.task_force_ids, enabled },
        },
        tx,
      );
      return { ...endpointView(row), secret };
    });
  }

  async list(actor: Actor, limit: number, afterId?: string): Promise<Page<WebhookView>> {
    requireAdmin(actor, 'manage webhooks');
    const rows: EndpointRow[] = await this.db.query(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2`,
      [afterId ?? null, limit + 1],
    );
    return toPage(rows, limit, endpointView);
  }

  async get(actor: Actor, id: string): Promise<WebhookView> {
    requireAdmin(actor, 'manage webhooks');
    return endpointView(await this.endpoint(this.db.manager, id));
  }

  async update(actor: Actor, id: string, dto: UpdateWebhookDto): Promise<WebhookView> {
    requireAdmin(actor, 'manage webhooks');
    const url = dto.url === undefined ? undefined : await this.checkUrl(dto.url);
    if (dto.taskForceIds) await this.checkTaskForces(dto.taskForceIds);
    return this.db.transaction(async (tx) => {
      const current = await this.endpoint(tx, id, true);
      if (dto.expectedVersion !== undefined && dto.expectedVersion !== current.version)
        throw new ConflictError('version_conflict', `Webhook ${id} is at version ${current.version}, not ${dto.expectedVersion}`, {
          currentVersion: current.version,
        });
      const enabled = dto.enabled ?? current.enabled;
      const reenabled = enabled && !current.enabled;
      const now = this.clock.now();
      const [row]: EndpointRow[] = returnedRows(
        await tx.query(
          `UPDATE webhook_endpoints SET url = $2, description = $3, event_types = $4, task_force_ids = $5, enabled = $6,
                  disabled_reason = CASE WHEN $6 THEN NULL WHEN enabled THEN 'disabled by an admin' ELSE disabled_reason END,
                  disabled_at = CASE WHEN $6 THEN NULL WHEN enabled THEN $7 ELSE disabled_at END,
                  failing_since = CASE WHEN $8 THEN NULL ELSE failing_since END,
                  updated_at = $7, version = version + 1
            WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
          [
            id,
            url ?? current.url,
            dto.description === undefined ? current.description : dto.description,
            dto.eventTypes === undefined ? current.event_types : dto.eventTypes,
            dto.taskForceIds === undefined ? current.task_force_ids : dto.taskForceIds,
            enabled,
            now,
            reenabled,
          ],
        ),
      );
      // Deliveries held while it was disabled are due now; the worker's reconciler sends them.
      if (reenabled)
        await tx.query(`UPDATE webhook_deliveries SET next_attempt_at = $2 WHERE endpoint_id = $1 AND status = 'pending' AND next_attempt_at > $2`, [id, now]);
      const changed = Object.keys(dto)
        .filter((k) => k !== 'expectedVersion')
        .sort();
      await this.audit.record(
        { actorId: actor.userId, action: 'webhook.updated', entityType: 'webhook', entityId: id, details: { fields: changed, enabled } },
        tx,
      );
      return endpointView(row);
    });
  }

  async remove(actor: Actor, id: string): Promise<void> {
    requireAdmin(actor, 'manage webhooks');
    await this.db.transaction(async (tx) => {
      const deleted = returnedRows<{ url: string }>(await tx.query(`DELETE FROM webhook_endpoints WHERE id = $1 RETURNING url`, [id]));
      if (!deleted.length) throw new NotFoundError('Webhook', id);
      await this.audit.record({ actorId: actor.userId, action: 'webhook.deleted', entityType: 'webhook', entityId: id, details: { url: deleted[0].url } }, tx);
    });
  }

  /** A new secret, shown once; the previous one keeps signing beside it for the overlap. */
  async rotateSecret(actor: Actor, id: string, dto: RotateSecretDto): Promise<WebhookWithSecretView> {
    requireAdmin(actor, 'manage webhooks');
    const overlap = dto.overlapSeconds ?? DEFAULT_ROTATION_OVERLAP_SECONDS;
    const secret = newSecret();
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      await this.endpoint(tx, id, true);
      const [row]: EndpointRow[] = returnedRows(
        await tx.query(
          `UPDATE webhook_endpoints SET previous_secret = CASE WHEN $3 > 0 THEN secret END,
                  previous_secret_expires_at = CASE WHEN $3 > 0 THEN $4::timestamptz + make_interval(secs => $3) END,
                  secret = $2, updated_at = $4, version = version + 1
            WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
          [id, secret, overlap, now],
        ),
      );
      await this.audit.record(
        { actorId: actor.userId, action: 'webhook.secret_rotated', entityType: 'webhook', entityId: id, details: { overlapSeconds: overlap } },
        tx,
      );
      return { ...endpointView(row), secret };
    });
  }

  /** Publishes a `webhook.test` event for this endpoint alone and queues its delivery (also while the endpoint is disabled). */
  async ping(actor: Actor, id: string): Promise<DeliveryQueuedView> {
    requireAdmin(actor, 'manage webhooks');
    const queued = await this.db.transaction(async (tx) => {
      await this.endpoint(tx, id);
      const [{ id: event_id }] = await this.events.publish(tx, { type: 'webhook.test', payload: { endpointId: id }, actorId: actor.userId });
      const deliveryId = newId();
      await tx.query(
        `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, status, next_attempt_at, created_at) VALUES ($1, $2, $3, 'webhook.test', 'pending', $4, $4)`,
        [deliveryId, id, event_id, this.clock.now()],
      );
      return { deliveryId, eventId: event_id };
    });
    await this.jobs.enqueueAfterCommit([{ id: queued.deliveryId, attempts: 0 }]);
    return queued;
  }

  async deliveries(actor: Actor, endpointId: string, query: DeliveryListQuery, beforeId?: string): Promise<Page<DeliveryView>> {
    requireAdmin(actor, 'manage webhooks');
    await this.endpoint(this.db.manager, endpointId);
    const rows: DeliveryRow[] = await this.db.query(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
        WHERE endpoint_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::uuid IS NULL OR id < $3) ORDER BY id DESC LIMIT $4`,
      [endpointId, query.status ?? null, beforeId ?? null, query.limit + 1],
    );
    return toPage(rows, query.limit, deliveryView);
  }

  async delivery(actor: Actor, endpointId: string, deliveryId: string): Promise<DeliveryDetailView> {
    requireAdmin(actor, 'manage webhooks');
    const [row]: DeliveryRow[] = await this.db.query(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1 AND endpoint_id = $2`, [
      deliveryId,
      endpointId,
    ]);
    if (!row) throw new NotFoundError('Webhook delivery', deliveryId);
    const attempts: { attempt: number; started_at: Date; duration_ms: number; status: number | null; error: string | null; response_excerpt: string | null }[] =
      await this.db.query(
        `SELECT * FROM (SELECT attempt, started_at, duration_ms, status, error, response_excerpt FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt DESC LIMIT $2) a ORDER BY attempt`,
        [deliveryId, MAX_ATTEMPTS_SHOWN],
      );
    return {
      ...deliveryView(row),
      attemptLog: attempts.map((a) => ({
        attempt: a.attempt,
        startedAt: a.started_at.toISOString(),
        durationMs: a.duration_ms,
        status: a.status,
        error: a.error,
        responseExcerpt: a.response_excerpt,
      })),
    };
  }

  /** One more attempt now, with the same event id; a delivery still retrying is brought forward. */
  async redeliver(actor: Actor, endpointId: string, deliveryId: string): Promise<DeliveryQueuedView> {
    requireAdmin(actor, 'manage webhooks');
    const queued = await this.db.transaction(async (tx) => {
      const endpoint = await this.endpoint(tx, endpointId, true);
      const [row]: DeliveryRow[] = await tx.query(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1 AND endpoint_id = $2 FOR UPDATE`, [
        deliveryId,
        endpointId,
      ]);
      if (!row) throw new NotFoundError('Webhook delivery', deliveryId);
      if (!endpoint.enabled && row.event_type !== 'webhook.test')
        throw new ConflictError('webhook_disabled', `Webhook ${endpointId} is disabled; enable it before redelivering`);
      if (row.status === 'delivering') throw new ConflictError('delivery_in_progress', `Delivery ${deliveryId} is being attempted right now`);
      await tx.query(`UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $2, finished_at = NULL WHERE id = $1`, [
        deliveryId,
        this.clock.now(),
      ]);
      await this.audit.record(
        { actorId: actor.userId, action: 'webhook.redelivered', entityType: 'webhook', entityId: endpointId, details: { deliveryId, eventId: row.event_id } },
        tx,
      );
      return { row, queued: { deliveryId, eventId: row.event_id } };
    });
    // A new job id: the previous attempt's job may still be kept as finished.
    await this.jobs.enqueueAfterCommit([{ id: deliveryId, attempts: queued.row.attempts, suffix: `-m${this.clock.now().getTime()}` }]);
    return queued.queued;
  }

  async settings(actor: Actor): Promise<WebhookSettingsView> {
    requireAdmin(actor, 'manage webhooks');
    const [row]: { allowed_networks: string[]; updated_at: Date | null }[] = await this.db.query(
      `SELECT allowed_networks, updated_at FROM webhook_settings WHERE id = 1`,
    );
    return { allowedNetworks: row.allowed_networks, updatedAt: iso(row.updated_at) };
  }

  async updateSettings(actor: Actor, dto: WebhookSettingsDto): Promise<WebhookSettingsView> {
    requireAdmin(actor, 'manage webhooks');
    // Stored as written once each parses, in its canonical form.
    const parsed = parseNetworks(dto.allowedNetworks);
    checkNetworkWidths(parsed);
    const networks = parsed.map(([address, bits]) => `${address.toString()}/${bits}`);
    return this.db.transaction(async (tx) => {
      const [row]: { allowed_networks: string[]; updated_at: Date }[] = returnedRows(
        await tx.query(
          `UPDATE webhook_settings SET allowed_networks = $1, updated_at = $2, updated_by = $3 WHERE id = 1 RETURNING allowed_networks, updated_at`,
          [networks, this.clock.now(), actor.userId],
        ),
      );
      await this.audit.record(
        {
          actorId: actor.userId,
          action: 'webhook.settings_changed',
          entityType: 'webhook_settings',
          entityId: SETTINGS_ENTITY_ID,
          details: { allowedNetworks: networks },
        },
        tx,
      );
      return { allowedNetworks: row.allowed_networks, updatedAt: iso(row.updated_at) };
    });
  }

  private async allowedNetworks(): Promise<Network[]> {
    const [row]: { allowed_networks: string[] }[] = await this.db.query(`SELECT allowed_networks FROM webhook_settings WHERE id = 1`);
    return parseNetworks(row.allowed_networks);
  }

  private async checkUrl(raw: string): Promise<string> {
    const url = checkTargetUrl(raw);
    const refusal = await checkTarget(url, await this.allowedNetworks());
    if (refusal) throw new InvalidInputError('webhook_target_refused', `url is refused: ${refusal}`, [{ field: 'url', message: refusal }]);
    return url.toString();
  }

  private async checkTaskForces(ids: string[] | null | undefined): Promise<void> {
    const unknown = await this.taskForces.unknownIds(ids ?? []);
    if (unknown.length)
      throw new InvalidInputError(
        'unknown_task_force',
        `No task force ${unknown.join(', ')}`,
        unknown.map((id) => ({ field: 'taskForceIds', message: `no task force ${id}` })),
      );
  }

  private async endpoint(manager: EntityManager, id: string, lock = false): Promise<EndpointRow> {
    const [row]: EndpointRow[] = await manager.query(`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`, [id]);
    if (!row) throw new NotFoundError('Webhook', id);
    return row;
  }
}
