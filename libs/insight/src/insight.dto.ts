import { SOURCES, STAGES } from '@app/candidates';
import { CURRENCIES, Currency } from '@app/compensation';
import { PageQuery } from '@app/platform';
import { IsIanaTimeZone, SKILL_AREAS } from '@app/task-forces';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Matches } from 'class-validator';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const FORMATS = ['json', 'csv'] as const;

/** What every report takes: a scope and a period of whole days where the reader is. */
export class InsightQuery {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Only this task force; without it, every task force the caller sees (admins: also the whole pool where a report has one)',
  })
  @IsOptional()
  @IsUUID('all', { message: 'taskForceId must be a UUID' })
  taskForceId?: string;

  @ApiPropertyOptional({
    format: 'date',
    description: 'First day of the period, in timeZone (default: 83 days before to, twelve weeks in all)',
    example: '2026-09-01',
  })
  @IsOptional()
  @IsString()
  @Matches(DAY, { message: 'from must be a day (YYYY-MM-DD)' })
  from?: string;

  @ApiPropertyOptional({
    format: 'date',
    description: 'Last day of the period, included, in timeZone (default: today there). At most 731 days from from.',
    example: '2026-11-30',
  })
  @IsOptional()
  @IsString()
  @Matches(DAY, { message: 'to must be a day (YYYY-MM-DD)' })
  to?: string;

  @ApiPropertyOptional({ description: "IANA time zone the period's days are in", default: 'UTC', example: 'Asia/Shanghai' })
  @IsOptional()
  @IsIanaTimeZone()
  timeZone?: string;

  @ApiPropertyOptional({ enum: FORMATS, default: 'json', description: 'csv answers one table of the report (see table) as text/csv; so does Accept: text/csv' })
  @IsOptional()
  @IsIn(FORMATS, { message: `format must be one of: ${FORMATS.join(', ')}` })
  format?: (typeof FORMATS)[number];
}

export const MARKET_TABLES = ['skill-areas', 'employers', 'locations', 'visas', 'trend'] as const;
export class MarketQuery extends InsightQuery {
  @ApiPropertyOptional({ enum: MARKET_TABLES, default: 'skill-areas', description: 'The table a CSV answer holds' })
  @IsOptional()
  @IsIn(MARKET_TABLES, { message: `table must be one of: ${MARKET_TABLES.join(', ')}` })
  table?: (typeof MARKET_TABLES)[number];
}

export const FUNNEL_TABLES = ['stages', 'drop-offs', 'task-forces'] as const;
export class FunnelQuery extends InsightQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only applications for this opening' })
  @IsOptional()
  @IsUUID('all', { message: 'openingId must be a UUID' })
  openingId?: string;

  @ApiPropertyOptional({ enum: SOURCES, description: "Only candidates from this source (the candidate's source now)" })
  @IsOptional()
  @IsIn(SOURCES, { message: `source must be one of: ${SOURCES.join(', ')}` })
  source?: (typeof SOURCES)[number];

  @ApiPropertyOptional({ enum: FUNNEL_TABLES, default: 'stages', description: 'The table a CSV answer holds' })
  @IsOptional()
  @IsIn(FUNNEL_TABLES, { message: `table must be one of: ${FUNNEL_TABLES.join(', ')}` })
  table?: (typeof FUNNEL_TABLES)[number];
}

export class OpeningsReportQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'taskForceId must be a UUID' })
  taskForceId?: string;

  @ApiPropertyOptional({ enum: FORMATS, default: 'json' })
  @IsOptional()
  @IsIn(FORMATS, { message: `format must be one of: ${FORMATS.join(', ')}` })
  format?: (typeof FORMATS)[number];
}

export const OUTREACH_TABLES = ['steps', 'employers', 'skill-areas', 'send-times'] as const;
export class OutreachReportQuery extends InsightQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only this sequence' })
  @IsOptional()
  @IsUUID('all', { message: 'sequenceId must be a UUID' })
  sequenceId?: string;

  @ApiPropertyOptional({ enum: OUTREACH_TABLES, default: 'steps', description: 'The table a CSV answer holds' })
  @IsOptional()
  @IsIn(OUTREACH_TABLES, { message: `table must be one of: ${OUTREACH_TABLES.join(', ')}` })
  table?: (typeof OUTREACH_TABLES)[number];
}

