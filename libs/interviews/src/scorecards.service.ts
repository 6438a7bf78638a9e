import {
  AuditLog,
  Clock,
  ConflictError,
  DomainEvents,
  ForbiddenError,
  isUniqueViolation,
  newId,
  NotFoundError,
  Page,
  PageQuery,
  RuleViolationError,
  toPage,
} from '@app/platform';
import { Actor, isAdmin } from '@app/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { InterviewAccess } from './interview-access';
import {
  InterviewProgressView,
  ProgressInterviewView,
  ProgressStepView,
  Recommendation,
  RecommendationTally,
  SCORECARD_LIMITS,
  ScorecardListView,
  ScorecardView,
  SubmitScorecardDto,
} from './scorecards.dto';

interface ScorecardRow {
  id: string;
  interview_id: string;
  application_id: string;
  interviewer_id: string;
  version: number;
  ratings: { attribute: string; rating: number }[];
  recommendation: Recommendation;
  notes: string | null;
  submitted_at: Date;
}

const COLUMNS = 's.id, s.interview_id, s.application_id, s.interviewer_id, s.version, s.ratings, s.recommendation, s.notes, s.submitted_at';

function toView(r: ScorecardRow): ScorecardView {
  return {
    id: r.id,
    interviewId: r.interview_id,
    applicationId: r.application_id,
    interviewerId: r.interviewer_id,
    version: r.version,
    ratings: r.ratings.map((x) => ({ attribute: x.attribute, rating: x.rating })),
    recommendation: r.recommendation,
    notes: r.notes,
    submittedAt: r.submitted_at.toISOString(),
  };
}

/**
 * What the actor may read of an application's scorecards. `staff`: an admin, or a recruiter of its
 * task force. `panelist`: on the panel (active) of one of its interviews that is not cancelled;
 * `owes`: such an interview has started and the actor has not submitted a scorecard for it.
 */
export interface ReaderScope {
  applicationId: string;
  staff: boolean;
  panelist: boolean;
  owes: boolean;
}

/** Sees anything at all; sees only their own (the bias guard). */
const sees = (s: ReaderScope) => s.staff || s.panelist;
const ownOnly = (s: ReaderScope) => s.panelist && s.owes;

/** A step of an opening's plan and how far the application's interviews of that step got. */
export interface StepCoverage {
  position: number;
  kind: string;
  scorecardRequired: boolean;
  interviewersNeeded: number;
  interviews: InterviewCoverage[];
  /** Scorecards of the best-covered interview of the step that is not cancelled. */
  submitted: number;
  complete: boolean;
}

export interface InterviewCoverage {
  id: string;
  plan_position: number | null;
  status: 'scheduled' | 'cancelled';
  starts_at: Date;
  ends_at: Date;
  panel_size: number;
  submitted: number;
}

/**
 * Scorecards: interviewers on a panel submit them once the interview has started, each later
 * submission a new version; readers see the latest version of each, behind the bias guard; and
 * what an application's interview plan has gathered so far (progress, and the offer gate).
 */
