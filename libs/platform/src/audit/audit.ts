import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { newId } from '../ids';

export interface AuditEntry {
  actorId: string | null;
  action: string;
  entityType: string;
  entityId: string;
  details?: Record<string, unknown>;
}

/** Append-only record of sensitive actions (exports, erasures, merges). Written in the caller's transaction. */
@Injectable()
export class AuditLog {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async record(entry: AuditEntry, manager: EntityManager = this.db.manager): Promise<void> {
    await manager.query(`INSERT INTO audit_log (id, actor_id, action, entity_type, entity_id, details) VALUES ($1, $2, $3, $4, $5, $6)`, [
      newId(),
      entry.actorId,
      entry.action,
      entry.entityType,
      entry.entityId,
      JSON.stringify(entry.details ?? {}),
    ]);
  }

  async forEntity(entityType: string, entityId: string): Promise<{ action: string; actorId: string | null; details: unknown; at: string }[]> {
    const rows: { action: string; actor_id: string | null; details: unknown; at: Date }[] = await this.db.query(
      `SELECT action, actor_id, details, at FROM audit_log WHERE entity_type = $1 AND entity_id = $2 ORDER BY id`,
      [entityType, entityId],
    );
    return rows.map((r) => ({ action: r.action, actorId: r.actor_id, details: r.details, at: r.at.toISOString() }));
  }
}