export const OFFER_TABLES = ['summary', 'decline-reasons', 'bands', 'competitors', 'rates'] as const;
export class OffersReportQuery extends InsightQuery {
  @ApiPropertyOptional({ enum: CURRENCIES, default: 'USD', description: 'Currency the gaps to competing offers are compared in (annual amounts)' })
  @IsOptional()
  @IsIn(CURRENCIES, { message: `currency must be one of: ${CURRENCIES.join(', ')}` })
  currency?: Currency;

  @ApiPropertyOptional({ enum: OFFER_TABLES, default: 'summary', description: 'The table a CSV answer holds' })
  @IsOptional()
  @IsIn(OFFER_TABLES, { message: `table must be one of: ${OFFER_TABLES.join(', ')}` })
  table?: (typeof OFFER_TABLES)[number];
}

export class PeriodView {
  @ApiProperty({ format: 'date' }) from: string;
  @ApiProperty({ format: 'date', description: 'Included' }) to: string;
  @ApiProperty({ example: 'Asia/Shanghai' }) timeZone: string;
  @ApiProperty({ format: 'date-time', description: 'The instant the first day begins' }) start: string;
  @ApiProperty({ format: 'date-time', description: 'The instant after the last day ends' }) end: string;
}

export class Freshness {
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'When the facts this report reads were last brought up to date; null before the first pass',
  })
  asOf: string | null;
}

// Market
export class MarketRow {
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'null: the whole pool (admins only)' }) taskForceId: string | null;
  @ApiProperty({ enum: SKILL_AREAS }) skillArea: string;
  @ApiProperty({ description: 'Candidates with the skill area, not hired, not opted out, not erased (a task force: those with an open application there)' })
  supply: number;
  @ApiProperty({ description: 'Of those, with an email address not on the suppression list' }) reachable: number;
  @ApiProperty({ description: 'Of those, whose visa status needs an employer petition (docs/insight.md)' }) needsSponsorship: number;
  @ApiProperty({ description: 'Open headcount: headcount of open openings minus their hires' }) demand: number;
  @ApiProperty({ nullable: true, type: Number, description: 'supply / demand, 2 decimals; null without demand' }) ratio: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'reachable / demand, 2 decimals' }) reachableRatio: number | null;
}
export class MarketTopRow {
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) taskForceId: string | null;
  @ApiProperty({ enum: SKILL_AREAS }) skillArea: string;
  @ApiProperty({ description: 'The employer, location or visa status' }) value: string;
  @ApiProperty() candidates: number;
  @ApiProperty({ description: 'Share of the skill area’s supply, 4 decimals' }) share: number;
}
export class MarketWeekRow {
  @ApiProperty({ format: 'date', description: 'Monday of the week (UTC)' }) week: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) taskForceId: string | null;
  @ApiProperty({ enum: SKILL_AREAS }) skillArea: string;
  @ApiProperty() supply: number;
  @ApiProperty() reachable: number;
  @ApiProperty() demand: number;
  @ApiProperty({ nullable: true, type: Number }) ratio: number | null;
}
export class MarketReport extends Freshness {
  @ApiProperty({ type: PeriodView, description: 'The weeks of the trend' }) period: PeriodView;
  @ApiProperty({ type: [MarketRow] }) skillAreas: MarketRow[];
  @ApiProperty({ type: [MarketTopRow], description: 'Top 10 current employers per scope and skill area' }) employers: MarketTopRow[];
  @ApiProperty({ type: [MarketTopRow], description: 'Top 10 locations' }) locations: MarketTopRow[];
  @ApiProperty({ type: [MarketTopRow], description: 'Every visa status' }) visas: MarketTopRow[];
  @ApiProperty({ type: [MarketWeekRow], description: 'One row per week of the period the worker recorded' }) trend: MarketWeekRow[];
}

