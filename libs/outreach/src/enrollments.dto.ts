import { PageQuery } from '@app/platform';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsUUID } from 'class-validator';

export const ENROLLMENT_STATUSES = ['active', 'paused', 'stopped', 'completed'] as const;
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];
export const SKIP_REASONS = ['not_found', 'erased', 'opted_out', 'no_email', 'bounced', 'no_application', 'already_enrolled'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export class EnrollDto {
  @ApiProperty({ type: [String], format: 'uuid', description: 'Up to 10,000 candidates' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @IsUUID('all', { each: true, message: 'each of candidateIds must be a UUID' })
  candidateIds: string[];
}

export class EnrollmentListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ENROLLMENT_STATUSES })
  @IsOptional()
  @IsIn(ENROLLMENT_STATUSES, { message: `status must be one of ${ENROLLMENT_STATUSES.join(', ')}` })
  status?: EnrollmentStatus;
}

export class EnrolledView {
  @ApiProperty({ format: 'uuid' }) candidateId: string;
  @ApiProperty({ format: 'uuid' }) enrollmentId: string;
}

export class SkippedView {
  @ApiProperty({ format: 'uuid' }) candidateId: string;
  @ApiProperty({ enum: SKIP_REASONS, description: 'not_found covers candidates the caller may not see' }) reason: SkipReason;
}

export class EnrollResult {
  @ApiProperty({ type: [EnrolledView] }) enrolled: EnrolledView[];
  @ApiProperty({ type: [SkippedView] }) skipped: SkippedView[];
}

export class MessageView {
  @ApiProperty() step: number;
  @ApiProperty({ enum: ['scheduled', 'sending', 'sent', 'uncertain', 'skipped', 'failed'] }) status: string;
  @ApiProperty({ format: 'date-time' }) dueAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) sentAt: string | null;
  @ApiProperty({ description: 'The Message-ID header the email carries' }) messageId: string;
  @ApiProperty({ description: 'SMTP attempts so far' }) attempts: number;
  @ApiProperty({ nullable: true, type: String, description: 'The address it went (or goes) to' }) recipient: string | null;
  @ApiProperty({ enum: ['replied', 'bounced', 'unsubscribed'], nullable: true, type: String, description: 'What the candidate did in answer to this step' })
  response: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Why the step is deferred, retried, skipped, uncertain or failed; or the SMTP reply' })
  detail: string | null;
}

export class EnrollmentView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) sequenceId: string;
  @ApiProperty() sequenceVersion: number;
  @ApiProperty({ format: 'uuid' }) candidateId: string;
  @ApiProperty({ format: 'uuid' }) applicationId: string;
  @ApiProperty({ enum: ENROLLMENT_STATUSES }) status: EnrollmentStatus;
  @ApiProperty({ nullable: true, type: String }) stopReason: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Why the system paused it (the mail server refused the sender or the configuration); null when a person paused it',
  })
  pauseReason: string | null;
  @ApiProperty({ description: 'The zone send windows are read in' }) timeZone: string;
  @ApiProperty({ type: [MessageView] }) messages: MessageView[];
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}
