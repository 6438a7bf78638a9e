import { IsCalendarDay, NULLABLE_FIELDS, oneOfMessage, PageQuery } from '@app/platform';
import { LEVEL_PATTERN, SKILL_AREAS, SkillArea } from '@app/task-forces';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { CURRENCIES, Currency, Period, PERIODS } from './money';

/** Location zones bands are set for (docs/compensation.md). */
export const ZONES = [
  'us-bay-area',
  'us-seattle',
  'us-new-york',
  'us-remote',
  'cn-beijing',
  'cn-shanghai',
  'cn-hangzhou',
  'cn-shenzhen',
  'sg-singapore',
  'kr-seoul',
] as const;
export type Zone = (typeof ZONES)[number];

const AMOUNT = /^\d{1,15}(\.\d{1,2})?$/;
/** A decimal string in major units; the currency's own decimals are checked when it is parsed. */
export const amount = (field: string) => Matches(AMOUNT, { message: `${field} must be a decimal string in major units, such as "42874.00"` });
/** A day, YYYY-MM-DD, that exists in the calendar. */
export const date = (field: string) => IsCalendarDay({ message: `${field} must be a day of the calendar such as 2027-01-01` });

export const BAND_NULLABLE = ['signOnMin', 'signOnMax', 'equityMin', 'equityMax', 'effectiveTo'] as const;

export class CreateSalaryBandDto {
  static readonly [NULLABLE_FIELDS]: readonly string[] = BAND_NULLABLE;

  @ApiProperty({ enum: SKILL_AREAS, example: 'llm' }) @IsIn(SKILL_AREAS, oneOfMessage('jobFamily', SKILL_AREAS)) jobFamily: SkillArea;
  @ApiProperty({ example: 'P8' }) @IsString() @Matches(LEVEL_PATTERN, { message: 'level must be one of P4-P12, L3-L10 or T3-T11' }) level: string;
  @ApiProperty({ enum: ZONES, example: 'cn-beijing' }) @IsIn(ZONES, oneOfMessage('zone', ZONES)) zone: Zone;
  @ApiProperty({ enum: CURRENCIES, example: 'CNY' }) @IsIn(CURRENCIES, oneOfMessage('currency', CURRENCIES)) currency: Currency;
  @ApiProperty({ enum: PERIODS, example: 'monthly' }) @IsIn(PERIODS, oneOfMessage('period', PERIODS)) period: Period;
  @ApiPropertyOptional({ example: 14, default: 12, description: 'Months of pay a year (13- and 14-month pay are common in China)' })
  @IsOptional()
  @IsInt()
  @Min(12)
  @Max(16)
  monthsPerYear?: number;
  @ApiProperty({ example: '36000.00' }) @amount('baseMin') baseMin: string;
  @ApiProperty({ example: '42874.00' }) @amount('baseMid') baseMid: string;
  @ApiProperty({ example: '52000.00' }) @amount('baseMax') baseMax: string;
  @ApiPropertyOptional({ type: String, nullable: true, example: '50000.00' }) @IsOptional() @amount('signOnMin') signOnMin?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: '150000.00' }) @IsOptional() @amount('signOnMax') signOnMax?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: '0.00', description: 'Equity value for the period, in the band currency' })
  @IsOptional()
  @amount('equityMin')
  equityMin?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: '200000.00' }) @IsOptional() @amount('equityMax') equityMax?: string | null;
  @ApiProperty({ example: '2027-01-01', description: 'First day in force' }) @date('effectiveFrom') effectiveFrom: string;
  @ApiPropertyOptional({ type: String, nullable: true, example: '2027-12-31', description: 'Last day in force; open-ended if absent' })
  @IsOptional()
  @date('effectiveTo')
  effectiveTo?: string | null;
}

export class UpdateSalaryBandDto extends PartialType(CreateSalaryBandDto) {
  static readonly [NULLABLE_FIELDS] = BAND_NULLABLE;
}

export class SalaryBandListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: SKILL_AREAS }) @IsOptional() @IsIn(SKILL_AREAS, oneOfMessage('jobFamily', SKILL_AREAS)) jobFamily?: SkillArea;
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(LEVEL_PATTERN, { message: 'level must be one of P4-P12, L3-L10 or T3-T11' }) level?: string;
  @ApiPropertyOptional({ enum: ZONES }) @IsOptional() @IsIn(ZONES, oneOfMessage('zone', ZONES)) zone?: Zone;
  @ApiPropertyOptional({ enum: CURRENCIES }) @IsOptional() @IsIn(CURRENCIES, oneOfMessage('currency', CURRENCIES)) currency?: Currency;
  @ApiPropertyOptional({ example: '2027-03-01', description: 'Only bands in force on this day' }) @IsOptional() @date('inForceOn') inForceOn?: string;
}