// Funnel
export class FunnelStageRow {
  @ApiProperty({ enum: STAGES }) stage: string;
  @ApiProperty({ description: 'Applications that entered the stage in the period' }) entered: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Of those, how many went on past it (any later open stage, or hired); null for closed stages' })
  advanced: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'advanced / entered, 4 decimals' }) conversion: number | null;
  @ApiProperty({ description: 'Of those that entered, how many have left the stage' }) left: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Median days in the stage of those that left it' }) medianDays: number | null;
  @ApiProperty({ nullable: true, type: Number, description: '90th percentile of the same' }) p90Days: number | null;
}
export class DropOffRow {
  @ApiProperty({ enum: ['rejected', 'withdrawn'] }) stage: string;
  @ApiProperty() reason: string;
  @ApiProperty({ enum: STAGES, description: 'The stage they left from' }) fromStage: string;
  @ApiProperty() applications: number;
}
export class FunnelTaskForceRow {
  @ApiProperty({ format: 'uuid' }) taskForceId: string;
  @ApiProperty() name: string;
  @ApiProperty() headcountTarget: number;
  @ApiProperty({ description: 'Hires in the period' }) hires: number;
  @ApiProperty({ description: 'Hires ever' }) hiresToDate: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Median days from entering the pipeline to hired, for hires in the period' }) medianDaysToHire:
    number | null;
  @ApiProperty({ nullable: true, type: Number }) p90DaysToHire: number | null;
}
export class FunnelReport {
  @ApiProperty({ type: PeriodView }) period: PeriodView;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) asOf: string | null;
  @ApiProperty({ type: [FunnelStageRow] }) stages: FunnelStageRow[];
  @ApiProperty({ type: [DropOffRow] }) dropOffs: DropOffRow[];
  @ApiProperty({
    type: [FunnelTaskForceRow],
    description: 'Hires against each task force’s headcount target (filters on opening and source apply to the hires)',
  })
  taskForces: FunnelTaskForceRow[];
}
export class OpeningReportRow {
  @ApiProperty({ format: 'uuid' }) openingId: string;
  @ApiProperty({ format: 'uuid' }) taskForceId: string;
  @ApiProperty() title: string;
  @ApiProperty({ enum: SKILL_AREAS }) skillArea: string;
  @ApiProperty() level: string;
  @ApiProperty() status: string;
  @ApiProperty() headcount: number;
  @ApiProperty() hires: number;
  @ApiProperty({ format: 'date-time' }) openedAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'When the hire that reached the headcount happened' }) filledAt: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Days from opening to filledAt' }) daysToFill: number | null;
  @ApiProperty({ nullable: true, type: Number, description: "Median days from an application's first stage to hired, over the opening's hires" })
  medianDaysToHire: number | null;
}
export class OpeningReportPage {
  @ApiProperty({ type: [OpeningReportRow] }) data: OpeningReportRow[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) asOf: string | null;
}

// Outreach
export class OutreachCounts {
  @ApiProperty({ description: 'Steps SMTP accepted' }) sent: number;
  @ApiProperty({ description: 'Sent and not bounced afterwards' }) delivered: number;
  @ApiProperty({ description: 'Refused by SMTP or reported by a bounce' }) bounced: number;
  @ApiProperty() replied: number;
  @ApiProperty() unsubscribed: number;
  @ApiProperty({ description: 'Whether SMTP took them is unknown' }) uncertain: number;
  @ApiProperty({ nullable: true, type: Number, description: 'replied / delivered, 4 decimals; null when nothing was delivered' }) replyRate: number | null;
  @ApiProperty({ description: 'The sample the rate is of (delivered)' }) sampleSize: number;
}
export class OutreachStepRow extends OutreachCounts {
  @ApiProperty({ format: 'uuid' }) sequenceId: string;
  @ApiProperty() sequenceName: string;
  @ApiProperty() version: number;
  @ApiProperty() step: number;
}
export class OutreachEmployerRow extends OutreachCounts {
  @ApiProperty({ nullable: true, type: String, description: 'Current employer when written to; null: unknown or erased' }) employer: string | null;
  @ApiProperty({ description: "One of the task forces' target employers" }) target: boolean;
}
export class OutreachSkillAreaRow extends OutreachCounts {
  @ApiProperty({ enum: SKILL_AREAS }) skillArea: string;
}
export class OutreachSendTimeRow extends OutreachCounts {
  @ApiProperty({ minimum: 1, maximum: 7, description: 'ISO weekday in the candidate’s time zone (1 = Monday)' }) weekday: number;
  @ApiProperty({ minimum: 0, maximum: 23, description: 'Hour in the candidate’s time zone' }) hour: number;
}
export class OutreachReport {
  @ApiProperty({ type: PeriodView }) period: PeriodView;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) asOf: string | null;
  @ApiProperty({ type: OutreachCounts }) total: OutreachCounts;
  @ApiProperty({ type: [OutreachStepRow], description: 'At most 500 rows, the sequences with most sends first' }) steps: OutreachStepRow[];
  @ApiProperty({ type: [OutreachEmployerRow], description: 'The 25 employers with most sends' }) employers: OutreachEmployerRow[];
  @ApiProperty({ type: [OutreachSkillAreaRow] }) skillAreas: OutreachSkillAreaRow[];
  @ApiProperty({ type: [OutreachSendTimeRow], description: 'Weekday x hour cells that have sends' }) sendTimes: OutreachSendTimeRow[];
}

