import { oneOfMessage, PageQuery, validationRule } from '@app/platform';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsEmail, IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';

export const INBOUND_KINDS = ['reply', 'bounce', 'unsubscribe'] as const;
export type InboundKind = (typeof INBOUND_KINDS)[number];
export const INBOUND_OUTCOMES = ['replied', 'auto_reply_ignored', 'bounced', 'unsubscribed', 'unmatched'] as const;
export type InboundOutcome = (typeof INBOUND_OUTCOMES)[number];

const IsHeaderMap = validationRule(
  'isHeaderMap',
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length <= 200 &&
    Object.entries(value).every(([k, v]) => /^[\x21-\x39\x3b-\x7e]{1,100}$/.test(k) && typeof v === 'string' && v.length <= 10_000),
  (p) => `${p} must be an object of up to 200 header names and string values`,
);

/** A normalised inbound email or provider event, as a mail provider's webhook posts it. */
export class InboundEventDto {
  @ApiProperty({ enum: INBOUND_KINDS }) @IsIn(INBOUND_KINDS, oneOfMessage('kind', INBOUND_KINDS)) kind: InboundKind;
  @ApiProperty({ example: 'wei.zhang@openai.example', description: 'Envelope or header sender (for a bounce, the reporting system)' })
  @IsEmail({}, { message: 'from must be an email address' })
  from: string;
  @ApiPropertyOptional({ example: 'replies@talent.bytedance.example' }) @IsOptional() @IsEmail({}, { message: 'to must be an email address' }) to?: string;
  @ApiPropertyOptional({ description: 'For a bounce: the address that bounced' })
  @IsOptional()
  @IsEmail({}, { message: 'recipient must be an email address' })
  recipient?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(1000) subject?: string;
  @ApiPropertyOptional({ example: '<0195f1c2-....1@hiring.example.com>' }) @IsOptional() @IsString() @Length(1, 2000) inReplyTo?: string;
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @MaxLength(2000, { each: true })
  references?: string[];
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' }, example: { 'Auto-Submitted': 'auto-replied' } })
  @IsOptional()
  @IsHeaderMap()
  headers?: Record<string, string>;
  @ApiPropertyOptional({ description: 'Plain-text body' }) @IsOptional() @IsString() @MaxLength(200_000) text?: string;
}

export class InboundListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: INBOUND_OUTCOMES }) @IsOptional() @IsIn(INBOUND_OUTCOMES, oneOfMessage('outcome', INBOUND_OUTCOMES)) outcome?: InboundOutcome;
}

export class InboundEventView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: INBOUND_KINDS }) kind: InboundKind;
  @ApiProperty({ enum: INBOUND_OUTCOMES }) outcome: InboundOutcome;
  @ApiProperty({ enum: ['message_id', 'sender'], nullable: true, type: String }) matchedBy: 'message_id' | 'sender' | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) candidateId: string | null;
  @ApiProperty({ type: [String], description: 'Enrollments it stopped or was matched to' }) enrollmentIds: string[];
  @ApiProperty() from: string;
  @ApiProperty({ nullable: true, type: String }) subject: string | null;
  @ApiProperty({ format: 'date-time' }) receivedAt: string;
}
