import { ApplicationsService, Stage } from '@app/candidates';
import {
  Clock,
  ConflictError,
  DomainEvents,
  ForbiddenError,
  isUniqueViolation,
  JobName,
  JobQueue,
  newId,
  NewDomainEvent,
  NotFoundError,
  Page,
  returnedRows,
  RuleViolationError,
  toPage,
} from '@app/platform';
import { Actor, isAdmin } from '@app/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { FxRateSetView, PutFxRateDto, SalaryBandView } from './bands.dto';
import { SalaryBandsService } from './bands.service';
import { FxRatesService, Rate, requireCalendarDate } from './fx.service';
import { compaRatio, convertMoney, Currency, formatAmount, formatRate, inverse, parseAmount, parseRate, Period, ratioOf } from './money';
import {
  CompetingGap,
  CompetingOfferView,
  CreateCompetingOfferDto,
  CreateOfferDto,
  OFFER_ACTIONS,
  OfferAction,
  OfferActionDto,
  OfferEvaluation,
  OfferEventView,
  OfferStatus,
  OfferView,
  UpdateOfferDto,
} from './offers.dto';

interface OfferRow {
  id: string;
  application_id: string;
  status: OfferStatus;
  version: number;
  salary_band_id: string;
  band_version: number;
  currency: Currency;
  period: Period;
  base: string;
  sign_on: string | null;
  equity: string | null;
  start_date: string;
  expires_at: Date;
  pinned_rate: string | null;
  pinned_rate_as_of: string | null;
  pinned_rate_inverted: boolean | null;
  status_reason: string | null;
  created_at: Date;
  updated_at: Date;
  /** Changes with every write of the row (PostgreSQL's xmin): claims are conditional on it. */
  row_token: string;
}

const COLUMNS = `o.id, o.application_id, o.status, o.version, o.salary_band_id, o.band_version, o.currency, o.period, o.base::text,
  o.sign_on::text, o.equity::text, to_char(o.start_date, 'YYYY-MM-DD') AS start_date, o.expires_at, o.pinned_rate::text,
  to_char(o.pinned_rate_as_of, 'YYYY-MM-DD') AS pinned_rate_as_of, o.pinned_rate_inverted, o.status_reason, o.created_at, o.updated_at, o.xmin::text AS row_token`;

const OPEN: OfferStatus[] = ['draft', 'pending_approval', 'approved', 'sent'];
const ACTIONS: Record<OfferAction, { from: OfferStatus[]; adminOnly?: boolean; needsComment?: boolean }> = {
  submit: { from: ['draft'] },
  approve: { from: ['pending_approval'], adminOnly: true, needsComment: true },
  reject: { from: ['pending_approval'], adminOnly: true, needsComment: true },
  send: { from: ['approved'] },
  accept: { from: ['sent'] },
  decline: { from: ['sent'] },
  withdraw: { from: OPEN },
};
const CLOSED_STAGES: Stage[] = ['hired', 'rejected', 'withdrawn'];
export const MAX_COMPETING_OFFERS = 20;

export function allowedOfferActions(status: OfferStatus, actor: Actor): OfferAction[] {
  return OFFER_ACTIONS.filter((a) => ACTIONS[a].from.includes(status) && (!ACTIONS[a].adminOnly || isAdmin(actor)));
}

/**
 * Offers: a versioned proposal checked against the band version it was made with. In-band
 * offers approve themselves on submit; out-of-band ones wait for an admin. The exchange rate is
 * pinned at approval; accepting hires the application in the same transaction.
 */
/** One job per queued check: the same check enqueued twice is one job. */
const rateCheckJobId = (check: { offer_id: string; requested_at: Date }) => `rate-check-${check.offer_id}-${check.requested_at.getTime()}`;

/** Re-checks enqueued at once, by the rate's request or by one pass of the schedule. */
export const RATE_CHECKS_PER_PASS = 10_000;

