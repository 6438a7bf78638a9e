import { erasureRefs, erasureSubject, ErasureSubject } from './erasure';
import {
  affectedCount,
  AuditLog,
  Clock,
  ConflictError,
  DomainEvents,
  forgetReplaysNaming,
  ForbiddenError,
  InvalidInputError,
  newId,
  NotFoundError,
  Page,
  poolQuery,
  returnedRows,
  RuleViolationError,
  toPage,
} from '@app/platform';
import { TaskForceAccess } from '@app/task-forces';
import { Actor, isAdmin } from '@app/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CandidateAccess } from './candidate-access';
import { CANDIDATE_COLUMNS, CandidateRow, toCandidateView } from './candidate-row';
import {
  ApplicationSummary,
  CandidateListQuery,
  CandidateView,
  CreateCandidateDto,
  CreateNoteDto,
  DuplicateGroupView,
  GROUP_COUNT_CEILING,
  GROUP_MEMBERS_SHOWN,
  LookAlikeView,
  NoteView,
  UpdateCandidateDto,
} from './candidates.dto';
import { identitiesOf, Identity, normalizeEmail } from './identity';
import { APPLICATIONS_SHOWN, EXPORT_PAGE_SIZE, EXPORT_SECTIONS, ExportSection } from './candidates.dto';
import { decodeGroupCursor, encodeGroupCursor, KEYS_PER_PAGE, LIVE, LOOK_ALIKE_EMPLOYER, LOOK_ALIKE_NAME } from './look-alikes';

type Fields = Omit<UpdateCandidateDto, 'ownerId'>;

/** Columns written from a DTO, with the DTO field each comes from. */
const SCALAR_COLUMNS: [keyof Fields, string][] = [
  ['fullName', 'full_name'],
  ['nativeName', 'native_name'],
  ['nativeNamePinyin', 'native_name_pinyin'],
  ['phone', 'phone'],
  ['linkedinUrl', 'linkedin_url'],
  ['githubUrl', 'github_url'],
  ['scholarUrl', 'scholar_url'],
  ['location', 'location'],
  ['timeZone', 'time_zone'],
  ['currentEmployer', 'current_employer'],
  ['currentTitle', 'current_title'],
  ['yearsOfExperience', 'years_of_experience'],
  ['visaStatus', 'visa_status'],
  ['source', 'source'],
  ['consentState', 'consent_state'],
];
const REQUIRED: (keyof Fields)[] = ['fullName', 'visaStatus', 'source', 'consentState'];

const tidyWords = (list: string[]) => [...new Set(list.map((s) => s.trim().toLowerCase()).filter((s) => s.length > 0))];
const tidyEmails = (list: string[]) => {
  const seen = new Set<string>();
  return list.map((e) => e.trim()).filter((e) => !seen.has(normalizeEmail(e)) && seen.add(normalizeEmail(e)));
};

type LookAlikeRow = {
  id: string;
  full_name: string;
  current_employer: string | null;
  current_title: string | null;
  emails: string[];
  owner_id: string | null;
  created_at: Date;
};
const LOOK_ALIKE_COLUMNS = `c.id, c.full_name, c.current_employer, c.current_title, c.emails, c.owner_id, c.created_at`;
const toLookAlikeView = (r: LookAlikeRow): LookAlikeView => ({
  id: r.id,
  fullName: r.full_name,
  currentEmployer: r.current_employer,
  currentTitle: r.current_title,
  primaryEmail: r.emails[0] ?? null,
  ownerId: r.owner_id,
  createdAt: r.created_at.toISOString(),
});

/**
 * A tsquery matching every word of `q` (at most 8) as the prefix of a word, against
 * candidates.search_prefixes, which holds every prefix of every word: each word of `q` is then one
 * whole term, which the GIN index looks up as a single entry. Punctuation is dropped, never interpreted.
 */
export function toPrefixTermsQuery(q: string): string | null {
  const words = q
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0)
    .slice(0, 8);
  return words.length ? words.map((w) => `'${w}'`).join(' & ') : null;
}

