import { Clock, ConflictError, DomainEvents, InvalidInputError, newId, NotFoundError, Page, returnedRows, RuleViolationError, toPage } from '@app/platform';
import { Actor, requireAdmin } from '@app/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ConversionQuery, ConvertedBand, CreateSalaryBandDto, SalaryBandListQuery, SalaryBandView, UpdateSalaryBandDto, Zone } from './bands.dto';
import { BandFields, checkBand } from './band-rules';
import { FxRatesService, requireCalendarDate } from './fx.service';
import { convertMoney, Currency, formatAmount, parseAmount, Period } from './money';

export interface BandRow {
  id: string;
  job_family: SalaryBandView['jobFamily'];
  level: string;
  zone: Zone;
  currency: Currency;
  period: Period;
  months_per_year: number;
  base_min: string;
  base_mid: string;
  base_max: string;
  sign_on_min: string | null;
  sign_on_max: string | null;
  equity_min: string | null;
  equity_max: string | null;
  effective_from: string;
  effective_to: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export const BAND_COLUMNS = `id, job_family, level, zone, currency, period, months_per_year, base_min::text, base_mid::text, base_max::text,
  sign_on_min::text, sign_on_max::text, equity_min::text, equity_max::text, to_char(effective_from, 'YYYY-MM-DD') AS effective_from,
  to_char(effective_to, 'YYYY-MM-DD') AS effective_to, version, created_at, updated_at`;
const EXCLUSION_VIOLATION = '23P01';

const money = (minor: string | null, currency: Currency) => (minor === null ? null : formatAmount(BigInt(minor), currency));

export function toBandView(r: BandRow): SalaryBandView {
  return {
    id: r.id,
    version: r.version,
    jobFamily: r.job_family,
    level: r.level,
    zone: r.zone,
    currency: r.currency,
    period: r.period,
    monthsPerYear: r.months_per_year,
    baseMin: money(r.base_min, r.currency)!,
    baseMid: money(r.base_mid, r.currency)!,
    baseMax: money(r.base_max, r.currency)!,
    signOnMin: money(r.sign_on_min, r.currency),
    signOnMax: money(r.sign_on_max, r.currency),
    equityMin: money(r.equity_min, r.currency),
    equityMax: money(r.equity_max, r.currency),
    effectiveFrom: r.effective_from,
    effectiveTo: r.effective_to,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** The fields a client actually sent (DTO instances also carry declared-but-absent ones as undefined). */
const given = <T extends object>(dto: T): Partial<T> => Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined)) as Partial<T>;

type Fields = BandFields;

/** What admins pay: bands with exact money, no overlaps in force, and a version per change. */
@Injectable()
export class SalaryBandsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly fx: FxRatesService,
    private readonly clock: Clock,
    private readonly events: DomainEvents,
  ) {}

  async create(actor: Actor, dto: CreateSalaryBandDto): Promise<SalaryBandView> {
    requireAdmin(actor, 'change salary bands');
    const fields: Fields = {
      signOnMin: null,
      signOnMax: null,
      equityMin: null,
      equityMax: null,
      effectiveTo: null,
      monthsPerYear: 12,
      ...given(dto),
    } as Fields;
    const amounts = checkBand(fields);
    return this.db.transaction(async (tx) => {
      const id = newId();
      const [row] = await this.overlapSafe(tx, fields, () =>
        tx.query(
          `INSERT INTO salary_bands (id, job_family, level, zone, currency, period, months_per_year, base_min, base_mid, base_max,
             sign_on_min, sign_on_max, equity_min, equity_max, effective_from, effective_to)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING ${BAND_COLUMNS}`,
          [
            id,
            fields.jobFamily,
            fields.level,
            fields.zone,
            fields.currency,
            fields.period,
            fields.monthsPerYear,
            ...amounts,
            fields.effectiveFrom,
            fields.effectiveTo,
          ],
        ),
      );
      await this.snapshot(tx, row, actor);
      return toBandView(row);
    });
  }

  /** Every change makes a new version; earlier versions stay readable and offers keep theirs. */
  async update(actor: Actor, id: string, dto: UpdateSalaryBandDto): Promise<SalaryBandView> {
    requireAdmin(actor, 'change salary bands');
    return this.db.transaction(async (tx) => {
      const current = await this.load(tx, id, true);
      const view = toBandView(current);
      const changes = given(dto);
      if (changes.currency && changes.currency !== view.currency) {
        const missing = (['baseMin', 'baseMid', 'baseMax', 'signOnMin', 'signOnMax', 'equityMin', 'equityMax'] as const).filter(
          (f) => changes[f] === undefined && view[f] !== null,
        );
        if (missing.length) {
          throw new RuleViolationError('amounts_required', `Changing the currency needs the amounts in the new currency: ${missing.join(', ')}`, {
            fields: missing,
          });
        }
      }
      if (Object.entries(changes).every(([k, v]) => view[k as keyof SalaryBandView] === v)) return view;
      const fields = { ...view, ...changes } as unknown as Fields;
      const amounts = checkBand(fields);
      const [row] = await this.overlapSafe(tx, fields, async () =>
        returnedRows<BandRow>(
          await tx.query(
            `UPDATE salary_bands SET job_family = $2, level = $3, zone = $4, currency = $5, period = $6, months_per_year = $7, base_min = $8,
                    base_mid = $9, base_max = $10, sign_on_min = $11, sign_on_max = $12, equity_min = $13, equity_max = $14,
                    effective_from = $15, effective_to = $16, version = version + 1, updated_at = $17
              WHERE id = $1 RETURNING ${BAND_COLUMNS}`,
            [
              id,
              fields.jobFamily,
              fields.level,
              fields.zone,
              fields.currency,
              fields.period,
              fields.monthsPerYear,
              ...amounts,
              fields.effectiveFrom,
              fields.effectiveTo,
              this.clock.now(),
            ],
          ),
        ),
      );
      await this.snapshot(tx, row, actor);
      return toBandView(row);
    });
  }

  async get(id: string, conversion: ConversionQuery = {}): Promise<SalaryBandView> {
    const view = toBandView(await this.load(this.db.manager, id));
    if (!conversion.currency && !conversion.period) return view;
    return { ...view, converted: await this.convert(view, conversion) };
  }

  async version(id: string, version: number): Promise<SalaryBandView> {
    const [row]: { snapshot: SalaryBandView }[] = await this.db.query(`SELECT snapshot FROM salary_band_versions WHERE band_id = $1 AND version = $2`, [
      id,
      version,
    ]);
    if (!row) throw new NotFoundError('Salary band version', `${id} v${version}`);
    return row.snapshot;
  }

  async versions(id: string, limit: number, cursor?: string): Promise<Page<SalaryBandView>> {
    await this.load(this.db.manager, id);
    const rows: { version: number; snapshot: SalaryBandView }[] = await this.db.query(
      `SELECT version, snapshot FROM salary_band_versions WHERE band_id = $1 AND version > $2 ORDER BY version LIMIT $3`,
      [id, decodeVersionCursor(cursor), limit + 1],
    );
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    return { data: page.map((r) => r.snapshot), nextCursor: more ? encodeVersionCursor(page[page.length - 1].version) : null };
  }

  async list(query: SalaryBandListQuery, afterId?: string): Promise<Page<SalaryBandView>> {
    if (query.inForceOn) requireCalendarDate(query.inForceOn, 'inForceOn');
    const rows: BandRow[] = await this.db.query(
      `SELECT ${BAND_COLUMNS} FROM salary_bands
        WHERE ($1::text IS NULL OR job_family = $1) AND ($2::text IS NULL OR level = $2) AND ($3::text IS NULL OR zone = $3)
          AND ($4::text IS NULL OR currency = $4) AND ($5::date IS NULL OR daterange(effective_from, effective_to, '[]') @> $5::date)
          AND ($6::uuid IS NULL OR id > $6)
        ORDER BY id LIMIT $7`,
      [query.jobFamily ?? null, query.level ?? null, query.zone ?? null, query.currency ?? null, query.inForceOn ?? null, afterId ?? null, query.limit + 1],
    );
    return toPage(rows, query.limit, toBandView);
  }

  /** The band's amounts in another currency and/or period, marked as converted, with the rate used. */
  async convert(band: SalaryBandView, conversion: ConversionQuery): Promise<ConvertedBand> {
    const currency = conversion.currency ?? band.currency;
    const period = conversion.period ?? band.period;
    if (conversion.asOf) requireCalendarDate(conversion.asOf, 'asOf');
    const rate = currency === band.currency ? null : await this.fx.rate(band.currency, currency, conversion.asOf);
    const to = (amount: string | null) =>
      amount === null
        ? null
        : formatAmount(
            convertMoney(
              parseAmount(amount, band.currency),
              { currency: band.currency, period: band.period },
              { currency, period },
              band.monthsPerYear,
              rate?.ratio ?? null,
            ),
            currency,
          );
    return {
      converted: true,
      currency,
      period,
      fx: rate?.used ?? null,
      baseMin: to(band.baseMin)!,
      baseMid: to(band.baseMid)!,
      baseMax: to(band.baseMax)!,
      signOnMin: to(band.signOnMin),
      signOnMax: to(band.signOnMax),
      equityMin: to(band.equityMin),
      equityMax: to(band.equityMax),
    };
  }

  async load(manager: EntityManager, id: string, lock = false): Promise<BandRow> {
    const [row]: BandRow[] = await manager.query(`SELECT ${BAND_COLUMNS} FROM salary_bands WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    if (!row) throw new NotFoundError('Salary band', id);
    return row;
  }

  private async overlapSafe(tx: EntityManager, f: Fields, write: () => Promise<BandRow[]>): Promise<BandRow[]> {
    await tx.query('SAVEPOINT band_write');
    try {
      return await write();
    } catch (error) {
      if ((error as { driverError?: { code?: string }; code?: string }).code !== EXCLUSION_VIOLATION) throw error;
      await tx.query('ROLLBACK TO SAVEPOINT band_write');
      const [other]: { id: string }[] = await tx.query(
        `SELECT id FROM salary_bands WHERE job_family = $1 AND level = $2 AND zone = $3 AND currency = $4
            AND daterange(effective_from, effective_to, '[]') && daterange($5::date, $6::date, '[]') LIMIT 1`,
        [f.jobFamily, f.level, f.zone, f.currency, f.effectiveFrom, f.effectiveTo],
      );
      throw new ConflictError('band_overlap', `Another ${f.jobFamily} ${f.level} band for ${f.zone} in ${f.currency} is in force on some of these days`, {
        conflictingBandId: other?.id,
      });
    }
  }

  private async snapshot(tx: EntityManager, row: BandRow, actor: Actor): Promise<void> {
    await tx.query(`INSERT INTO salary_band_versions (band_id, version, snapshot, created_by) VALUES ($1, $2, $3, $4)`, [
      row.id,
      row.version,
      JSON.stringify(toBandView(row)),
      actor.userId,
    ]);
    await this.events.publish(tx, {
      type: 'salary_band.version_created',
      actorId: actor.userId,
      payload: { bandId: row.id, version: row.version, jobFamily: row.job_family, level: row.level, zone: row.zone, currency: row.currency },
    });
  }
}

const encodeVersionCursor = (version: number) => Buffer.from(`v1:version:${version}`, 'utf8').toString('base64url');

function decodeVersionCursor(cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return 0;
  const match = /^v1:version:(\d{1,10})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new InvalidInputError('invalid_cursor', 'cursor is not one this API returned', [{ field: 'cursor', message: 'cursor is malformed' }]);
  return Number(match[1]);
}