@Injectable()
export class OffersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly applications: ApplicationsService,
    private readonly bands: SalaryBandsService,
    private readonly fx: FxRatesService,
    private readonly clock: Clock,
    private readonly events: DomainEvents,
    private readonly jobs: JobQueue,
  ) {}

  async create(actor: Actor, dto: CreateOfferDto): Promise<OfferView> {
    requireCalendarDate(dto.startDate, 'startDate');
    this.requireFutureExpiry(dto.expiresAt);
    return this.db.transaction(async (tx) => {
      const application = await this.applications.visible(actor, dto.applicationId, tx);
      if (CLOSED_STAGES.includes(application.stage)) {
        throw new RuleViolationError('application_closed', `The application is ${application.stage}; it takes no offer`);
      }
      const band = await this.bands.load(tx, dto.salaryBandId);
      const inForce: unknown[] = await tx.query(`SELECT 1 FROM salary_bands WHERE id = $1 AND daterange(effective_from, effective_to, '[]') @> $2::date`, [
        dto.salaryBandId,
        dto.startDate,
      ]);
      if (!inForce.length) throw new RuleViolationError('band_not_in_force', `Band ${dto.salaryBandId} is not in force on the start date ${dto.startDate}`);
      const id = newId();
      const now = this.clock.now();
      let row: OfferRow;
      try {
        [row] = await tx.query(
          `INSERT INTO offers AS o (id, application_id, salary_band_id, band_version, currency, period, base, sign_on, equity, start_date, expires_at, created_by, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING ${COLUMNS}`,
          [id, dto.applicationId, band.id, band.version, dto.currency, dto.period, ...this.amounts(dto), dto.startDate, dto.expiresAt, actor.userId, now],
        );
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        throw new ConflictError('open_offer_exists', 'The application already has an open offer; withdraw it or edit it');
      }
      await this.snapshot(tx, row);
      await this.event(tx, row, null, 'draft', row.version, actor.userId, null);
      return this.view(tx, actor, row);
    });
  }

  async get(actor: Actor, id: string): Promise<OfferView> {
    return this.view(this.db.manager, actor, await this.load(actor, id, this.db.manager));
  }

  /** Draft edits change it in place; edits after that make a new version and re-check the band. */
  async update(actor: Actor, id: string, dto: UpdateOfferDto): Promise<OfferView> {
    if (dto.applicationId !== undefined || dto.salaryBandId !== undefined) {
      throw new RuleViolationError('offer_fixed_fields', 'An offer keeps its application and band; withdraw it and make a new one');
    }
    if (dto.startDate) requireCalendarDate(dto.startDate, 'startDate');
    if (dto.expiresAt) this.requireFutureExpiry(dto.expiresAt);
    return this.db.transaction(async (tx) => {
      const current = await this.load(actor, id, tx, true);
      if (!OPEN.includes(current.status)) throw new RuleViolationError('offer_closed', `An offer that is ${current.status} cannot change`);
      this.requireOpenApplication(await this.applications.visible(actor, current.application_id, tx));
      if (dto.currency && dto.currency !== current.currency) {
        const missing = (['base', 'signOn', 'equity'] as const).filter(
          (f) => dto[f] === undefined && (f === 'base' || current[f === 'signOn' ? 'sign_on' : 'equity'] !== null),
        );
        if (missing.length) {
          throw new RuleViolationError('amounts_required', `Changing the currency needs the amounts in the new currency: ${missing.join(', ')}`, {
            fields: missing,
          });
        }
      }
      const merged = {
        currency: dto.currency ?? current.currency,
        period: dto.period ?? current.period,
        base: dto.base ?? formatAmount(BigInt(current.base), current.currency),
        signOn: dto.signOn !== undefined ? dto.signOn : current.sign_on === null ? null : formatAmount(BigInt(current.sign_on), current.currency),
        equity: dto.equity !== undefined ? dto.equity : current.equity === null ? null : formatAmount(BigInt(current.equity), current.currency),
      };
      const newVersion = current.status === 'draft' ? current.version : current.version + 1;
      let status: OfferStatus = current.status;
      let reason: string | null = null;
      let pin: Rate | null = null;
      if (current.status !== 'draft') {
        const evaluation = await this.evaluate(tx, {
          ...current,
          currency: merged.currency,
          period: merged.period,
          base: String(this.amounts(merged)[0]),
          pinned_rate: null,
        });
        if (evaluation.approvalRequired) {
          status = 'pending_approval';
          reason = 'edited out of band: needs approval again';
        } else {
          // New terms the candidate has not seen must be sent again.
          if (current.status === 'pending_approval' || current.status === 'sent') status = 'approved';
          if (current.status === 'sent') reason = 'edited after sending: send it again';
          pin = await this.rateFor(tx, merged.currency, current);
        }
      }
      const [row] = returnedRows<OfferRow>(
        await tx.query(
          `UPDATE offers o SET currency = $2, period = $3, base = $4, sign_on = $5, equity = $6, start_date = $7, expires_at = $8, version = $9,
                  status = $10, status_reason = $11, pinned_rate = $12, pinned_rate_as_of = $13, pinned_rate_inverted = $14, updated_at = now()
            WHERE id = $1 RETURNING ${COLUMNS}`,
          [
            id,
            merged.currency,
            merged.period,
            ...this.amounts(merged),
            dto.startDate ?? current.start_date,
            dto.expiresAt ?? current.expires_at,
            newVersion,
            status,
            reason,
            ...(pin
              ? [pin.used.rate, pin.used.asOf, pin.used.inverted]
              : status === 'pending_approval' || status === 'draft'
                ? [null, null, null]
                : [current.pinned_rate, current.pinned_rate_as_of, current.pinned_rate_inverted]),
          ],
        ),
      );
      if (newVersion !== current.version) await this.snapshot(tx, row);
      else await tx.query(`UPDATE offer_versions SET snapshot = $3 WHERE offer_id = $1 AND version = $2`, [id, row.version, JSON.stringify(this.terms(row))]);
      if (status !== current.status) await this.event(tx, row, current.status, status, row.version, actor.userId, reason);
      return this.view(tx, actor, row);
    });
  }

  async act(actor: Actor, id: string, action: OfferAction, dto: OfferActionDto): Promise<OfferView> {
    return this.db.transaction(async (tx) => {
      const current = await this.load(actor, id, tx);
      const rule = ACTIONS[action];
      if (!rule.from.includes(current.status)) {
        const allowed = allowedOfferActions(current.status, actor);
        throw new RuleViolationError('illegal_offer_action', `An offer that is ${current.status} allows ${allowed.join(', ') || 'no action'}, not ${action}`, {
          offerStatus: current.status,
          action,
          allowed,
        });
      }
      if (rule.adminOnly && !isAdmin(actor)) throw new ForbiddenError('admin_required', `Only admins may ${action} an offer`);
      if (rule.needsComment && !dto.comment?.trim()) {
        throw new RuleViolationError('comment_required', `To ${action} an offer, say why in comment`, { field: 'comment' });
      }
      if (action !== 'withdraw') this.requireOpenApplication(await this.applications.visible(actor, current.application_id, tx));
      if (['send', 'accept', 'decline'].includes(action) && current.expires_at.getTime() <= this.clock.now().getTime()) {
        throw new RuleViolationError('offer_expired', `The offer expired at ${current.expires_at.toISOString()}`);
      }
      let to: OfferStatus;
      let pin: Rate | null = null;
      switch (action) {
        case 'submit': {
          const evaluation = await this.evaluate(tx, current);
          to = evaluation.approvalRequired ? 'pending_approval' : 'approved';
          if (to === 'approved') pin = await this.rateFor(tx, current.currency, current);
          break;
        }
        case 'approve':
          to = 'approved';
          pin = await this.rateFor(tx, current.currency, current);
          break;
        case 'reject':
          to = 'draft';
          break;
        case 'send':
          to = 'sent';
          break;
        case 'accept':
          to = 'accepted';
          break;
        case 'decline':
          to = 'declined';
          break;
        default:
          to = 'withdrawn';
      }
      // Claim the move first: of two concurrent actions only one finds the status it expects.
      const [row] = returnedRows<OfferRow>(
        await tx.query(
          `UPDATE offers o SET status = $3, status_reason = NULL, updated_at = now(),
                  pinned_rate = CASE WHEN $4::numeric IS NOT NULL THEN $4::numeric WHEN $3 = 'draft' THEN NULL ELSE pinned_rate END,
                  pinned_rate_as_of = CASE WHEN $4::numeric IS NOT NULL THEN $5::date WHEN $3 = 'draft' THEN NULL ELSE pinned_rate_as_of END,
                  pinned_rate_inverted = CASE WHEN $4::numeric IS NOT NULL THEN $6::boolean WHEN $3 = 'draft' THEN NULL ELSE pinned_rate_inverted END
            WHERE id = $1 AND status = $2 AND xmin::text = $7 RETURNING ${COLUMNS}`,
          [id, current.status, to, pin?.used.rate ?? null, pin?.used.asOf ?? null, pin?.used.inverted ?? null, current.row_token],
        ),
      );
      if (!row) throw new ConflictError('concurrent_modification', 'The offer changed while this action was being taken; re-read it');
      if (action === 'send') await this.moveApplication(tx, actor, row.application_id, ['interviewing'], 'offer');
      if (action === 'accept') await this.moveApplication(tx, actor, row.application_id, ['offer'], 'hired');
      await this.event(tx, row, current.status, to, row.version, actor.userId, dto.comment ?? null);
      return this.view(tx, actor, row);
    });
  }

  async history(actor: Actor, id: string, limit: number, afterId?: string): Promise<Page<OfferEventView>> {
    await this.load(actor, id, this.db.manager);
    const rows: {
      id: string;
      from_status: OfferStatus | null;
      to_status: OfferStatus;
      offer_version: number;
      actor_id: string | null;
      comment: string | null;
      at: Date;
    }[] = await this.db.query(
      `SELECT id, from_status, to_status, offer_version, actor_id, comment, at FROM offer_events WHERE offer_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3`,
      [id, afterId ?? null, limit + 1],
    );
    return toPage(rows, limit, (r) => ({
      from: r.from_status,
      to: r.to_status,
      offerVersion: r.offer_version,
      actorId: r.actor_id,
      comment: r.comment,
      at: r.at.toISOString(),
    }));
  }

  async version(actor: Actor, id: string, version: number): Promise<Record<string, unknown>> {
    await this.load(actor, id, this.db.manager);
    const [row]: { snapshot: Record<string, unknown> }[] = await this.db.query(`SELECT snapshot FROM offer_versions WHERE offer_id = $1 AND version = $2`, [
      id,
      version,
    ]);
    if (!row) throw new NotFoundError('Offer version', `${id} v${version}`);
    return row.snapshot;
  }

  async addCompetingOffer(actor: Actor, applicationId: string, dto: CreateCompetingOfferDto): Promise<CompetingOfferView> {
    await this.applications.visible(actor, applicationId);
    const id = newId();
    const base = parseAmount(dto.base, dto.currency, 'base');
    if (base <= 0n) throw new RuleViolationError('base_not_positive', 'base must be more than zero', { field: 'base' });
    const bonus = dto.bonus ? parseAmount(dto.bonus, dto.currency, 'bonus') : null;
    const equity = dto.equity ? parseAmount(dto.equity, dto.currency, 'equity') : null;
    const row = await this.db.transaction(async (tx) => {
      // Every offer view weighs all of them, so their number is capped; the lock keeps racing adds under the cap.
      await tx.query(`SELECT 1 FROM applications WHERE id = $1 FOR UPDATE`, [applicationId]);
      const [{ n }]: { n: number }[] = await tx.query(`SELECT count(*)::int AS n FROM competing_offers WHERE application_id = $1`, [applicationId]);
      if (n >= MAX_COMPETING_OFFERS) {
        throw new RuleViolationError('too_many_competing_offers', `An application records at most ${MAX_COMPETING_OFFERS} competing offers`, {
          max: MAX_COMPETING_OFFERS,
        });
      }
      const [inserted]: { created_at: Date }[] = await tx.query(
        `INSERT INTO competing_offers (id, application_id, employer, currency, period, base, bonus, equity, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING created_at`,
        [id, applicationId, dto.employer.trim(), dto.currency, dto.period, base, bonus, equity, actor.userId],
      );
      return inserted;
    });
    return {
      id,
      applicationId,
      employer: dto.employer.trim(),
      base: dto.base,
      bonus: dto.bonus ?? null,
      equity: dto.equity ?? null,
      currency: dto.currency,
      period: dto.period,
      createdAt: row.created_at.toISOString(),
    };
  }

  async competingOffers(actor: Actor, applicationId: string): Promise<CompetingOfferView[]> {
    await this.applications.visible(actor, applicationId);
    const rows: {
      id: string;
      employer: string;
      currency: Currency;
      period: Period;
      base: string;
      bonus: string | null;
      equity: string | null;
      created_at: Date;
    }[] = await this.db.query(
      `SELECT id, employer, currency, period, base::text, bonus::text, equity::text, created_at FROM competing_offers WHERE application_id = $1 ORDER BY id`,
      [applicationId],
    );
    return rows.map((r) => ({
      id: r.id,
      applicationId,
      employer: r.employer,
      base: formatAmount(BigInt(r.base), r.currency),
      bonus: r.bonus === null ? null : formatAmount(BigInt(r.bonus), r.currency),
      equity: r.equity === null ? null : formatAmount(BigInt(r.equity), r.currency),
      currency: r.currency,
      period: r.period,
      createdAt: r.created_at.toISOString(),
    }));
  }

  /**
   * Sets a rate. Its transaction queues a re-check of every approved offer pinned on the pair
   * (CompensationRules); the worker re-checks each in a job of its own (recheckRate), and the
   * ones queued are enqueued here as soon as the rate has committed. A crash in between leaves
   * them queued in Postgres, where the expiry schedule finds them (requeueRateChecks).
   */
  async setRate(actor: Actor, base: string, quote: string, dto: PutFxRateDto): Promise<FxRateSetView> {
    const rate = await this.fx.put(actor, base, quote, dto);
    const queued: { offer_id: string; requested_at: Date }[] = await this.db.query(
      `SELECT offer_id, requested_at FROM offer_rate_checks WHERE base = $1 AND quote = $2 AND as_of = $3 ORDER BY requested_at LIMIT $4`,
      [base, quote, rate.asOf, RATE_CHECKS_PER_PASS],
    );
    // The rate has committed: a Redis that is away must not fail or hang the PUT (the schedule enqueues them later).
    await this.jobs.enqueueAfterCommit(`${queued.length} offer rate check(s)`, () => this.enqueueRateChecks(queued));
    return { ...rate, offersToRecheck: queued.length };
  }

  /**
   * Re-checks one approved offer against today's rate, in one transaction with the removal of its
   * queued check: an offer the new rate puts out of band goes back to pending_approval, with the
   * reason, before it is sent. Only offers the change moves: one an admin approved out of band
   * stays approved.
   */
  async recheckRate(offerId: string): Promise<'sent_back' | 'unchanged' | 'not_queued'> {
    return this.db.transaction(async (tx) => {
      const [check] = returnedRows<{ base: string; quote: string; as_of: string; rate: string }>(
        await tx.query(
          `DELETE FROM offer_rate_checks WHERE offer_id = (SELECT offer_id FROM offer_rate_checks WHERE offer_id = $1 FOR UPDATE SKIP LOCKED)
           RETURNING base, quote, to_char(as_of, 'YYYY-MM-DD') AS as_of, rate`,
          [offerId],
        ),
      );
      if (!check) return 'not_queued';
      const [offer]: OfferRow[] = await tx.query(`SELECT ${COLUMNS} FROM offers o WHERE o.id = $1 AND o.status = 'approved' FOR UPDATE`, [offerId]);
      if (!offer?.pinned_rate) return 'unchanged';
      const atPinned = await this.evaluate(tx, offer);
      const atToday = await this.evaluate(tx, { ...offer, pinned_rate: null });
      if (!atPinned.inBand || atToday.inBand) return 'unchanged';
      const reason = `The ${check.base}/${check.quote} rate of ${check.as_of} (${check.rate}) puts the offer out of band; it needs approval again`;
      const [moved] = returnedRows<OfferRow>(
        await tx.query(
          `UPDATE offers o SET status = 'pending_approval', status_reason = $2, pinned_rate = NULL, pinned_rate_as_of = NULL, pinned_rate_inverted = NULL, updated_at = now()
            WHERE id = $1 AND status = 'approved' RETURNING ${COLUMNS}`,
          [offer.id, reason],
        ),
      );
      if (!moved) return 'unchanged';
      await this.event(tx, moved, 'approved', 'pending_approval', moved.version, null, reason, 'rate_changed');
      return 'sent_back';
    });
  }

  /**
   * Queued re-checks older than a minute whose job Redis no longer holds (lost, or never enqueued
   * because Redis was away): enqueued again, a bounded number per pass. One still waiting in a long
   * queue is left alone; one kept as finished ran before a newer rate queued its offer again.
   */
  async requeueRateChecks(): Promise<number> {
    const stale: { offer_id: string; requested_at: Date }[] = await this.db.query(
      `SELECT offer_id, requested_at FROM offer_rate_checks WHERE requested_at < $1 ORDER BY requested_at LIMIT $2`,
      [new Date(this.clock.now().getTime() - 60_000), RATE_CHECKS_PER_PASS],
    );
    const presence = await this.jobs.jobPresence(JobName.RecheckOfferRate, stale.map(rateCheckJobId));
    const lost = stale.map((check, i) => ({ check, state: presence[i] })).filter(({ state }) => state !== 'pending');
    await this.jobs.enqueueMany(
      JobName.RecheckOfferRate,
      lost.map(({ check, state }) => ({
        payload: { offerId: check.offer_id },
        options: { jobId: state === 'finished' ? `${rateCheckJobId(check)}-${this.clock.now().getTime()}` : rateCheckJobId(check) },
      })),
    );
    return lost.length;
  }

  private async enqueueRateChecks(checks: { offer_id: string; requested_at: Date }[]): Promise<void> {
    await this.jobs.enqueueMany(
      JobName.RecheckOfferRate,
      checks.map((c) => ({ payload: { offerId: c.offer_id }, options: { jobId: rateCheckJobId(c) } })),
    );
  }

  /** Sent offers past their expiry become expired, once each, whichever worker gets there first. */
  async expireDue(): Promise<number> {
    return this.db.transaction(async (tx) => {
      const rows: { id: string; application_id: string; version: number }[] = await tx.query(
        `WITH expired AS (
           UPDATE offers SET status = 'expired', status_reason = 'expired unanswered', updated_at = now()
            WHERE status = 'sent' AND expires_at <= now() RETURNING id, application_id, version),
         recorded AS (
           INSERT INTO offer_events (id, offer_id, from_status, to_status, offer_version, actor_id, comment)
           SELECT gen_random_uuid(), id, 'sent', 'expired', version, NULL, 'expired unanswered' FROM expired)
         SELECT id, application_id, version FROM expired ORDER BY id`,
      );
      const refs = await this.applications.refs(
        tx,
        rows.map((r) => r.application_id),
      );
      await this.events.publish(tx, ...rows.map((r) => offerEvent(r, refs, 'sent', 'expired', r.version, null)));
      return rows.length;
    });
  }

  private async moveApplication(tx: EntityManager, actor: Actor, applicationId: string, from: Stage[], to: Stage): Promise<void> {
    const application = await this.applications.visible(actor, applicationId, tx);
    if (application.stage === to) return;
    if (!from.includes(application.stage)) {
      throw new RuleViolationError(
        'application_not_ready',
        `The application is in ${application.stage}; it must be in ${[...from, to].join(' or ')} for this`,
        {
          stage: application.stage,
        },
      );
    }
    await this.applications.transitionIn(tx, actor, applicationId, { to, expectedVersion: application.version });
  }

  private requireFutureExpiry(expiresAt: string): void {
    if (new Date(expiresAt).getTime() <= this.clock.now().getTime()) {
      throw new RuleViolationError('expiry_in_past', 'expiresAt must be in the future', { field: 'expiresAt' });
    }
  }

  private requireOpenApplication(application: { stage: Stage }): void {
    if (CLOSED_STAGES.includes(application.stage) && application.stage !== 'hired') {
      throw new RuleViolationError('application_closed', `The application is ${application.stage}; its offer can only be withdrawn`);
    }
  }

  private amounts(o: { currency: Currency; base: string; signOn?: string | null; equity?: string | null }): (bigint | null)[] {
    const base = parseAmount(o.base, o.currency, 'base');
    if (base <= 0n) throw new RuleViolationError('base_not_positive', 'base must be more than zero', { field: 'base' });
    return [base, o.signOn ? parseAmount(o.signOn, o.currency, 'signOn') : null, o.equity ? parseAmount(o.equity, o.currency, 'equity') : null];
  }

  private async bandVersion(manager: EntityManager, row: OfferRow): Promise<SalaryBandView> {
    const [v]: { snapshot: SalaryBandView }[] = await manager.query(`SELECT snapshot FROM salary_band_versions WHERE band_id = $1 AND version = $2`, [
      row.salary_band_id,
      row.band_version,
    ]);
    return v.snapshot;
  }

  /** The rate from the offer currency to its band's, today's (for pinning) unless already pinned. */
  private async rateFor(tx: EntityManager, offerCurrency: Currency, row: OfferRow): Promise<Rate | null> {
    const band = await this.bandVersion(tx, row);
    if (band.currency === offerCurrency) return null;
    return this.fx.rate(offerCurrency, band.currency, this.fx.today(), tx);
  }

  private async evaluate(manager: EntityManager, row: OfferRow): Promise<OfferEvaluation> {
    const band = await this.bandVersion(manager, row);
    let fx: Rate | null = null;
    let pinned = false;
    if (row.currency !== band.currency) {
      if (row.pinned_rate) {
        pinned = true;
        const stored = parseRate(row.pinned_rate);
        const inverted = row.pinned_rate_inverted === true;
        const [base, quote] = inverted ? [band.currency, row.currency] : [row.currency, band.currency];
        fx = {
          scaled: stored,
          ratio: inverted ? inverse(ratioOf(stored)) : ratioOf(stored),
          used: { base, quote, rate: formatRate(stored), asOf: row.pinned_rate_as_of!, inverted },
        };
      } else {
        fx = await this.fx.rate(row.currency, band.currency, this.fx.today(), manager);
      }
    }
    const inBandTerms = convertMoney(BigInt(row.base), row, { currency: band.currency, period: band.period }, band.monthsPerYear, fx?.ratio ?? null);
    const [min, mid, max] = [band.baseMin, band.baseMid, band.baseMax].map((a) => parseAmount(a, band.currency));
    const inBand = inBandTerms >= min && inBandTerms <= max;
    return {
      salaryBandId: row.salary_band_id,
      bandVersion: row.band_version,
      bandCurrency: band.currency,
      bandPeriod: band.period,
      bandMin: band.baseMin,
      bandMid: band.baseMid,
      bandMax: band.baseMax,
      baseInBandTerms: formatAmount(inBandTerms, band.currency),
      compaRatio: compaRatio(inBandTerms, mid),
      inBand,
      approvalRequired: !inBand,
      fx: fx?.used ?? null,
      fxPinned: pinned,
    };
  }

  /** The strongest competing base, in this offer's currency and period; offers lacking a rate are left out. */
  private async strongestCompeting(manager: EntityManager, row: OfferRow, monthsPerYear: number): Promise<CompetingGap | null> {
    const competing: { employer: string; currency: Currency; period: Period; base: string }[] = await manager.query(
      `SELECT employer, currency, period, base::text FROM competing_offers WHERE application_id = $1`,
      [row.application_id],
    );
    let best: { employer: string; base: bigint } | null = null;
    const rates = new Map<Currency, Promise<Rate | null>>();
    const rateFrom = (currency: Currency) => {
      if (!rates.has(currency))
        rates.set(
          currency,
          this.fx.rate(currency, row.currency, this.fx.today(), manager).catch(() => null),
        );
      return rates.get(currency)!;
    };
    for (const c of competing) {
      const rate = c.currency === row.currency ? null : await rateFrom(c.currency);
      if (c.currency !== row.currency && !rate) continue;
      const amount = convertMoney(BigInt(c.base), c, row, monthsPerYear, rate?.ratio ?? null);
      if (!best || amount > best.base) best = { employer: c.employer, base: amount };
    }
    if (!best) return null;
    return { employer: best.employer, base: formatAmount(best.base, row.currency), gap: formatAmount(BigInt(row.base) - best.base, row.currency) };
  }

  private async view(manager: EntityManager, actor: Actor, row: OfferRow): Promise<OfferView> {
    const evaluation = await this.evaluate(manager, row);
    return {
      ...this.terms(row),
      evaluation,
      // Another employer's monthly pay is annualised at 12 months: their extra months are unknown.
      strongestCompetingOffer: await this.strongestCompeting(manager, row, 12),
      allowedActions: allowedOfferActions(row.status, actor),
    };
  }

  private terms(row: OfferRow) {
    const money = (v: string | null) => (v === null ? null : formatAmount(BigInt(v), row.currency));
    return {
      id: row.id,
      applicationId: row.application_id,
      status: row.status,
      version: row.version,
      currency: row.currency,
      period: row.period,
      base: money(row.base)!,
      signOn: money(row.sign_on),
      equity: money(row.equity),
      startDate: row.start_date,
      expiresAt: new Date(row.expires_at).toISOString(),
      statusReason: row.status_reason,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    };
  }

  private async load(actor: Actor, id: string, manager: EntityManager, lock = false): Promise<OfferRow> {
    const [row]: OfferRow[] = await manager.query(`SELECT ${COLUMNS} FROM offers o WHERE o.id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    if (!row) throw new NotFoundError('Offer', id);
    try {
      await this.applications.visible(actor, row.application_id, manager);
    } catch {
      throw new NotFoundError('Offer', id);
    }
    return row;
  }

  private async snapshot(tx: EntityManager, row: OfferRow): Promise<void> {
    await tx.query(`INSERT INTO offer_versions (offer_id, version, snapshot) VALUES ($1, $2, $3)`, [row.id, row.version, JSON.stringify(this.terms(row))]);
  }

  /** Records a status move in the offer's history and announces it (docs/events.md). */
  private async event(
    tx: EntityManager,
    row: Pick<OfferRow, 'id' | 'application_id'>,
    from: OfferStatus | null,
    to: OfferStatus,
    version: number,
    actorId: string | null,
    comment: string | null,
    cause: 'edited' | 'rate_changed' = 'edited',
  ) {
    const refs = await this.applications.refs(tx, [row.application_id]);
    await this.events.publish(tx, offerEvent(row, refs, from, to, version, actorId, cause));
    await tx.query(`INSERT INTO offer_events (id, offer_id, from_status, to_status, offer_version, actor_id, comment) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
      newId(),
      row.id,
      from,
      to,
      version,
      actorId,
      comment,
    ]);
  }
}

