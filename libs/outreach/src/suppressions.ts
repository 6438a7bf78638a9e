import { hashedAddress } from './outreach-stop';
import { AuditLog, NotFoundError, Page, PageQuery, returnedRows, toPage } from '@app/platform';
import { Actor, requireAdmin } from '@app/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, MaxLength } from 'class-validator';
import { DataSource } from 'typeorm';

export class SuppressionListQuery extends PageQuery {
  @ApiPropertyOptional({ description: "Only this address's entry; also found once its owner was erased (stored as a hash then)" })
  @IsOptional()
  @MaxLength(320)
  @IsEmail({ allow_utf8_local_part: true }, { message: 'address must be an email address' })
  address?: string;
}

export class SuppressionView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ nullable: true, type: String, description: 'The suppressed address; null once its owner was erased (only its hash is kept)' })
  address: string | null;
  @ApiProperty({ description: 'Kept only as a hash: its owner was erased' }) erased: boolean;
  @ApiProperty({ format: 'date-time' }) bouncedAt: string;
  @ApiProperty({ nullable: true, type: String, description: "The SMTP server's answer, or the bounce report's subject" }) smtpResponse: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) enrollmentId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) sequenceId: string | null;
  @ApiProperty({ nullable: true, type: Number }) step: number | null;
}

interface Row {
  id: string;
  email: string;
  bounced_at: Date;
  detail: string | null;
  enrollment_id: string | null;
  sequence_id: string | null;
  step: number | null;
}

const COLUMNS = `id, email, bounced_at, detail, enrollment_id, sequence_id, step`;
const HASHED = 'sha256:';

const toView = (r: Row): SuppressionView => {
  const erased = r.email.startsWith(HASHED);
  return {
    id: r.id,
    address: erased ? null : r.email,
    erased,
    bouncedAt: r.bounced_at.toISOString(),
    smtpResponse: r.detail,
    enrollmentId: r.enrollment_id,
    sequenceId: r.sequence_id,
    step: r.step,
  };
};

/**
 * The suppression list (bounced_addresses), for admins: addresses never mailed again because
 * they bounced. Removing one lets the next enrollment mail it; the removal is audited.
 */
@Injectable()
export class SuppressionsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditLog,
  ) {}

  async list(actor: Actor, query: SuppressionListQuery, afterId?: string): Promise<Page<SuppressionView>> {
    requireAdmin(actor);
    const address = query.address?.trim().toLowerCase() ?? null;
    const rows: Row[] = await this.db.query(
      `SELECT ${COLUMNS} FROM bounced_addresses
        WHERE ($1::text IS NULL OR email IN ($1, ${hashedAddress('$1::text')})) AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3`,
      [address, afterId ?? null, query.limit + 1],
    );
    return toPage(rows, query.limit, toView);
  }

  async get(actor: Actor, id: string): Promise<SuppressionView> {
    requireAdmin(actor);
    const [row]: Row[] = await this.db.query(`SELECT ${COLUMNS} FROM bounced_addresses WHERE id = $1`, [id]);
    if (!row) throw new NotFoundError('Suppression', id);
    return toView(row);
  }

  /** The address may be mailed again by the next enrollment; enrollments it already stopped stay stopped. */
  async remove(actor: Actor, id: string): Promise<void> {
    requireAdmin(actor);
    await this.db.transaction(async (tx) => {
      const [row] = returnedRows<Row>(await tx.query(`DELETE FROM bounced_addresses WHERE id = $1 RETURNING ${COLUMNS}`, [id]));
      if (!row) throw new NotFoundError('Suppression', id);
      // The audit entry never names the address: the log outlives an erasure.
      await this.audit.record(
        {
          actorId: actor.userId,
          action: 'suppression.removed',
          entityType: 'suppression',
          entityId: id,
          details: { bouncedAt: row.bounced_at.toISOString(), enrollmentId: row.enrollment_id, sequenceId: row.sequence_id, step: row.step },
        },
        tx,
      );
    });
  }
}
