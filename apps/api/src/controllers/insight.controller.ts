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

function wantsCsv(format: string | undefined, accept: string | undefined): boolean {
  if (format) return format === 'csv';
  return /^\s*text\/csv\b/i.test(accept ?? '');
}

function csv(reply: FastifyReply, name: string, rows: readonly object[]): string {
  const records = rows.map((r) => r as Record<string, unknown>);
  const columns = records.length ? Object.keys(records[0]) : [];
  reply.header('content-type', 'text/csv; charset=utf-8');
  reply.header('content-disposition', `attachment; filename="${name}.csv"`);
  return toCsv(columns, records);
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
    const report = await this.insight.market(actor, q);
    if (!wantsCsv(q.format, accept)) return report;
    const table = q.table ?? 'skill-areas';
    const rows = { 'skill-areas': report.skillAreas, employers: report.employers, locations: report.locations, visas: report.visas, trend: report.trend }[
      table
    ];
    return csv(reply, `market-${table}`, rows);
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
    const report = await this.insight.funnel(actor, q);
    if (!wantsCsv(q.format, accept)) return report;
    const table = q.table ?? 'stages';
    const rows = { stages: report.stages, 'drop-offs': report.dropOffs, 'task-forces': report.taskForces }[table];
    return csv(reply, `funnel-${table}`, rows);
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
    if (!wantsCsv(q.format, accept)) return page;
    if (page.nextCursor) reply.header('x-next-cursor', page.nextCursor);
    return csv(reply, 'funnel-openings', page.data);
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
    const report = await this.insight.outreach(actor, q);
    if (!wantsCsv(q.format, accept)) return report;
    const table = q.table ?? 'steps';
    const rows = { steps: report.steps, employers: report.employers, 'skill-areas': report.skillAreas, 'send-times': report.sendTimes }[table];
    return csv(reply, `outreach-${table}`, rows);
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
    const report = await this.insight.offers(actor, q);
    if (!wantsCsv(q.format, accept)) return report;
    const table = q.table ?? 'summary';
    const rows = {
      summary: [{ currency: report.currency, from: report.period.from, to: report.period.to, timeZone: report.period.timeZone, ...report.summary }],
      'decline-reasons': report.declineReasons,
      bands: report.bands,
      competitors: report.competitors,
      rates: report.rates,
    }[table];
    return csv(reply, `offers-${table}`, rows);
  }
}
