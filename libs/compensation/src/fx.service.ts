import { Clock, DomainEvents, InvalidInputError, isCalendarDay, newId, Page, RuleViolationError, toPage } from '@app/platform';
import { Actor, requireAdmin } from '@app/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { FxRateListQuery, FxRateUsed, FxRateView, PutFxRateDto } from './bands.dto';
import { CURRENCIES, Currency, divRound, formatRate, inverse, parseRate, RATE_SCALE, Ratio, ratioOf } from './money';

export function requireCalendarDate(value: string, field: string): void {
  if (!isCalendarDay(value)) throw new InvalidInputError('validation_failed', `${field} is not a day of the calendar`, [{ field, message: 'no such day' }]);
}

export interface Rate {
  /** The rate to 10 decimals, for storing and showing. */
  scaled: bigint;
  /** The exact rate, for converting. */
  ratio: Ratio;
  used: FxRateUsed;
}

interface RateRow {
  id: string;
  base: string;
  quote: string;
  rate: string;
  as_of: string;
  created_at: Date;
}

const toView = (r: RateRow): FxRateView => ({
  id: r.id,
  base: r.base,
  quote: r.quote,
  rate: formatRate(parseRate(r.rate)),
  asOf: r.as_of,
  createdAt: r.created_at.toISOString(),
});

/**
 * Exchange rates, one per currency pair and day. A conversion uses the latest rate on or before
 * the day asked, stored either way round (an inverse is computed exactly); none is a 422, never a guess.
 */
@Injectable()
export class FxRatesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly events: DomainEvents,
  ) {}

  async put(actor: Actor, base: string, quote: string, dto: PutFxRateDto): Promise<FxRateView> {
    requireAdmin(actor, 'set exchange rates');
    for (const [field, code] of [
      ['base', base],
      ['quote', quote],
    ] as const) {
      if (!(CURRENCIES as readonly string[]).includes(code)) {
        throw new InvalidInputError('validation_failed', `${field} must be one of ${CURRENCIES.join(', ')}`, [{ field, message: `unknown currency ${code}` }]);
      }
    }
    if (base === quote) throw new InvalidInputError('validation_failed', 'base and quote must differ', [{ field: 'quote', message: 'same as base' }]);
    requireCalendarDate(dto.asOf, 'asOf');
    const scaled = parseRate(dto.rate);
    return this.db.transaction(async (tx) => {
      const [row]: RateRow[] = await tx.query(
        `INSERT INTO fx_rates (id, base, quote, as_of, rate, created_by) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (base, quote, as_of) DO UPDATE SET rate = EXCLUDED.rate, created_by = EXCLUDED.created_by, created_at = now()
         RETURNING id, base, quote, rate::text, to_char(as_of, 'YYYY-MM-DD') AS as_of, created_at`,
        [newId(), base, quote, dto.asOf, formatRate(scaled), actor.userId],
      );
      const view = toView(row);
      await this.events.publish(tx, { type: 'fx_rate.set', actorId: actor.userId, payload: { base, quote, asOf: view.asOf, rate: view.rate } });
      return view;
    });
  }

  async list(query: FxRateListQuery, afterId?: string): Promise<Page<FxRateView>> {
    const rows: RateRow[] = await this.db.query(
      `SELECT id, base, quote, rate::text, to_char(as_of, 'YYYY-MM-DD') AS as_of, created_at FROM fx_rates
        WHERE ($1::text IS NULL OR base = $1) AND ($2::text IS NULL OR quote = $2) AND ($3::uuid IS NULL OR id > $3)
        ORDER BY id LIMIT $4`,
      [query.base ?? null, query.quote ?? null, afterId ?? null, query.limit + 1],
    );
    return toPage(rows, query.limit, toView);
  }

  /** Units of `to` per unit of `from` on `onDay` (YYYY-MM-DD), or a 422 naming the missing pair. */
  async rate(from: Currency, to: Currency, onDay: string = this.today(), manager: EntityManager = this.db.manager): Promise<Rate> {
    const rows: (RateRow & { inverted: boolean })[] = await manager.query(
      `SELECT base, quote, rate::text, to_char(as_of, 'YYYY-MM-DD') AS as_of, (base = $2) AS inverted FROM fx_rates
        WHERE ((base = $1 AND quote = $2) OR (base = $2 AND quote = $1)) AND as_of <= $3
        ORDER BY as_of DESC, (base = $1) DESC LIMIT 1`,
      [from, to, onDay],
    );
    const row = rows[0];
    if (!row) {
      throw new RuleViolationError('fx_rate_missing', `No ${from}/${to} exchange rate on or before ${onDay}; an admin must PUT /v1/fx-rates/${from}/${to}`, {
        base: from,
        quote: to,
        asOf: onDay,
      });
    }
    const stored = parseRate(row.rate);
    const ratio = row.inverted ? inverse(ratioOf(stored)) : ratioOf(stored);
    const scaled = row.inverted ? divRound(RATE_SCALE * RATE_SCALE, stored) : stored;
    return { scaled, ratio, used: { base: row.base, quote: row.quote, rate: formatRate(stored), asOf: row.as_of, inverted: row.inverted } };
  }

  today(): string {
    return this.clock.now().toISOString().slice(0, 10);
  }
}