@Injectable()
export class CandidatesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: CandidateAccess,
    private readonly taskForces: TaskForceAccess,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly events: DomainEvents,
  ) {}

  async create(actor: Actor, dto: CreateCandidateDto): Promise<CandidateView> {
    return this.db.transaction((tx) => this.createIn(tx, actor, dto));
  }

  /** Creates within a caller's transaction (the CSV import batches rows this way). */
  async createIn(tx: EntityManager, actor: Actor, dto: CreateCandidateDto): Promise<CandidateView> {
    const id = newId();
    const ownerId = dto.ownerId === undefined ? actor.userId : dto.ownerId;
    if (ownerId) await this.requireAssignableOwner(tx, actor, ownerId);
    const now = this.clock.now();
    const emails = tidyEmails(dto.emails ?? []);
    const [row]: CandidateRow[] = await tx.query(
      `INSERT INTO candidates (id, full_name, native_name, native_name_pinyin, emails, phone, linkedin_url, github_url, scholar_url,
         location, time_zone, current_employer, current_title, years_of_experience, skills, skill_areas, education, visa_status,
         source, owner_id, tags, consent_state, consent_updated_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $24)
       RETURNING ${CANDIDATE_COLUMNS.replace(/c\./g, '')}`,
      [
        id,
        dto.fullName.trim(),
        dto.nativeName ?? null,
        dto.nativeNamePinyin ?? null,
        emails,
        dto.phone ?? null,
        dto.linkedinUrl ?? null,
        dto.githubUrl ?? null,
        dto.scholarUrl ?? null,
        dto.location ?? null,
        dto.timeZone ?? null,
        dto.currentEmployer?.trim() ?? null,
        dto.currentTitle?.trim() ?? null,
        dto.yearsOfExperience ?? null,
        tidyWords(dto.skills ?? []),
        dto.skillAreas ?? [],
        JSON.stringify(dto.education ?? []),
        dto.visaStatus ?? 'unknown',
        dto.source ?? 'sourced',
        ownerId,
        tidyWords(dto.tags ?? []),
        dto.consentState ?? 'unknown',
        dto.consentState && dto.consentState !== 'unknown' ? now : null,
        now,
      ],
    );
    await this.claimIdentities(tx, actor, id, identitiesOf({ emails, linkedinUrl: dto.linkedinUrl, githubUrl: dto.githubUrl }));
    await this.events.publish(tx, {
      type: 'candidate.created',
      actorId: actor.userId,
      candidateId: id,
      payload: { candidateId: id, source: row.source, ownerId: row.owner_id },
    });
    return toCandidateView(row);
  }

  /** One round trip: the row, its scope check and the applications the actor may see. */
  async get(actor: Actor, id: string): Promise<CandidateView> {
    const scope = this.access.condition(actor, 2);
    // The hottest read: straight on the pool (poolQuery), not through a TypeORM query runner.
    const [row] = await poolQuery<
      CandidateRow & { applications: { id: string; task_force_id: string; opening_id: string | null; stage: ApplicationSummary['stage'] }[] }
    >(
      this.db,
      `SELECT ${CANDIDATE_COLUMNS},
                coalesce((SELECT json_agg(json_build_object('id', a.id, 'task_force_id', a.task_force_id, 'opening_id', a.opening_id, 'stage', a.stage) ORDER BY a.id)
                            FROM (SELECT a.* FROM applications a
                                   WHERE a.candidate_id = c.id
                                     AND ($2::uuid IS NULL OR a.task_force_id IN (SELECT task_force_id FROM task_force_members WHERE user_id = $2))
                                   ORDER BY a.id DESC LIMIT $3) a), '[]') AS applications
           FROM candidates c WHERE c.id = $1 AND ${scope.sql}`,
      [id, ...scope.params, APPLICATIONS_SHOWN],
    );
    if (!row) throw new NotFoundError('Candidate', id);
    return {
      ...toCandidateView(row),
      applications: row.applications.map((a) => ({ id: a.id, taskForceId: a.task_force_id, openingId: a.opening_id, stage: a.stage })),
    };
  }

  async update(actor: Actor, id: string, dto: UpdateCandidateDto): Promise<CandidateView> {
    for (const field of REQUIRED) {
      if (dto[field] === null) throw new InvalidInputError('validation_failed', `${field} cannot be null`, [{ field, message: `${field} cannot be null` }]);
    }
    return this.db.transaction(async (tx) => {
      const current = await this.access.load(actor, id, tx, true);
      await this.access.requireSoleReach(actor, [id], 'change', tx);
      const sets: string[] = [];
      const params: unknown[] = [id];
      const fields: string[] = [];
      const set = (column: string, value: unknown, field?: string) => {
        params.push(value);
        sets.push(`${column} = $${params.length}`);
        if (field) fields.push(field);
      };
      for (const [field, column] of SCALAR_COLUMNS) {
        const value = dto[field];
        if (value !== undefined)
          set(column, typeof value === 'string' && ['fullName', 'currentEmployer', 'currentTitle'].includes(field) ? value.trim() : value, field);
      }
      if (dto.emails !== undefined) set('emails', tidyEmails(dto.emails ?? []), 'emails');
      if (dto.skills !== undefined) set('skills', tidyWords(dto.skills ?? []), 'skills');
      if (dto.tags !== undefined) set('tags', tidyWords(dto.tags ?? []), 'tags');
      if (dto.skillAreas !== undefined) set('skill_areas', dto.skillAreas ?? [], 'skillAreas');
      if (dto.education !== undefined) set('education', JSON.stringify(dto.education ?? []), 'education');
      if (dto.ownerId !== undefined && dto.ownerId !== current.owner_id) {
        if (!isAdmin(actor) && current.owner_id !== actor.userId) {
          throw new ForbiddenError('owner_or_admin_required', 'Only an admin or the owner may hand a candidate to another owner');
        }
        if (dto.ownerId) await this.requireAssignableOwner(tx, actor, dto.ownerId);
        set('owner_id', dto.ownerId, 'ownerId');
      }
      if (dto.consentState !== undefined && dto.consentState !== current.consent_state) set('consent_updated_at', this.clock.now());
      if (sets.length === 0) return this.get(actor, id);
      set('updated_at', this.clock.now());
      const [row] = returnedRows<CandidateRow>(
        await tx.query(`UPDATE candidates c SET ${sets.join(', ')}, version = version + 1 WHERE id = $1 RETURNING ${CANDIDATE_COLUMNS}`, params),
      );
      const optedOut = row.consent_state === 'opted_out' && current.consent_state !== 'opted_out';
      await this.events.publish(
        tx,
        { type: 'candidate.updated', actorId: actor.userId, candidateId: id, payload: { candidateId: id, fields: [...new Set(fields)].sort() } },
        ...(optedOut
          ? [{ type: 'candidate.opted_out' as const, actorId: actor.userId, candidateId: id, payload: { candidateId: id, via: 'api' as const } }]
          : []),
      );
      if (dto.emails !== undefined || dto.linkedinUrl !== undefined || dto.githubUrl !== undefined) {
        await tx.query(`DELETE FROM candidate_identities WHERE candidate_id = $1`, [id]);
        await this.claimIdentities(tx, actor, id, identitiesOf({ emails: row.emails, linkedinUrl: row.linkedin_url, githubUrl: row.github_url }));
      }
      return { ...toCandidateView(row), applications: await this.applicationsOf(actor, id, tx) };
    });
  }

  async list(actor: Actor, query: CandidateListQuery, afterId?: string): Promise<Page<CandidateView>> {
    // A recruiter's stage or task force filter keeps only candidates with an application in one of
    // their task forces, which already puts them in the recruiter's reach. Their applications then
    // drive the plan: their candidate ids in order, each candidate looked up by id until the page is
    // full, so the work follows the recruiter's applications, not the size of the candidates table.
    const drivenByApplications = Boolean(query.stage || query.taskForceId) && !isAdmin(actor);
    const scope = drivenByApplications ? { sql: `${LIVE} AND $1::uuid IS NOT NULL`, params: [actor.userId] } : await this.access.searchCondition(actor, 1);
    const params: unknown[] = [...scope.params];
    const where: string[] = [scope.sql];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const add = (sql: (p: string) => string, value: unknown) => where.push(sql(param(value)));
    if (afterId && !drivenByApplications) add((p) => `c.id > ${p}`, afterId);
    if (query.q) {
      const tsquery = toPrefixTermsQuery(query.q);
      if (tsquery) add((p) => `c.search_prefixes @@ to_tsquery('simple', ${p})`, tsquery);
    }
    if (query.skillArea) add((p) => `c.skill_areas @> ARRAY[${p}::text]`, query.skillArea);
    if (query.skill) add((p) => `c.skills @> ARRAY[${p}::text]`, query.skill.trim().toLowerCase());
    if (query.tag) add((p) => `c.tags @> ARRAY[${p}::text]`, query.tag.trim().toLowerCase());
    if (query.employer) add((p) => `lower(c.current_employer) = lower(${p})`, query.employer.trim());
    if (query.visa) add((p) => `c.visa_status = ${p}`, query.visa);
    if (query.ownerId) add((p) => `c.owner_id = ${p}`, query.ownerId);
    if (query.updatedSince) add((p) => `c.updated_at >= ${p}`, query.updatedSince);
    const applicationConditions: string[] = [];
    if (query.stage) applicationConditions.push(`a.stage = ${param(query.stage)}`);
    if (query.taskForceId) applicationConditions.push(`a.task_force_id = ${param(query.taskForceId)}`);
    if (drivenByApplications) {
      applicationConditions.push(`a.task_force_id IN (SELECT task_force_id FROM task_force_members WHERE user_id = $1)`);
      if (afterId) applicationConditions.push(`a.candidate_id > ${param(afterId)}`);
      const limit = param(query.limit + 1);
      // OFFSET 0 keeps the lookup a per-id subquery, so the planner cannot turn it back into a
      // walk of the whole candidates table in id order.
      const rows: CandidateRow[] = await this.db.query(
        `SELECT c.* FROM (SELECT DISTINCT a.candidate_id FROM applications a WHERE ${applicationConditions.join(' AND ')} ORDER BY a.candidate_id) ids
           CROSS JOIN LATERAL (SELECT ${CANDIDATE_COLUMNS} FROM candidates c WHERE c.id = ids.candidate_id AND ${where.join(' AND ')} OFFSET 0) c
          ORDER BY ids.candidate_id LIMIT ${limit}`,
        params,
      );
      return toPage(rows, query.limit, toCandidateView);
    }
    if (applicationConditions.length)
      where.push(`EXISTS (SELECT 1 FROM applications a WHERE a.candidate_id = c.id AND ${applicationConditions.join(' AND ')})`);
    const rows: CandidateRow[] = await this.db.query(
      `SELECT ${CANDIDATE_COLUMNS} FROM candidates c WHERE ${where.join(' AND ')} ORDER BY c.id LIMIT ${param(query.limit + 1)}`,
      params,
    );
    return toPage(rows, query.limit, toCandidateView);
  }

  async addNote(actor: Actor, candidateId: string, dto: CreateNoteDto): Promise<NoteView> {
    await this.access.load(actor, candidateId);
    const taskForceId = dto.taskForceId ?? null;
    if (taskForceId) await this.requireOwnTaskForce(actor, taskForceId);
    const id = newId();
    const now = this.clock.now();
    // Under the candidate's row lock: a note racing an erasure waits for it and is then refused, never kept.
    const inserted: { id: string }[] = await this.db.query(
      `INSERT INTO candidate_notes (id, candidate_id, author_id, task_force_id, body, created_at)
       SELECT $1::uuid, c.id, $3::uuid, $4::uuid, $5::text, $6::timestamptz FROM candidates c WHERE c.id = $2 AND c.erased_at IS NULL AND c.merged_into IS NULL FOR SHARE
       RETURNING id`,
      [id, candidateId, actor.userId, taskForceId, dto.body, now],
    );
    if (!inserted.length) throw new NotFoundError('Candidate', candidateId);
    return { id, candidateId, taskForceId, authorId: actor.userId, body: dto.body, createdAt: now.toISOString() };
  }

  async notes(actor: Actor, candidateId: string, limit: number, afterId?: string): Promise<Page<NoteView>> {
    await this.access.load(actor, candidateId);
    const rows: { id: string; candidate_id: string; task_force_id: string | null; author_id: string | null; body: string; created_at: Date }[] =
      await this.db.query(
        `SELECT n.id, n.candidate_id, n.task_force_id, n.author_id, n.body, n.created_at FROM candidate_notes n
        WHERE n.candidate_id = $1 AND ($2::uuid IS NULL OR n.id > $2) AND ${this.access.notesCondition('n', 4)}
        ORDER BY n.id LIMIT $3`,
        [candidateId, afterId ?? null, limit + 1, this.access.readerParam(actor)],
      );
    return toPage(rows, limit, (n) => ({
      id: n.id,
      candidateId: n.candidate_id,
      taskForceId: n.task_force_id,
      authorId: n.author_id,
      body: n.body,
      createdAt: n.created_at.toISOString(),
    }));
  }

  /**
   * Everything held about the person, for a subject-access request, audited. Notes, applications
   * (each with its history, at most seven moves by the stage graph) and the audit trail come
   * EXPORT_PAGE_SIZE at a time; `nextCursors` names where exportSection() carries on.
   */
  async export(actor: Actor, id: string): Promise<Record<string, unknown>> {
    return this.db.transaction(async (tx) => {
      const row = await this.access.load(actor, id, tx);
      const identities = await tx.query(`SELECT kind, value FROM candidate_identities WHERE candidate_id = $1 ORDER BY kind, value`, [id]);
      await this.audit.record({ actorId: actor.userId, action: 'candidate.exported', entityType: 'candidate', entityId: id }, tx);
      const sections = {} as Record<ExportSection, unknown[]>;
      const nextCursors = {} as Record<ExportSection, string | null>;
      for (const section of EXPORT_SECTIONS) {
        const page = await this.exportPage(tx, actor, id, section, EXPORT_PAGE_SIZE);
        sections[section] = page.data;
        nextCursors[section] = page.nextCursor;
      }
      return { exportedAt: this.clock.now().toISOString(), candidate: toCandidateView(row), identities, ...sections, nextCursors };
    });
  }

  /** The rest of one section of an export, from a cursor in the export's nextCursors. Audited like the export. */
  async exportSection(actor: Actor, id: string, section: ExportSection, limit: number, afterId?: string): Promise<Page<unknown>> {
    return this.db.transaction(async (tx) => {
      await this.access.load(actor, id, tx);
      await this.audit.record({ actorId: actor.userId, action: 'candidate.exported', entityType: 'candidate', entityId: id, details: { section } }, tx);
      return this.exportPage(tx, actor, id, section, limit, afterId);
    });
  }

  /** One page of an export list, holding only what the actor may see (everything, for admins). */
  private async exportPage(tx: EntityManager, actor: Actor, id: string, section: ExportSection, limit: number, afterId?: string): Promise<Page<unknown>> {
    const sql: Record<ExportSection, string> = {
      notes: `SELECT n.id, n.task_force_id AS "taskForceId", n.author_id AS "authorId", n.body, n.created_at AS "createdAt" FROM candidate_notes n
               WHERE n.candidate_id = $1 AND ($2::uuid IS NULL OR n.id > $2) AND ${this.access.notesCondition('n', 4)} ORDER BY n.id LIMIT $3`,
      applications: `SELECT a.id, a.task_force_id AS "taskForceId", a.opening_id AS "openingId", a.stage, a.closed_reason AS "closedReason",
                            a.created_at AS "createdAt", a.updated_at AS "updatedAt",
                            coalesce((SELECT json_agg(json_build_object('from', s.from_stage, 'to', s.to_stage, 'reason', s.reason, 'comment', s.comment,
                                                                         'actorId', s.actor_id, 'at', s.at) ORDER BY s.id)
                                        FROM application_stage_changes s WHERE s.application_id = a.id), '[]') AS history
                       FROM applications a WHERE a.candidate_id = $1 AND ($2::uuid IS NULL OR a.id > $2) AND ${this.access.applicationsCondition('a', 4)}
                      ORDER BY a.id LIMIT $3`,
      // The trail names other teams' actions; a recruiter's export holds only their own.
      auditTrail: `SELECT id, action, actor_id AS "actorId", details, at FROM audit_log
                    WHERE entity_type = 'candidate' AND entity_id = $1 AND ($2::uuid IS NULL OR id > $2) AND ($4::uuid IS NULL OR actor_id = $4)
                    ORDER BY id LIMIT $3`,
    };
    const rows: { id: string }[] = await tx.query(sql[section], [id, afterId ?? null, limit + 1, this.access.readerParam(actor)]);
    return toPage(rows, limit, (r) => r);
  }

  /**
   * Erasure: the person's data is gone for good (the row stays, anonymous, so pipeline counts
   * still add up). Notes and free-text comments go; identities go so a new record can be made;
   * replayable answers naming them go. `candidate.erased` is published before the row is
   * anonymised, so the libraries that keep something about the person (outreach, offers) forget it
   * in their subscribers, in this transaction, reading the person through `erasureSubject`
   * (docs/privacy.md lists every table).
   */
  async erase(actor: Actor, id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.access.load(actor, id, tx, true);
      if (!isAdmin(actor) && row.owner_id !== actor.userId)
        throw new ForbiddenError('owner_or_admin_required', 'Only an admin or the owner may erase a candidate');
      await this.access.requireSoleReach(actor, [id], 'erase', tx);
      const subject = await erasureSubject(tx, id);
      // Gathered before the subscribers run: inbound events move and rows change under them.
      const refs = subject ? await erasureRefs(tx, subject.ids) : [];
      // Applications first (the sender's lock order): a move racing the erasure either commits
      // before its comment is cleared, or waits and then finds the candidate erased.
      await tx.query(`SELECT id FROM applications WHERE candidate_id = $1 ORDER BY id FOR NO KEY UPDATE`, [id]);
      await this.events.publish(tx, { type: 'candidate.erased', actorId: actor.userId, candidateId: id, payload: { candidateId: id } });
      await forgetReplaysNaming(tx, refs);
      await this.anonymize(tx, id, null);
      await this.audit.record({ actorId: actor.userId, action: 'candidate.erased', entityType: 'candidate', entityId: id }, tx);
    });
  }

  async merge(actor: Actor, keeperId: string, duplicateId: string): Promise<CandidateView> {
    if (keeperId === duplicateId) throw new RuleViolationError('merge_with_itself', 'A candidate cannot be merged into itself');
    return this.db.transaction(async (tx) => {
      // Lock in id order so two merges of the same pair cannot deadlock.
      const [first, second] = [keeperId, duplicateId].sort();
      const locked = new Map([
        [first, await this.access.load(actor, first, tx, true)],
        [second, await this.access.load(actor, second, tx, true)],
      ]);
      const keeper = locked.get(keeperId)!;
      const dup = locked.get(duplicateId)!;
      await this.access.requireSoleReach(actor, [keeperId, duplicateId], 'merge', tx);
      const running: { candidate_id: string }[] = await tx.query(
        `SELECT candidate_id FROM enrollments WHERE candidate_id = ANY($1::uuid[]) AND status IN ('active', 'paused')`,
        [[keeperId, duplicateId]],
      );
      if (running.length) {
        throw new ConflictError('merge_active_enrollment', 'A candidate in a running outreach sequence cannot be merged; stop the enrollment first', {
          candidateIds: [...new Set(running.map((r) => r.candidate_id))],
        });
      }
      const clashes: { task_force_id: string }[] = await tx.query(
        `SELECT k.task_force_id FROM applications k JOIN applications d ON d.task_force_id = k.task_force_id
          WHERE k.candidate_id = $1 AND d.candidate_id = $2
            AND k.stage NOT IN ('hired', 'rejected', 'withdrawn') AND d.stage NOT IN ('hired', 'rejected', 'withdrawn')`,
        [keeperId, duplicateId],
      );
      if (clashes.length) {
        throw new ConflictError('merge_conflicting_applications', 'Both candidates have an open application in the same task force; close one of them first', {
          taskForceIds: clashes.map((c) => c.task_force_id),
        });
      }
      const union = <T>(a: T[], b: T[]) => [...new Set([...a, ...b])];
      const pick = <T>(a: T | null, b: T | null) => a ?? b;
      const moved = affectedCount(
        await tx.query(`UPDATE applications SET candidate_id = $1, updated_at = now() WHERE candidate_id = $2`, [keeperId, duplicateId]),
      );
      const movedNotes = affectedCount(await tx.query(`UPDATE candidate_notes SET candidate_id = $1 WHERE candidate_id = $2`, [keeperId, duplicateId]));
      const [row] = returnedRows<CandidateRow>(
        await tx.query(
          `UPDATE candidates c SET emails = $2, skills = $3, skill_areas = $4, tags = $5, education = $6, native_name = $7, native_name_pinyin = $8,
                phone = $9, linkedin_url = $10, github_url = $11, scholar_url = $12, location = $13, time_zone = $14,
                current_employer = $15, current_title = $16, years_of_experience = $17,
                consent_state = CASE WHEN 'opted_out' IN (c.consent_state, $18) THEN 'opted_out' ELSE c.consent_state END,
                version = version + 1, updated_at = now()
          WHERE id = $1 RETURNING ${CANDIDATE_COLUMNS}`,
          [
            keeperId,
            tidyEmails([...keeper.emails, ...dup.emails]),
            union(keeper.skills, dup.skills),
            union(keeper.skill_areas, dup.skill_areas),
            union(keeper.tags, dup.tags),
            JSON.stringify([...keeper.education, ...dup.education.filter((e) => !keeper.education.some((k) => JSON.stringify(k) === JSON.stringify(e)))]),
            pick(keeper.native_name, dup.native_name),
            pick(keeper.native_name_pinyin, dup.native_name_pinyin),
            pick(keeper.phone, dup.phone),
            pick(keeper.linkedin_url, dup.linkedin_url),
            pick(keeper.github_url, dup.github_url),
            pick(keeper.scholar_url, dup.scholar_url),
            pick(keeper.location, dup.location),
            pick(keeper.time_zone, dup.time_zone),
            pick(keeper.current_employer, dup.current_employer),
            pick(keeper.current_title, dup.current_title),
            pick(keeper.years_of_experience, dup.years_of_experience),
            dup.consent_state,
          ],
        ),
      );
      await this.anonymize(tx, duplicateId, keeperId);
      await tx.query(`DELETE FROM candidate_identities WHERE candidate_id = $1`, [keeperId]);
      await this.claimIdentities(tx, actor, keeperId, identitiesOf({ emails: row.emails, linkedinUrl: row.linkedin_url, githubUrl: row.github_url }));
      await this.audit.record(
        {
          actorId: actor.userId,
          action: 'candidate.merged',
          entityType: 'candidate',
          entityId: keeperId,
          details: { duplicateId, movedApplications: moved, movedNotes },
        },
        tx,
      );
      await this.audit.record(
        { actorId: actor.userId, action: 'candidate.merged_into', entityType: 'candidate', entityId: duplicateId, details: { keeperId } },
        tx,
      );
      await this.events.publish(
        tx,
        {
          type: 'candidate.merged',
          actorId: actor.userId,
          candidateId: keeperId,
          payload: { candidateId: keeperId, mergedCandidateId: duplicateId },
        },
        ...(row.consent_state === 'opted_out' && keeper.consent_state !== 'opted_out'
          ? [{ type: 'candidate.opted_out' as const, actorId: actor.userId, candidateId: keeperId, payload: { candidateId: keeperId, via: 'api' as const } }]
          : []),
      );
      return { ...toCandidateView(row), applications: await this.applicationsOf(actor, keeperId, tx) };
    });
  }

  /**
   * Likely duplicates the identity keys could not catch: groups of candidates with the same name
   * at the same employer (case and spacing ignored), in key order. The walk hops from key to key
   * over candidates_lookalike_idx, at most KEYS_PER_PAGE keys a page, and stops once it has one
   * group more than `limit`; each group shows its oldest GROUP_MEMBERS_SHOWN members and counts
   * up to GROUP_COUNT_CEILING. A group is one only if the caller may see two of its members.
   */
  async duplicates(actor: Actor, limit: number, cursor?: string): Promise<Page<DuplicateGroupView>> {
    const after = decodeGroupCursor(cursor);
    const scope = this.access.condition(actor, 1);
    const isGroup = (key: string) => `(SELECT count(*) FROM (SELECT 1 FROM candidates c WHERE c.lookalike_key = ${key} AND ${scope.sql} LIMIT 2) v) = 2`;
    const nextKey = (after: string) => `SELECT c.lookalike_key AS key FROM candidates c WHERE ${LIVE} AND ${after} ORDER BY c.lookalike_key LIMIT 1`;
    const walked: { key: string; grp: boolean; n: number }[] = await this.db.query(
      `WITH RECURSIVE walk (key, grp, found, n) AS (
         SELECT f.key, g.grp, g.grp::int, 1
           FROM (${nextKey('($2::text IS NULL OR c.lookalike_key > $2)')}) f CROSS JOIN LATERAL (SELECT ${isGroup('f.key')} AS grp) g
         UNION ALL
         SELECT f.key, g.grp, w.found + g.grp::int, w.n + 1
           FROM walk w
           CROSS JOIN LATERAL (${nextKey('c.lookalike_key > w.key')}) f
           CROSS JOIN LATERAL (SELECT ${isGroup('f.key')} AS grp) g
          WHERE w.found <= $3 AND w.n < $4)
       SELECT key, grp, n FROM walk WHERE grp OR n = (SELECT max(n) FROM walk) ORDER BY n`,
      [...scope.params, after, limit, KEYS_PER_PAGE],
    );
    const groups = walked.filter((w) => w.grp).map((w) => w.key);
    const last = walked[walked.length - 1];
    const kept = groups.slice(0, limit);
    const nextCursor = groups.length > limit ? encodeGroupCursor(kept[kept.length - 1]) : last && last.n >= KEYS_PER_PAGE ? encodeGroupCursor(last.key) : null;
    if (!kept.length) return { data: [], nextCursor };
    const rows: (LookAlikeRow & { key: string; name_key: string; employer_key: string; count: number })[] = await this.db.query(
      `SELECT g.key, n.count, m.*
         FROM unnest($2::text[]) WITH ORDINALITY AS g(key, ord)
         CROSS JOIN LATERAL (SELECT count(*)::int AS count FROM (SELECT 1 FROM candidates c WHERE c.lookalike_key = g.key AND ${scope.sql} LIMIT $3) v) n
         CROSS JOIN LATERAL (SELECT ${LOOK_ALIKE_COLUMNS}, ${LOOK_ALIKE_NAME} AS name_key, ${LOOK_ALIKE_EMPLOYER} AS employer_key
                               FROM candidates c WHERE c.lookalike_key = g.key AND ${scope.sql} ORDER BY c.id LIMIT $4) m
        ORDER BY g.ord, m.id`,
      [...scope.params, kept, GROUP_COUNT_CEILING + 1, GROUP_MEMBERS_SHOWN],
    );
    const byKey = new Map<string, DuplicateGroupView>();
    for (const r of rows) {
      let group = byKey.get(r.key);
      if (!group) {
        group = {
          group: r.key,
          fullName: r.name_key,
          currentEmployer: r.employer_key,
          count: Math.min(r.count, GROUP_COUNT_CEILING),
          countCapped: r.count > GROUP_COUNT_CEILING,
          members: [],
          reason: 'same name and employer',
        };
        byKey.set(r.key, group);
      }
      group.members.push(toLookAlikeView(r));
    }
    // A group that lost members between the two reads is no longer one.
    return { data: [...byKey.values()].filter((g) => g.members.length >= 2), nextCursor };
  }

  /** Every member of one duplicate group the caller may see, oldest first. A group they see none of does not exist for them. */
  async duplicateMembers(actor: Actor, group: string, limit: number, afterId?: string): Promise<Page<LookAlikeView>> {
    const scope = this.access.condition(actor, 1);
    const rows: LookAlikeRow[] = await this.db.query(
      `SELECT ${LOOK_ALIKE_COLUMNS} FROM candidates c
        WHERE c.lookalike_key = $2 AND ${scope.sql} AND ($3::uuid IS NULL OR c.id > $3)
        ORDER BY c.id LIMIT $4`,
      [...scope.params, group, afterId ?? null, limit + 1],
    );
    if (!afterId && !rows.length) throw new NotFoundError('Duplicate group', group);
    return toPage(rows, limit, toLookAlikeView);
  }

  private async applicationsOf(actor: Actor, candidateId: string, manager: EntityManager = this.db.manager): Promise<ApplicationSummary[]> {
    const rows: { id: string; task_force_id: string; opening_id: string | null; stage: ApplicationSummary['stage'] }[] = await manager.query(
      `SELECT a.id, a.task_force_id, a.opening_id, a.stage FROM applications a
        WHERE a.candidate_id = $1 AND ($2::uuid IS NULL OR a.task_force_id IN (SELECT task_force_id FROM task_force_members WHERE user_id = $2))
        ORDER BY a.id DESC LIMIT $3`,
      [candidateId, isAdmin(actor) ? null : actor.userId, APPLICATIONS_SHOWN],
    );
    return rows.reverse().map((r) => ({ id: r.id, taskForceId: r.task_force_id, openingId: r.opening_id, stage: r.stage }));
  }

  /** What an erasure in progress is about, for the libraries that forget the person in its transaction (null when the candidate is not there). */
  erasureSubject(tx: EntityManager, id: string): Promise<ErasureSubject | null> {
    return erasureSubject(tx, id);
  }

  /**
   * A candidate who opted out through an unsubscribe link (outreach calls it, in its transaction):
   * consent becomes opted_out, audited and announced as `candidate.opted_out`, once.
   */
  async optOut(tx: EntityManager, id: string, source: 'unsubscribe link' | 'inbound unsubscribe'): Promise<void> {
    const changed = await tx.query(
      `UPDATE candidates SET consent_state = 'opted_out', consent_updated_at = now(), version = version + 1, updated_at = now() WHERE id = $1 AND consent_state <> 'opted_out'`,
      [id],
    );
    if (affectedCount(changed) === 0) return;
    await this.audit.record({ actorId: null, action: 'candidate.opted_out', entityType: 'candidate', entityId: id, details: { via: source } }, tx);
    await this.events.publish(tx, { type: 'candidate.opted_out', actorId: null, candidateId: id, payload: { candidateId: id, via: 'unsubscribe' } });
  }

  private async anonymize(tx: EntityManager, id: string, mergedInto: string | null): Promise<void> {
    await tx.query(
      `UPDATE candidates SET full_name = '[erased]', native_name = NULL, native_name_pinyin = NULL, emails = '{}', phone = NULL,
              linkedin_url = NULL, github_url = NULL, scholar_url = NULL, location = NULL, time_zone = NULL, current_employer = NULL,
              current_title = NULL, years_of_experience = NULL, skills = '{}', education = '[]', tags = '{}', visa_status = 'unknown',
              consent_state = 'opted_out', consent_updated_at = now(), erased_at = now(), merged_into = $2, version = version + 1, updated_at = now()
        WHERE id = $1`,
      [id, mergedInto],
    );
    await tx.query(`DELETE FROM candidate_identities WHERE candidate_id = $1`, [id]);
    await tx.query(`DELETE FROM candidate_notes WHERE candidate_id = $1`, [id]);
    await tx.query(`UPDATE application_stage_changes SET comment = NULL WHERE application_id IN (SELECT id FROM applications WHERE candidate_id = $1)`, [id]);
  }

  /**
   * Claims the identity keys for a candidate. A key held by another candidate is a 409: it names
   * that candidate only to someone who may see them; others learn only that the person is known.
   */
  private async claimIdentities(tx: EntityManager, actor: Actor, candidateId: string, identities: Identity[]): Promise<void> {
    if (!identities.length) return;
    const kinds = identities.map((i) => i.kind);
    const values = identities.map((i) => i.value);
    const claimed: { kind: string; value: string }[] = await tx.query(
      `INSERT INTO candidate_identities (kind, value, candidate_id) SELECT t.kind, t.value, $3::uuid FROM unnest($1::text[], $2::text[]) AS t(kind, value)
       ON CONFLICT (kind, value) DO NOTHING RETURNING kind, value`,
      [kinds, values, candidateId],
    );
    if (claimed.length === identities.length) return;
    const taken: { kind: string; value: string; candidate_id: string }[] = await tx.query(
      `SELECT kind, value, candidate_id FROM candidate_identities WHERE (kind, value) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND candidate_id <> $3`,
      [kinds, values, candidateId],
    );
    if (!taken.length) return;
    const matchedOn = taken.map((t) => ({ kind: t.kind, value: t.value }));
    if (await this.access.canSee(actor, taken[0].candidate_id, tx)) {
      throw new ConflictError('duplicate_candidate', `A candidate with the same ${taken[0].kind} already exists`, {
        existingCandidateId: taken[0].candidate_id,
        matchedOn,
      });
    }
    throw new ConflictError(
      'duplicate_candidate',
      `This person is already known, in a pipeline you cannot see; ask an admin to add them to your task force instead of creating them again`,
      { matchedOn },
    );
  }

  private async requireAssignableOwner(tx: EntityManager, actor: Actor, userId: string): Promise<void> {
    if (!(await this.access.ownerAssignable(actor, userId, tx))) {
      throw new RuleViolationError('unknown_user', `User ${userId} does not exist or shares no task force with you`, { field: 'ownerId' });
    }
  }

  /** A note's task force is named in the body: one the author cannot see is an unknown one (422), not a 404 of the route. */
  private async requireOwnTaskForce(actor: Actor, taskForceId: string): Promise<void> {
    try {
      await this.taskForces.requireVisible(actor, taskForceId);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      throw new RuleViolationError('unknown_task_force', `Task force ${taskForceId} does not exist or you are not a member`, { field: 'taskForceId' });
    }
  }
}
