import { CandidateAccess } from '@app/candidates';
import {
  AppConfig,
  canonicalJson,
  Clock,
  ConflictError,
  DomainEvents,
  isUniqueViolation,
  newId,
  NotFoundError,
  Page,
  RuleViolationError,
  toPage,
} from '@app/platform';
import { TaskForceAccess } from '@app/task-forces';
import { Actor, isAdmin } from '@app/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Duration } from 'luxon';
import { DataSource, EntityManager } from 'typeorm';
import {
  CreateSequenceDto,
  PreviewDto,
  SequenceDefinition,
  SequenceListQuery,
  SequenceStats,
  SequenceView,
  StepStats,
  UpdateSequenceDto,
} from './sequences.dto';
import { checkTemplate, render, templateContext } from './templates';
import { unsubscribeUrl } from './unsubscribe-token';

/**
 * The longest delay a step may have (docs/outreach.md). Months count as 30 days and years as 365,
 * as Luxon counts them when it turns a duration into time.
 */
export const MAX_STEP_DELAY_DAYS = 365;
const MAX_STEP_DELAY = Duration.fromObject({ days: MAX_STEP_DELAY_DAYS });

interface SequenceRow {
  id: string;
  task_force_id: string;
  current_version: number;
  definition: SequenceDefinition;
  created_at: Date;
  updated_at: Date;
}

const SELECT = `SELECT s.id, s.task_force_id, s.current_version, v.definition, s.created_at, s.updated_at
                  FROM sequences s JOIN sequence_versions v ON v.sequence_id = s.id AND v.version = s.current_version`;