@Injectable()
export class ScorecardsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: InterviewAccess,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly events: DomainEvents,
  ) {}

  /**
   * A panel member's scorecard for an interview that has started. The panel row is locked, so
   * the same interviewer's submissions queue and take consecutive versions; the unique key is the
   * last guard (409). The application is locked for share first, as erasure locks it: notes
   * written after an erasure are not kept.
   */
  async submit(actor: Actor, interviewId: string, dto: SubmitScorecardDto): Promise<ScorecardView> {
    return this.db.transaction(async (tx) => {
      const seen = await this.access.load(actor, interviewId, tx);
      const [application]: { candidate_id: string; task_force_id: string }[] = await tx.query(
        `SELECT candidate_id, task_force_id FROM applications WHERE id = $1 FOR SHARE`,
        [seen.application_id],
      );
      const [interview]: { status: string; starts_at: Date; attributes: string[] }[] = await tx.query(
        `SELECT status, starts_at, attributes FROM interviews WHERE id = $1 FOR SHARE`,
        [interviewId],
      );
      const [panel]: { active: boolean }[] = await tx.query(`SELECT active FROM interview_panel WHERE interview_id = $1 AND user_id = $2 FOR NO KEY UPDATE`, [
        interviewId,
        actor.userId,
      ]);
      if (!panel?.active) throw new ForbiddenError('not_on_panel', 'Only the interviewers on the panel of this interview submit its scorecards');
      if (interview.status !== 'scheduled') throw new RuleViolationError('interview_cancelled', 'The interview was cancelled; it takes no scorecards');
      if (interview.starts_at.getTime() > this.clock.now().getTime()) {
        throw new RuleViolationError('interview_not_started', `The interview starts at ${interview.starts_at.toISOString()}; submit the scorecard after it`, {
          startsAt: interview.starts_at.toISOString(),
        });
      }
      const ratings = matchRatings(interview.attributes, dto.ratings);

      const [{ versions }]: { versions: number }[] = await tx.query(
        `SELECT count(*)::int AS versions FROM scorecards WHERE interview_id = $1 AND interviewer_id = $2`,
        [interviewId, actor.userId],
      );
      if (versions >= SCORECARD_LIMITS.maxVersions) {
        throw new RuleViolationError('too_many_versions', `A scorecard takes at most ${SCORECARD_LIMITS.maxVersions} versions`, {
          limit: SCORECARD_LIMITS.maxVersions,
        });
      }
      let row: ScorecardRow;
      try {
        // A scorecard submitted after its candidate was erased keeps no notes, as erasure would have cleared them.
        [row] = await tx.query(
          `INSERT INTO scorecards AS s (id, interview_id, application_id, interviewer_id, version, ratings, recommendation, notes, submitted_at)
           SELECT $1, $2, a.id, $3, $4, $5::jsonb, $6, CASE WHEN c.erased_at IS NULL THEN $7::text END, $8
             FROM applications a JOIN candidates c ON c.id = a.candidate_id WHERE a.id = $9
           RETURNING ${COLUMNS}`,
          [
            newId(),
            interviewId,
            actor.userId,
            versions + 1,
            JSON.stringify(ratings),
            dto.recommendation,
            dto.notes || null,
            this.clock.now(),
            seen.application_id,
          ],
        );
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        throw new ConflictError('concurrent_submission', 'Another submission of this scorecard took the version; re-read the scorecards and submit again');
      }
      const ids = {
        scorecardId: row.id,
        interviewId,
        applicationId: row.application_id,
        candidateId: application.candidate_id,
        taskForceId: application.task_force_id,
      };
      // No recommendation or ratings in the event: the feed reaches recruiters the bias guard still holds back.
      await this.events.publish(tx, {
        type: 'scorecard.submitted',
        actorId: actor.userId,
        taskForceId: application.task_force_id,
        candidateId: application.candidate_id,
        payload: { ...ids, interviewerId: actor.userId, version: row.version },
      });
      await this.audit.record(
        {
          actorId: actor.userId,
          action: 'scorecard.submitted',
          entityType: 'candidate',
          entityId: application.candidate_id,
          details: { scorecardId: row.id, interviewId, applicationId: row.application_id, version: row.version },
        },
        tx,
      );
      return toView(row);
    });
  }

  /** The latest scorecard of each interviewer on the interview, behind the bias guard. */
  async listForInterview(actor: Actor, interviewId: string): Promise<ScorecardListView> {
    const [interview]: { application_id: string }[] = await this.db.query(`SELECT application_id FROM interviews WHERE id = $1`, [interviewId]);
    const scope = interview && (await this.scope(this.db.manager, actor, interview.application_id));
    if (!scope || !sees(scope)) throw new NotFoundError('Interview', interviewId);
    return this.latest(actor, scope, 's.interview_id', interviewId);
  }

  /** The latest scorecard of each interviewer on each interview of the application, behind the bias guard. */
  async listForApplication(actor: Actor, applicationId: string): Promise<ScorecardListView> {
    const scope = await this.scope(this.db.manager, actor, applicationId);
    if (!scope || !sees(scope)) throw new NotFoundError('Application', applicationId);
    return this.latest(actor, scope, 's.application_id', applicationId);
  }

  /** Every version of the scorecard `id` is one of, oldest first. */
  async versions(actor: Actor, id: string, query: PageQuery, afterId?: string): Promise<Page<ScorecardView>> {
    const [card]: { interview_id: string; application_id: string; interviewer_id: string }[] = await this.db.query(
      `SELECT interview_id, application_id, interviewer_id FROM scorecards WHERE id = $1`,
      [id],
    );
    const scope = card && (await this.scope(this.db.manager, actor, card.application_id));
    if (!scope || !sees(scope)) throw new NotFoundError('Scorecard', id);
    if (ownOnly(scope) && card.interviewer_id !== actor.userId) {
      throw new ForbiddenError('submit_your_own_first', "Submit your scorecards for this application's interviews that have started before reading others'");
    }
    const rows: ScorecardRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM scorecards s
        WHERE s.interview_id = $1 AND s.interviewer_id = $2
          AND ($3::uuid IS NULL OR s.version > (SELECT c.version FROM scorecards c WHERE c.id = $3 AND c.interview_id = $1 AND c.interviewer_id = $2))
        ORDER BY s.version LIMIT $4`,
      [card.interview_id, card.interviewer_id, afterId ?? null, query.limit + 1],
    );
    return toPage(rows, query.limit, toView);
  }

  /** The application's interview plan, step by step, with its interviews and scorecards (staff only). */
  async progress(actor: Actor, applicationId: string): Promise<InterviewProgressView> {
    const scope = await this.scope(this.db.manager, actor, applicationId);
    if (!scope?.staff) throw new NotFoundError('Application', applicationId);
    const hidden = ownOnly(scope);
    const [application]: { opening_id: string | null }[] = await this.db.query(`SELECT opening_id FROM applications WHERE id = $1`, [applicationId]);
    const { steps, interviews } = await this.coverage(this.db.manager, applicationId, application.opening_id);
    const latest: { interview_id: string; recommendation: Recommendation }[] = hidden
      ? []
      : await this.db.query(
          `SELECT DISTINCT ON (s.interview_id, s.interviewer_id) s.interview_id, s.recommendation FROM scorecards s
            WHERE s.interview_id = ANY($1::uuid[]) ORDER BY s.interview_id, s.interviewer_id, s.version DESC`,
          [interviews.map((i) => i.id)],
        );
    const tally = (ids: string[]): RecommendationTally | null => {
      if (hidden) return null;
      const t: RecommendationTally = { strong_no: 0, no: 0, yes: 0, strong_yes: 0 };
      for (const l of latest) if (ids.includes(l.interview_id)) t[l.recommendation]++;
      return t;
    };
    const interviewView = (i: InterviewCoverage): ProgressInterviewView => ({
      id: i.id,
      status: i.status,
      startsAt: i.starts_at.toISOString(),
      endsAt: i.ends_at.toISOString(),
      panelSize: i.panel_size,
      scorecardsSubmitted: i.submitted,
      recommendations: tally([i.id]),
    });
    const stepViews: ProgressStepView[] = steps.map((s) => ({
      position: s.position,
      kind: s.kind,
      scorecardRequired: s.scorecardRequired,
      interviewersNeeded: s.interviewersNeeded,
      interviews: s.interviews.map(interviewView),
      scorecardsSubmitted: s.submitted,
      scorecardsNeeded: s.interviewersNeeded,
      complete: s.complete,
      recommendations: tally(s.interviews.map((i) => i.id)),
    }));
    const planned = new Set(steps.map((s) => s.position));
    const required = steps.filter((s) => s.scorecardRequired);
    return {
      applicationId,
      openingId: application.opening_id,
      steps: stepViews,
      unplannedInterviews: interviews.filter((i) => i.plan_position === null || !planned.has(i.plan_position)).map(interviewView),
      totals: {
        steps: steps.length,
        requiredSteps: required.length,
        requiredStepsComplete: required.filter((s) => s.complete).length,
        scorecardsSubmitted: interviews.reduce((n, i) => n + i.submitted, 0),
        recommendations: tally(interviews.map((i) => i.id)),
      },
      offerReady: required.every((s) => s.complete),
      reason: hidden ? 'submit_your_own_first' : null,
    };
  }

  /**
   * The steps of the opening's plan with the application's interviews of each and their
   * scorecards: a step is complete when one of its interviews that is not cancelled has at least
   * `interviewers_needed` interviewers' scorecards. No opening, no plan: no steps.
   */
  async coverage(manager: EntityManager, applicationId: string, openingId: string | null): Promise<{ steps: StepCoverage[]; interviews: InterviewCoverage[] }> {
    const plan: { position: number; kind: string; scorecard_required: boolean; interviewers_needed: number }[] = openingId
      ? await manager.query(
          `SELECT position, kind, scorecard_required, interviewers_needed FROM interview_plan_steps WHERE opening_id = $1 ORDER BY position LIMIT $2`,
          [openingId, SCORECARD_LIMITS.maxPlanSteps],
        )
      : [];
    const interviews: InterviewCoverage[] = await manager.query(
      `SELECT i.id, i.plan_position, i.status, i.starts_at, i.ends_at,
              (SELECT count(*) FROM interview_panel p WHERE p.interview_id = i.id AND p.active)::int AS panel_size,
              (SELECT count(DISTINCT s.interviewer_id) FROM scorecards s WHERE s.interview_id = i.id)::int AS submitted
         FROM interviews i WHERE i.application_id = $1 ORDER BY i.starts_at, i.id LIMIT $2`,
      [applicationId, SCORECARD_LIMITS.maxInterviews],
    );
    const steps = plan.map((p): StepCoverage => {
      const own = interviews.filter((i) => i.plan_position === p.position);
      const submitted = Math.max(0, ...own.filter((i) => i.status !== 'cancelled').map((i) => i.submitted));
      return {
        position: p.position,
        kind: p.kind,
        scorecardRequired: p.scorecard_required,
        interviewersNeeded: p.interviewers_needed,
        interviews: own,
        submitted,
        complete: submitted >= p.interviewers_needed,
      };
    });
    return { steps, interviews };
  }

  /** Who the actor is to the application's scorecards; null when the application does not exist. */
  async scope(manager: EntityManager, actor: Actor, applicationId: string): Promise<ReaderScope | null> {
    const [row]: ReaderScope[] = await manager.query(
      `SELECT a.id AS "applicationId",
              ($3::boolean OR ($4::boolean AND a.task_force_id IN (SELECT task_force_id FROM task_force_members WHERE user_id = $2))) AS staff,
              EXISTS (SELECT 1 FROM interviews i JOIN interview_panel p ON p.interview_id = i.id AND p.user_id = $2 AND p.active
                       WHERE i.application_id = a.id AND i.status = 'scheduled') AS panelist,
              EXISTS (SELECT 1 FROM interviews i JOIN interview_panel p ON p.interview_id = i.id AND p.user_id = $2 AND p.active
                       WHERE i.application_id = a.id AND i.status = 'scheduled' AND i.starts_at <= $5
                         AND NOT EXISTS (SELECT 1 FROM scorecards s WHERE s.interview_id = i.id AND s.interviewer_id = $2)) AS owes
         FROM applications a WHERE a.id = $1`,
      [applicationId, actor.userId, isAdmin(actor), actor.role === 'recruiter', this.clock.now()],
    );
    return row ?? null;
  }

  private async latest(actor: Actor, scope: ReaderScope, column: 's.interview_id' | 's.application_id', id: string): Promise<ScorecardListView> {
    const own = ownOnly(scope) ? actor.userId : null;
    const rows: ScorecardRow[] = await this.db.query(
      `SELECT * FROM (SELECT DISTINCT ON (s.interview_id, s.interviewer_id) ${COLUMNS} FROM scorecards s
                       WHERE ${column} = $1 AND ($2::uuid IS NULL OR s.interviewer_id = $2)
                       ORDER BY s.interview_id, s.interviewer_id, s.version DESC) s
        ORDER BY s.submitted_at, s.id LIMIT $3`,
      [id, own, SCORECARD_LIMITS.maxListed],
    );
    let hidden = 0;
    if (own) {
      [{ hidden }] = await this.db.query(
        `SELECT count(*)::int AS hidden FROM (SELECT DISTINCT s.interview_id, s.interviewer_id FROM scorecards s WHERE ${column} = $1 AND s.interviewer_id <> $2) o`,
        [id, own],
      );
    }
    return { data: rows.map(toView), hidden, reason: own ? 'submit_your_own_first' : null };
  }
}

/**
 * The ratings in the order of the interview's attributes; 422 naming the attributes missing,
 * unknown or rated twice.
 */
export function matchRatings(attributes: string[], ratings: { attribute: string; rating: number }[]): { attribute: string; rating: number }[] {
  const given = new Map<string, number>();
  const duplicated = new Set<string>();
  for (const r of ratings) {
    if (given.has(r.attribute)) duplicated.add(r.attribute);
    given.set(r.attribute, r.rating);
  }
  const missing = attributes.filter((a) => !given.has(a));
  const unknown = [...given.keys()].filter((a) => !attributes.includes(a));
  if (missing.length || unknown.length || duplicated.size) {
    const parts = [
      missing.length ? `missing: ${missing.join(', ')}` : '',
      unknown.length ? `not of this interview: ${unknown.join(', ')}` : '',
      duplicated.size ? `rated twice: ${[...duplicated].join(', ')}` : '',
    ].filter(Boolean);
    throw new RuleViolationError('ratings_mismatch', `Rate each of the interview's attributes once (${parts.join('; ')})`, {
      attributes,
      missing,
      unknown,
      duplicated: [...duplicated],
    });
  }
  return attributes.map((attribute) => ({ attribute, rating: given.get(attribute)! }));
}
