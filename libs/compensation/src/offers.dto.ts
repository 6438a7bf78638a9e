import { IsDateTime, NULLABLE_FIELDS, oneOfMessage, Trim } from '@app/platform';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { amount, date, FxRateUsed } from './bands.dto';
import { CURRENCIES, Currency, Period, PERIODS } from './money';

export const OFFER_STATUSES = ['draft', 'pending_approval', 'approved', 'sent', 'accepted', 'declined', 'expired', 'withdrawn'] as const;
export type OfferStatus = (typeof OFFER_STATUSES)[number];
export const OFFER_ACTIONS = ['submit', 'approve', 'reject', 'send', 'accept', 'decline', 'withdraw'] as const;
export type OfferAction = (typeof OFFER_ACTIONS)[number];

export class CreateOfferDto {
  static readonly [NULLABLE_FIELDS]: readonly string[] = ['signOn', 'equity'];
  @ApiProperty({ format: 'uuid' }) @IsUUID('all', { message: 'applicationId must be a UUID' }) applicationId: string;
  @ApiProperty({ format: 'uuid' }) @IsUUID('all', { message: 'salaryBandId must be a UUID' }) salaryBandId: string;
  @ApiProperty({ example: '85000.00' }) @amount('base') base: string;
  @ApiProperty({ enum: CURRENCIES, example: 'USD' }) @IsIn(CURRENCIES, oneOfMessage('currency', CURRENCIES)) currency: Currency;
  @ApiProperty({ enum: PERIODS, example: 'annual' }) @IsIn(PERIODS, oneOfMessage('period', PERIODS)) period: Period;
  @ApiPropertyOptional({ type: String, nullable: true, example: '30000.00' }) @IsOptional() @amount('signOn') signOn?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: '100000.00' }) @IsOptional() @amount('equity') equity?: string | null;
  @ApiProperty({ example: '2027-03-01' }) @date('startDate') startDate: string;
  @ApiProperty({ example: '2027-02-01T00:00:00Z' }) @IsDateTime() expiresAt: string;
}

export class UpdateOfferDto extends PartialType(CreateOfferDto) {
  static readonly [NULLABLE_FIELDS]: readonly string[] = ['signOn', 'equity'];
}

export class OfferActionDto {
  @ApiPropertyOptional({ description: 'Required to approve or reject', example: 'Matches the DeepMind counter-offer; approved.' })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, 2000)
  comment?: string;
}

export class OfferEvaluation {
  @ApiProperty({ format: 'uuid' }) salaryBandId: string;
  @ApiProperty() bandVersion: number;
  @ApiProperty({ enum: CURRENCIES }) bandCurrency: Currency;
  @ApiProperty({ enum: PERIODS }) bandPeriod: Period;
  @ApiProperty({ example: '42874.00' }) bandMin: string;
  @ApiProperty({ example: '42874.00' }) bandMid: string;
  @ApiProperty({ example: '42874.00' }) bandMax: string;
  @ApiProperty({ description: 'The offered base in the band currency and period', example: '41000.00' }) baseInBandTerms: string;
  @ApiProperty({ description: 'baseInBandTerms / bandMid', example: '0.9563' }) compaRatio: string;
  @ApiProperty() inBand: boolean;
  @ApiProperty({ description: 'Out-of-band offers need an admin to approve them' }) approvalRequired: boolean;
  @ApiProperty({ type: FxRateUsed, nullable: true, description: 'Rate used; pinned once the offer is approved' }) fx: FxRateUsed | null;
  @ApiProperty({ description: 'True when fx is the rate pinned at approval' }) fxPinned: boolean;
}

export class CompetingGap {
  @ApiProperty() employer: string;
  @ApiProperty({ description: "Their base in this offer's currency and period" }) base: string;
  @ApiProperty({ description: "This offer's base minus theirs (negative: we are below)" }) gap: string;
}

export class OfferView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) applicationId: string;
  @ApiProperty({ enum: OFFER_STATUSES }) status: OfferStatus;
  @ApiProperty({
    description:
      'Version of the terms, from 1: edits of a draft change its current version in place; once submitted, each PATCH makes a new version (its terms at /v1/offers/{id}/versions/{version}). State changes (submit, approve, send, accept, ...) never change it.',
  })
  version: number;
  @ApiProperty({ enum: CURRENCIES }) currency: Currency;
  @ApiProperty({ enum: PERIODS }) period: Period;
  @ApiProperty() base: string;
  @ApiProperty({ nullable: true, type: String }) signOn: string | null;
  @ApiProperty({ nullable: true, type: String }) equity: string | null;
  @ApiProperty() startDate: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty({ nullable: true, type: String, description: 'Why the offer is in its state (e.g. sent back for approval after a rate change)' }) statusReason:
    string | null;
  @ApiProperty({ type: OfferEvaluation }) evaluation: OfferEvaluation;
  @ApiProperty({ type: CompetingGap, nullable: true }) strongestCompetingOffer: CompetingGap | null;
  @ApiProperty({ enum: OFFER_ACTIONS, isArray: true }) allowedActions: OfferAction[];
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class OfferTermsView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) applicationId: string;
  @ApiProperty({ enum: OFFER_STATUSES, description: 'The status when these terms were last current' }) status: OfferStatus;
  @ApiProperty() version: number;
  @ApiProperty({ enum: CURRENCIES }) currency: Currency;
  @ApiProperty({ enum: PERIODS }) period: Period;
  @ApiProperty({ example: '42874.00' }) base: string;
  @ApiProperty({ nullable: true, type: String }) signOn: string | null;
  @ApiProperty({ nullable: true, type: String }) equity: string | null;
  @ApiProperty({ format: 'date' }) startDate: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty({ nullable: true, type: String }) statusReason: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class OfferEventView {
  @ApiProperty({ nullable: true, enum: OFFER_STATUSES, type: String }) from: OfferStatus | null;
  @ApiProperty({ enum: OFFER_STATUSES }) to: OfferStatus;
  @ApiProperty() offerVersion: number;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Null for the scheduler (expiry) and rate re-checks' }) actorId: string | null;
  @ApiProperty({ nullable: true, type: String }) comment: string | null;
  @ApiProperty({ format: 'date-time' }) at: string;
}

export class CreateCompetingOfferDto {
  static readonly [NULLABLE_FIELDS]: readonly string[] = ['bonus', 'equity'];
  @ApiProperty({ example: 'Google DeepMind' }) @Trim() @IsString() @Length(1, 200) employer: string;
  @ApiProperty({ example: '320000.00' }) @amount('base') base: string;
  @ApiPropertyOptional({ type: String, nullable: true, example: '60000.00' }) @IsOptional() @amount('bonus') bonus?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: '400000.00' }) @IsOptional() @amount('equity') equity?: string | null;
  @ApiProperty({ enum: CURRENCIES }) @IsIn(CURRENCIES, oneOfMessage('currency', CURRENCIES)) currency: Currency;
  @ApiProperty({ enum: PERIODS }) @IsIn(PERIODS, oneOfMessage('period', PERIODS)) period: Period;
}

export class CompetingOfferView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) applicationId: string;
  @ApiProperty() employer: string;
  @ApiProperty() base: string;
  @ApiProperty({ nullable: true, type: String }) bonus: string | null;
  @ApiProperty({ nullable: true, type: String }) equity: string | null;
  @ApiProperty({ enum: CURRENCIES }) currency: Currency;
  @ApiProperty({ enum: PERIODS }) period: Period;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}