const toView = (r: SequenceRow): SequenceView => ({
  id: r.id,
  taskForceId: r.task_force_id,
  version: r.current_version,
  definition: r.definition,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/**
 * Outreach sequences of a task force. Each change writes a new immutable version; new
 * enrollments use the current one and running ones keep theirs. Templates are checked when saved.
 */
@Injectable()
export class SequencesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly taskForces: TaskForceAccess,
    private readonly candidates: CandidateAccess,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly events: DomainEvents,
  ) {}

  async create(actor: Actor, dto: CreateSequenceDto): Promise<SequenceView> {
    await this.taskForces.requireVisible(actor, dto.taskForceId);
    const definition = this.definition(dto);
    return this.db.transaction(async (tx) => {
      const id = newId();
      await this.uniqueName(() =>
        tx.query(`INSERT INTO sequences (id, task_force_id, name, created_by) VALUES ($1, $2, $3, $4)`, [id, dto.taskForceId, definition.name, actor.userId]),
      );
      await tx.query(`INSERT INTO sequence_versions (sequence_id, version, definition, created_by) VALUES ($1, 1, $2, $3)`, [
        id,
        JSON.stringify(definition),
        actor.userId,
      ]);
      await this.versionCreated(tx, actor, id, 1, dto.taskForceId);
      return toView(await this.load(tx, actor, id));
    });
  }

  async get(actor: Actor, id: string): Promise<SequenceView> {
    return toView(await this.load(this.db.manager, actor, id));
  }

  async list(actor: Actor, query: SequenceListQuery, afterId?: string): Promise<Page<SequenceView>> {
    const rows: SequenceRow[] = await this.db.query(
      `${SELECT}
        WHERE ($1::uuid IS NULL OR s.task_force_id IN (SELECT task_force_id FROM task_force_members WHERE user_id = $1))
          AND ($2::uuid IS NULL OR s.task_force_id = $2) AND ($3::uuid IS NULL OR s.id > $3)
        ORDER BY s.id LIMIT $4`,
      [isAdmin(actor) ? null : actor.userId, query.taskForceId ?? null, afterId ?? null, query.limit + 1],
    );
    return toPage(rows, query.limit, toView);
  }

  async update(actor: Actor, id: string, dto: UpdateSequenceDto): Promise<SequenceView> {
    if (dto.taskForceId !== undefined) throw new RuleViolationError('sequence_task_force_fixed', 'A sequence stays in its task force');
    return this.db.transaction(async (tx) => {
      const current = await this.load(tx, actor, id, true);
      const merged = { ...current.definition, ...Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined)) } as unknown as CreateSequenceDto;
      const definition = this.definition(merged);
      if (canonicalJson(definition) === canonicalJson(current.definition)) return toView(current);
      const version = current.current_version + 1;
      await tx.query(`INSERT INTO sequence_versions (sequence_id, version, definition, created_by) VALUES ($1, $2, $3, $4)`, [
        id,
        version,
        JSON.stringify(definition),
        actor.userId,
      ]);
      await this.uniqueName(() =>
        tx.query(`UPDATE sequences SET current_version = $2, name = $3, updated_at = $4 WHERE id = $1`, [id, version, definition.name, this.clock.now()]),
      );
      await this.versionCreated(tx, actor, id, version, current.task_force_id);
      return toView(await this.load(tx, actor, id));
    });
  }

  private async versionCreated(tx: EntityManager, actor: Actor, sequenceId: string, version: number, taskForceId: string): Promise<void> {
    await this.events.publish(tx, { type: 'sequence.version_created', actorId: actor.userId, taskForceId, payload: { sequenceId, version, taskForceId } });
  }

  async version(actor: Actor, id: string, version: number): Promise<SequenceView> {
    const current = await this.load(this.db.manager, actor, id);
    const [row]: { definition: SequenceDefinition }[] = await this.db.query(
      `SELECT definition FROM sequence_versions WHERE sequence_id = $1 AND version = $2`,
      [id, version],
    );
    if (!row) throw new NotFoundError('Sequence version', `${id} v${version}`);
    return { ...toView(current), version, definition: row.definition };
  }

  /** Renders the steps for a real candidate, as they would be sent. */
  async preview(actor: Actor, id: string, dto: PreviewDto): Promise<{ step: number; subject: string; body: string }[]> {
    const sequence = await this.load(this.db.manager, actor, id);
    const candidate = await this.candidates.load(actor, dto.candidateId);
    const [taskForce]: { name: string; company: string; location: string }[] = await this.db.query(
      `SELECT name, company, location FROM task_forces WHERE id = $1`,
      [sequence.task_force_id],
    );
    const d = sequence.definition;
    const context = templateContext(candidate, taskForce, d.sender, unsubscribeUrl(this.config, 'preview'));
    if (dto.step !== undefined && dto.step > d.steps.length) {
      throw new RuleViolationError('unknown_step', `The sequence has ${d.steps.length} steps`, { steps: d.steps.length });
    }
    return d.steps
      .map((s, i) => ({ step: i + 1, subject: render(s.subject, context), body: render(s.body, context) }))
      .filter((s) => dto.step === undefined || s.step === dto.step);
  }

  /**
   * Per step: where every message stands and how candidates answered, over all versions. Read
   * from the counters the database keeps (sequence_stat_totals plus deltas not yet folded), so
   * the cost follows the number of steps, not of messages.
   */
  async stats(actor: Actor, id: string): Promise<SequenceStats> {
    await this.load(this.db.manager, actor, id);
    const counters: { step: number; counter: string; n: string }[] = await this.db.query(
      `SELECT step, counter, sum(n)::text AS n FROM (
         SELECT step, counter, n FROM sequence_stat_totals WHERE sequence_id = $1
         UNION ALL
         SELECT step, counter, n FROM sequence_stat_deltas WHERE sequence_id = $1) x
        GROUP BY step, counter`,
      [id],
    );
    const count = (step: number, counter: string) => Number(counters.find((c) => c.step === step && c.counter === counter)?.n ?? 0);
    const stepNumbers = [...new Set(counters.filter((c) => c.step > 0 && c.counter.startsWith('status:') && Number(c.n) > 0).map((c) => c.step))].sort(
      (a, b) => a - b,
    );
    const rate = (replied: number, sent: number) => (sent ? Math.round((replied / sent) * 10_000) / 10_000 : 0);
    const steps = stepNumbers.map((step) => {
      const s = {
        step,
        scheduled: count(step, 'status:scheduled'),
        sending: count(step, 'status:sending'),
        sent: count(step, 'status:sent'),
        uncertain: count(step, 'status:uncertain'),
        skipped: count(step, 'status:skipped'),
        failed: count(step, 'status:failed'),
        replied: count(step, 'response:replied'),
        bounced: count(step, 'response:bounced'),
        optedOut: count(step, 'response:unsubscribed'),
      };
      return { ...s, replyRate: rate(s.replied, s.sent) };
    });
    const total = (k: keyof StepStats) => steps.reduce((sum, s) => sum + (s[k] as number), 0);
    return {
      sequenceId: id,
      enrollments: {
        active: count(0, 'enrollment:active'),
        paused: count(0, 'enrollment:paused'),
        stopped: count(0, 'enrollment:stopped'),
        completed: count(0, 'enrollment:completed'),
      },
      steps,
      totals: {
        sent: total('sent'),
        replied: total('replied'),
        bounced: total('bounced'),
        optedOut: total('optedOut'),
        uncertain: total('uncertain'),
        replyRate: rate(total('replied'), total('sent')),
      },
    };
  }

  /** The stored definition, with defaults filled in and every rule checked. */
  private definition(dto: CreateSequenceDto): SequenceDefinition {
    dto.steps.forEach((step, i) => {
      const delay = Duration.fromISO(step.delay);
      if (!delay.isValid) {
        throw new RuleViolationError('invalid_delay', `steps[${i}].delay is not a valid ISO 8601 duration`, { field: `steps[${i}].delay` });
      }
      if (!(delay.toMillis() <= MAX_STEP_DELAY.toMillis())) {
        throw new RuleViolationError('invalid_delay', `steps[${i}].delay is longer than the maximum of ${MAX_STEP_DELAY_DAYS} days`, {
          field: `steps[${i}].delay`,
          maxDays: MAX_STEP_DELAY_DAYS,
        });
      }
      checkTemplate(step.subject, `steps[${i}].subject`);
      checkTemplate(step.body, `steps[${i}].body`);
    });
    if (dto.sendWindow.start >= dto.sendWindow.end) {
      throw new RuleViolationError('invalid_send_window', 'sendWindow.start must be before sendWindow.end (windows do not cross midnight)', {
        field: 'sendWindow',
      });
    }
    return {
      name: dto.name.trim(),
      sender: { fromName: dto.sender.fromName, fromAddress: dto.sender.fromAddress, replyTo: dto.sender.replyTo ?? null },
      steps: dto.steps.map((s) => ({ delay: s.delay, subject: s.subject, body: s.body, ...(s.newThread ? { newThread: true } : {}) })),
      sendWindow: { days: [...new Set(dto.sendWindow.days)], start: dto.sendWindow.start, end: dto.sendWindow.end },
      timeZoneRule: dto.timeZoneRule ?? 'candidate',
      holidayCalendars: [...new Set(dto.holidayCalendars ?? [])],
      dailyCapPerSender: dto.dailyCapPerSender ?? 200,
      dailyCapPerRecipientDomain: dto.dailyCapPerRecipientDomain ?? 20,
      stopRules: { onReply: true, onSameEmployerReply: dto.stopRules?.onSameEmployerReply ?? false },
    };
  }

  private async load(manager: EntityManager, actor: Actor, id: string, lock = false): Promise<SequenceRow> {
    const [row]: SequenceRow[] = await manager.query(`${SELECT} WHERE s.id = $1${lock ? ' FOR UPDATE OF s' : ''}`, [id]);
    if (!row) throw new NotFoundError('Sequence', id);
    try {
      await this.taskForces.requireVisible(actor, row.task_force_id, manager);
    } catch {
      throw new NotFoundError('Sequence', id);
    }
    return row;
  }

  private async uniqueName(write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('sequence_name_taken', 'The task force already has a sequence with this name');
      throw error;
    }
  }
}