export class ConversionQuery {
  @ApiPropertyOptional({ enum: CURRENCIES }) @IsOptional() @IsIn(CURRENCIES, oneOfMessage('currency', CURRENCIES)) currency?: Currency;
  @ApiPropertyOptional({ enum: PERIODS }) @IsOptional() @IsIn(PERIODS, oneOfMessage('period', PERIODS)) period?: Period;
  @ApiPropertyOptional({ example: '2027-03-01', description: 'Use the latest rate on or before this day (today by default)' })
  @IsOptional()
  @date('asOf')
  asOf?: string;
}

export class FxRateUsed {
  @ApiProperty({ example: 'CNY' }) base: string;
  @ApiProperty({ example: 'USD' }) quote: string;
  @ApiProperty({ example: '0.138', description: 'Units of quote per unit of base' }) rate: string;
  @ApiProperty({ example: '2026-11-01' }) asOf: string;
  @ApiProperty({ description: 'True when the stored rate was quote/base and was inverted' }) inverted: boolean;
}

export class ConvertedBand {
  @ApiProperty({ example: true }) converted: true;
  @ApiProperty({ enum: CURRENCIES }) currency: Currency;
  @ApiProperty({ enum: PERIODS }) period: Period;
  @ApiProperty({ type: FxRateUsed, nullable: true }) fx: FxRateUsed | null;
  @ApiProperty() baseMin: string;
  @ApiProperty() baseMid: string;
  @ApiProperty() baseMax: string;
  @ApiProperty({ nullable: true, type: String }) signOnMin: string | null;
  @ApiProperty({ nullable: true, type: String }) signOnMax: string | null;
  @ApiProperty({ nullable: true, type: String }) equityMin: string | null;
  @ApiProperty({ nullable: true, type: String }) equityMax: string | null;
}

export class SalaryBandView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'Grows by one on every change; offers keep the version they were checked against' }) version: number;
  @ApiProperty({ enum: SKILL_AREAS }) jobFamily: SkillArea;
  @ApiProperty() level: string;
  @ApiProperty({ enum: ZONES }) zone: Zone;
  @ApiProperty({ enum: CURRENCIES }) currency: Currency;
  @ApiProperty({ enum: PERIODS }) period: Period;
  @ApiProperty() monthsPerYear: number;
  @ApiProperty({ example: '36000.00' }) baseMin: string;
  @ApiProperty({ example: '42874.00' }) baseMid: string;
  @ApiProperty({ example: '52000.00' }) baseMax: string;
  @ApiProperty({ nullable: true, type: String }) signOnMin: string | null;
  @ApiProperty({ nullable: true, type: String }) signOnMax: string | null;
  @ApiProperty({ nullable: true, type: String }) equityMin: string | null;
  @ApiProperty({ nullable: true, type: String }) equityMax: string | null;
  @ApiProperty({ example: '2027-01-01' }) effectiveFrom: string;
  @ApiProperty({ nullable: true, type: String }) effectiveTo: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiPropertyOptional({ type: ConvertedBand, description: 'Present when ?currency= or ?period= asked for a conversion' }) converted?: ConvertedBand;
}

export class PutFxRateDto {
  @ApiProperty({ example: '0.1380', description: 'Units of quote per unit of base, at most 10 decimals' }) @IsString() rate: string;
  @ApiProperty({ example: '2026-11-01' }) @date('asOf') asOf: string;
}

export class FxRateListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: CURRENCIES }) @IsOptional() @IsIn(CURRENCIES, oneOfMessage('base', CURRENCIES)) base?: Currency;
  @ApiPropertyOptional({ enum: CURRENCIES }) @IsOptional() @IsIn(CURRENCIES, oneOfMessage('quote', CURRENCIES)) quote?: Currency;
}

export class FxRateView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() base: string;
  @ApiProperty() quote: string;
  @ApiProperty({ example: '0.138' }) rate: string;
  @ApiProperty({ example: '2026-11-01' }) asOf: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class FxRateSetView extends FxRateView {
  @ApiProperty({
    description:
      'Approved offers pinned on this pair, queued to be re-checked at the new rate by the worker (one job each); those it puts out of band go back to pending_approval and announce offer.returned_for_approval with cause rate_changed',
  })
  offersToRecheck: number;
}
