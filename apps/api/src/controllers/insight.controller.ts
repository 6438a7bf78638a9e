import {
  FUNNEL_TABLES,
  FunnelQuery,
  FunnelReport,
  InsightService,
  MARKET_TABLES,
  MarketQuery,
  MarketReport,
  OFFER_TABLES,
  OffersReport,
  OffersReportQuery,
  OpeningReportPage,
  OpeningsReportQuery,
  OUTREACH_TABLES,
  OutreachReport,
  OutreachReportQuery,
  toCsv,
} from '@app/insight';
import { Actor } from '@app/users';
import { CurrentActor } from '@app/web';
import { applyDecorators, Controller, Get, Headers, Query, Res, Type } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiProblems } from '../openapi/decorators';

/** A report answers JSON, or one of its tables as CSV (format=csv, or Accept: text/csv). */
function ReportResponse(model: Type, tables: readonly string[]) {
  return applyDecorators(
    ApiExtraModels(model),
    ApiOkResponse({
      description: `JSON, or as text/csv one of the tables: ${tables.join(', ')}`,
      content: {
        'application/json': { schema: { $ref: getSchemaPath(model) } },
        'text/csv': { schema: { type: 'string', description: 'RFC 4180, a header row first' } },
      },
    }),
    ApiProblems(400, 401, 404),
  );
}

/**
 * The report as JSON, or one of its tables as CSV when `format=csv` (or, without `format`, when
 * the client accepts text/csv first).
 */
function answer<R>(
  report: R,
  q: { format?: string },
  accept: string | undefined,
  reply: FastifyReply,
  name: string,
  table: string,
  tables: Record<string, readonly object[]>,
) {
  const csv = q.format ? q.format === 'csv' : /^\s*text\/csv\b/i.test(accept ?? '');
  if (!csv) return report;
  const records = tables[table].map((r) => r as Record<string, unknown>);
  reply.header('content-type', 'text/csv; charset=utf-8');
  reply.header('content-disposition', `attachment; filename="${name}-${table}.csv"`);
  return toCsv(records.length ? Object.keys(records[0]) : [], records);
}

@ApiTags('insight')
@ApiBearerAuth()
@Controller('v1/insight')
export class InsightController {
  constructor(private readonly insight: InsightService) {}

  @Get('market')
  @ApiOperation({
    summary:
      'Talent market per skill area: supply, reachable supply and open headcount with their ratio, top employers and locations, visa mix, and the weekly trend (admins: the whole pool; recruiters: their task forces)',
  })
  @ReportResponse(MarketReport, MARKET_TABLES)
  async market(
    @CurrentActor() actor: Actor,
    @Query() q: MarketQuery,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const r = await this.insight.market(actor, q);
    const tables = { 'skill-areas': r.skillAreas, employers: r.employers, locations: r.locations, visas: r.visas, trend: r.trend };
    return answer(r, q, accept, reply, 'market', q.table ?? 'skill-areas', tables);
  }

  @Get('funnel')
  @ApiOperation({
    summary:
      'Pipeline funnel over a period: entries per stage, conversion to later stages, time in stage, drop-off reasons, hires against headcount targets; by task force, opening and source',
  })
  @ReportResponse(FunnelReport, FUNNEL_TABLES)
  async funnel(
    @CurrentActor() actor: Actor,
    @Query() q: FunnelQuery,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const r = await this.insight.funnel(actor, q);
    return answer(r, q, accept, reply, 'funnel', q.table ?? 'stages', { stages: r.stages, 'drop-offs': r.dropOffs, 'task-forces': r.taskForces });
  }

  @Get('funnel/openings')
  @ApiOperation({ summary: 'Per opening: hires against headcount, time to fill and time to hire (a page of openings)' })
  @ReportResponse(OpeningReportPage, ['openings'])
  async openings(
    @CurrentActor() actor: Actor,
    @Query() q: OpeningsReportQuery,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const page = await this.insight.openings(actor, q);
    if (page.nextCursor) reply.header('x-next-cursor', page.nextCursor);
    return answer(page, q, accept, reply, 'funnel', 'openings', { openings: page.data });
  }

  @Get('outreach')
  @ApiOperation({
    summary:
      'Outreach results over a period: per sequence, version and step; by target employer and skill area; by weekday and hour in the candidate’s time zone. Reply rates come with their sample size',
  })
  @ReportResponse(OutreachReport, OUTREACH_TABLES)
  async outreach(
    @CurrentActor() actor: Actor,
    @Query() q: OutreachReportQuery,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const r = await this.insight.outreach(actor, q);
    const tables = { steps: r.steps, employers: r.employers, 'skill-areas': r.skillAreas, 'send-times': r.sendTimes };
    return answer(r, q, accept, reply, 'outreach', q.table ?? 'steps', tables);
  }

  @Get('offers')
  @ApiOperation({
    summary:
      'Offers sent in a period: acceptance, decline reasons, time to answer, compa-ratio per band, out-of-band approvals, and the gap to competing offers by employer in one currency (with the rates used)',
  })
  @ReportResponse(OffersReport, OFFER_TABLES)
  async offers(
    @CurrentActor() actor: Actor,
    @Query() q: OffersReportQuery,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const r = await this.insight.offers(actor, q);
    const summary = [{ currency: r.currency, from: r.period.from, to: r.period.to, timeZone: r.period.timeZone, ...r.summary }];
    const tables = { summary, 'decline-reasons': r.declineReasons, bands: r.bands, competitors: r.competitors, rates: r.rates };
    return answer(r, q, accept, reply, 'offers', q.table ?? 'summary', tables);
  }
}