/** The domain event of one status move: drafted, submitted, approved, sent back, sent, answered, expired or withdrawn. */
function offerEvent(
  row: { id: string; application_id: string },
  refs: Map<string, { candidateId: string; taskForceId: string }>,
  from: OfferStatus | null,
  to: OfferStatus,
  version: number,
  actorId: string | null,
  cause: 'edited' | 'rate_changed' = 'edited',
): NewDomainEvent {
  const { candidateId, taskForceId } = refs.get(row.application_id)!;
  const data = { offerId: row.id, applicationId: row.application_id, candidateId, taskForceId, from, to, offerVersion: version };
  const scope = { actorId, candidateId, taskForceId };
  switch (to) {
    case 'draft':
      return { type: from === null ? 'offer.drafted' : 'offer.approval_rejected', ...scope, payload: data };
    case 'pending_approval':
      return from === 'draft'
        ? { type: 'offer.submitted', ...scope, payload: data }
        : { type: 'offer.returned_for_approval', ...scope, payload: { ...data, cause } };
    case 'approved':
      return { type: 'offer.approved', ...scope, payload: data };
    case 'sent':
      return { type: 'offer.sent', ...scope, payload: data };
    case 'accepted':
      return { type: 'offer.accepted', ...scope, payload: data };
    case 'declined':
      return { type: 'offer.declined', ...scope, payload: data };
    case 'expired':
      return { type: 'offer.expired', ...scope, payload: data };
    default:
      return { type: 'offer.withdrawn', ...scope, payload: data };
  }
}
