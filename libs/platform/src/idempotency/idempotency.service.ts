import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { ConflictError, RuleViolationError } from '../errors/domain-error';
import { affectedCount, returnedRows } from '../database/sql';

export interface IdempotentRequest {
  userId: string;
  key: string;
  method: string;
  path: string;
  body: unknown;
}

/** How long a first request may run before a retry under the same key may take over. */
export const IN_PROGRESS_LEASE_SECONDS = 60;

export type IdempotencyOutcome = { kind: 'proceed' } | { kind: 'replay'; statusCode: number; body: unknown };

/** Canonical JSON: key order must not make the same body look different. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Secrets shown once (API tokens, webhook signing secrets) are never written to the replay store; a replay shows null. */
export function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        (k === 'token' || k === 'secret') && typeof v === 'string' ? null : withoutSecrets(v),
      ]),
    );
  }
  return value;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** The ids a request names in its path or body, kept beside its stored answer for erasure. */
export function idsNamedBy(path: string, body: unknown): string[] {
  return [...new Set(`${path}\n${canonicalJson(body)}`.match(UUID) ?? [])].map((id) => id.toLowerCase());
}

/**
 * Erasure: stored answers whose request or answer names any of `refs` (ids of the erased
 * person's records) are deleted, so a replay cannot hand their data back. A retry under such a
 * key then runs as a new request. Returns how many were deleted.
 */
export async function forgetReplaysNaming(manager: EntityManager, refs: string[]): Promise<number> {
  if (!refs.length) return 0;
  return affectedCount(
    await manager.query(
      `DELETE FROM idempotency_keys k
        WHERE k.refs && $1::text[]
           OR EXISTS (SELECT 1 FROM unnest($1::text[]) AS ref WHERE strpos(coalesce(k.response_body::text, ''), ref) > 0)`,
      [refs],
    ),
  );
}

/**
 * Stores the first answer to a creating request under the caller's Idempotency-Key, in Postgres
 * so every API process sees it. A retry with the same body gets that answer again; a different
 * body under the same key is refused; a retry racing the first request is told to wait.
 */
@Injectable()
export class IdempotencyService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly config: AppConfig,
  ) {}

  fingerprint(req: IdempotentRequest): string {
    return createHash('sha256')
      .update(`${req.method} ${req.path.toLowerCase()}\n${canonicalJson(req.body)}`)
      .digest('hex');
  }

  async begin(req: IdempotentRequest): Promise<IdempotencyOutcome> {
    const hash = this.fingerprint(req);
    await this.db.query(`DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND expires_at < now()`, [req.userId, req.key]);
    const inserted: unknown[] = await this.db.query(
      `INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, expires_at, refs)
       VALUES ($1, $2, $3, $4, $5, now() + make_interval(hours => $6), $7)
       ON CONFLICT (user_id, key) DO NOTHING RETURNING key`,
      [req.userId, req.key, req.method, req.path, hash, this.config.IDEMPOTENCY_TTL_HOURS, idsNamedBy(req.path, req.body)],
    );
    if (inserted.length === 1) return { kind: 'proceed' };

    const [row] = (await this.db.query(`SELECT request_hash, status_code, response_body FROM idempotency_keys WHERE user_id = $1 AND key = $2`, [
      req.userId,
      req.key,
    ])) as { request_hash: string; status_code: number | null; response_body: unknown }[];
    if (!row) return this.begin(req);
    if (row.request_hash !== hash) {
      throw new RuleViolationError(
        'idempotency_key_reused',
        'This Idempotency-Key was already used with a different request; use a new key for a new request.',
      );
    }
    if (row.status_code === null) {
      // A request that has been "in progress" past the lease died with its process: take it over.
      const taken: unknown[] = await this.db
        .query(
          `UPDATE idempotency_keys SET created_at = now() WHERE user_id = $1 AND key = $2 AND status_code IS NULL
            AND created_at < now() - make_interval(secs => $3) RETURNING key`,
          [req.userId, req.key, IN_PROGRESS_LEASE_SECONDS],
        )
        .then(returnedRows);
      if (taken.length === 1) return { kind: 'proceed' };
      throw new ConflictError('idempotency_request_in_progress', 'A request with this Idempotency-Key is still being processed; retry shortly.', {
        retryAfterSeconds: IN_PROGRESS_LEASE_SECONDS,
      });
    }
    return { kind: 'replay', statusCode: row.status_code, body: row.response_body };
  }

  async complete(userId: string, key: string, statusCode: number, body: unknown): Promise<void> {
    await this.db.query(`UPDATE idempotency_keys SET status_code = $3, response_body = $4::jsonb WHERE user_id = $1 AND key = $2`, [
      userId,
      key,
      statusCode,
      JSON.stringify(withoutSecrets(body ?? null)),
    ]);
  }

  /** A failed request leaves no trace, so the client may retry it under the same key. */
  async abandon(userId: string, key: string): Promise<void> {
    await this.db.query(`DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status_code IS NULL`, [userId, key]);
  }

  async purgeExpired(): Promise<number> {
    return affectedCount(await this.db.query(`DELETE FROM idempotency_keys WHERE expires_at < now()`));
  }
}