// Offers
export class RateUsed {
  @ApiProperty() base: string;
  @ApiProperty() quote: string;
  @ApiProperty({ example: '7.1000' }) rate: string;
  @ApiProperty({ format: 'date' }) asOf: string;
}
export class OfferSummary {
  @ApiProperty({ description: 'Offers first sent in the period' }) sent: number;
  @ApiProperty() accepted: number;
  @ApiProperty() declined: number;
  @ApiProperty() expired: number;
  @ApiProperty() withdrawn: number;
  @ApiProperty({ description: 'Sent, not yet answered' }) open: number;
  @ApiProperty({ nullable: true, type: Number, description: 'accepted / (accepted + declined + expired), 4 decimals' }) acceptanceRate: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Median days from first sent to accepted or declined' }) medianDaysToAnswer: number | null;
  @ApiProperty({ nullable: true, type: Number }) p90DaysToAnswer: number | null;
  @ApiProperty({ description: 'Out-of-band offers an admin approved in the period' }) outOfBandApprovals: number;
}
export class DeclineReasonRow {
  @ApiProperty({ description: 'The reason given when declining; "(none)" when none was' }) reason: string;
  @ApiProperty() offers: number;
}
export class BandCompaRow {
  @ApiProperty({ format: 'uuid' }) salaryBandId: string;
  @ApiProperty() jobFamily: string;
  @ApiProperty() level: string;
  @ApiProperty() zone: string;
  @ApiProperty() currency: string;
  @ApiProperty() period: string;
  @ApiProperty() offers: number;
  @ApiProperty({ description: 'Outside the band (compa-ratio below its min or above its max)' }) outOfBand: number;
  @ApiProperty({ nullable: true, type: Number }) minCompaRatio: number | null;
  @ApiProperty({ nullable: true, type: Number }) p25CompaRatio: number | null;
  @ApiProperty({ nullable: true, type: Number }) medianCompaRatio: number | null;
  @ApiProperty({ nullable: true, type: Number }) p75CompaRatio: number | null;
  @ApiProperty({ nullable: true, type: Number }) maxCompaRatio: number | null;
}
export class CompetitorRow {
  @ApiProperty() employer: string;
  @ApiProperty({ description: 'Competing offers recorded against our offers sent in the period' }) offers: number;
  @ApiProperty({ description: 'Of those, convertible (a rate was known)' }) compared: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Median of (their annual base - ours) / ours, 4 decimals; positive: they pay more' }) medianGap:
    number | null;
  @ApiProperty({ nullable: true, type: String, description: 'Median of their annual base, in the chosen currency' }) medianTheirBase: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Median of our annual base against them' }) medianOurBase: string | null;
  @ApiProperty({ description: 'Offers we lost (declined or expired) where this employer had an offer' }) lost: number;
}
export class OffersReport {
  @ApiProperty({ type: PeriodView }) period: PeriodView;
  @ApiProperty({ format: 'date-time', description: 'Offers are read from their own tables, so this is the moment of the answer' }) asOf: string;
  @ApiProperty({ enum: CURRENCIES }) currency: string;
  @ApiProperty({ type: OfferSummary }) summary: OfferSummary;
  @ApiProperty({ type: [DeclineReasonRow] }) declineReasons: DeclineReasonRow[];
  @ApiProperty({ type: [BandCompaRow], description: 'At most 200 bands, most offers first' }) bands: BandCompaRow[];
  @ApiProperty({ type: [CompetitorRow], description: 'The 25 employers with most competing offers' }) competitors: CompetitorRow[];
  @ApiProperty({
    type: [RateUsed],
    description:
      "Every stored rate a conversion of this answer used: the latest on or before the period's last day. An offer's own pinned rate (the one its approval used) is not listed.",
  })
  rates: RateUsed[];
}
