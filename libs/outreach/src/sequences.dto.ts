import { oneOfMessage, PageQuery, Trim } from '@app/platform';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { HOLIDAY_CALENDARS, HolidayCalendar, Weekday, WEEKDAYS } from './send-window';

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

export class SenderDto {
  @ApiProperty({ example: 'Jun Wang, ByteDance' }) @Trim() @IsString() @Length(1, 100) fromName: string;
  @ApiProperty({ example: 'jun.wang@talent.bytedance.example' }) @IsEmail({}, { message: 'fromAddress must be an email address' }) fromAddress: string;
  @ApiPropertyOptional({ example: 'replies@talent.bytedance.example' })
  @IsOptional()
  @IsEmail({}, { message: 'replyTo must be an email address' })
  replyTo?: string;
}

export class StepDto {
  @ApiProperty({
    example: 'P3D',
    description: 'ISO 8601 duration after the previous step (after enrolment for the first), at most 365 days; PT5S works for tests',
  })
  @IsString()
  @Matches(/^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/, { message: 'delay must be an ISO 8601 duration such as P3D or PT5S' })
  delay: string;
  @ApiProperty({ example: '{{taskForce.company}} is building {{taskForce.name}}' }) @IsString() @Length(1, 300) subject: string;
  @ApiProperty({ example: 'Hi {{candidate.firstName}}, ...\n\nUnsubscribe: {{unsubscribeUrl}}' }) @IsString() @Length(1, 20_000) body: string;
  @ApiPropertyOptional({
    default: false,
    description:
      'Start a new conversation: without it a follow-up replies to the steps sent before it (In-Reply-To and References), from the last step that started one',
  })
  @IsOptional()
  @IsBoolean({ message: 'newThread must be true or false' })
  newThread?: boolean;
}

export class SendWindowDto {
  @ApiProperty({ enum: WEEKDAYS, isArray: true, example: ['mon', 'tue', 'wed', 'thu', 'fri'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(7)
  @IsIn(WEEKDAYS, { each: true, message: `each of days must be one of ${WEEKDAYS.join(', ')}` })
  days: Weekday[];
  @ApiProperty({ example: '09:00' }) @Matches(HHMM, { message: 'start must be a time such as 09:00' }) start: string;
  @ApiProperty({ example: '17:00', description: 'Exclusive; 24:00 is the end of the day' })
  @Matches(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, { message: 'end must be a time such as 17:00 (24:00 for the end of the day)' })
  end: string;
}

export class StopRulesDto {
  @ApiPropertyOptional({ default: false, description: 'Also stop when anyone at the same employer replies' })
  @IsOptional()
  @IsBoolean()
  onSameEmployerReply?: boolean;
}

export class CreateSequenceDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID('all', { message: 'taskForceId must be a UUID' }) taskForceId: string;
  @ApiProperty({ example: 'Doubao LLM researchers, spring 2027' }) @Trim() @IsString() @Length(1, 200) name: string;
  @ApiProperty({ type: SenderDto }) @IsObject() @ValidateNested() @Type(() => SenderDto) sender: SenderDto;
  @ApiProperty({ type: [StepDto] }) @IsArray() @ArrayMinSize(1) @ArrayMaxSize(10) @ValidateNested({ each: true }) @Type(() => StepDto) steps: StepDto[];
  @ApiProperty({ type: SendWindowDto }) @IsObject() @ValidateNested() @Type(() => SendWindowDto) sendWindow: SendWindowDto;
  @ApiPropertyOptional({ enum: ['candidate', 'task_force'], default: 'candidate', description: "candidate: the candidate's zone, else the task force's" })
  @IsOptional()
  @IsIn(['candidate', 'task_force'], oneOfMessage('timeZoneRule', ['candidate', 'task_force']))
  timeZoneRule?: 'candidate' | 'task_force';
  @ApiPropertyOptional({ enum: HOLIDAY_CALENDARS, isArray: true, example: ['US', 'CN'] })
  @IsOptional()
  @IsArray()
  @IsIn(HOLIDAY_CALENDARS, { each: true, message: `each of holidayCalendars must be one of ${HOLIDAY_CALENDARS.join(', ')}` })
  holidayCalendars?: HolidayCalendar[];
  @ApiPropertyOptional({ default: 200 }) @IsOptional() @IsInt() @Min(1) @Max(100_000) dailyCapPerSender?: number;
  @ApiPropertyOptional({ default: 20 }) @IsOptional() @IsInt() @Min(1) @Max(100_000) dailyCapPerRecipientDomain?: number;
  @ApiPropertyOptional({ type: StopRulesDto }) @IsOptional() @IsObject() @ValidateNested() @Type(() => StopRulesDto) stopRules?: StopRulesDto;
}

export class UpdateSequenceDto extends PartialType(CreateSequenceDto) {}

export class SequenceListQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID('all', { message: 'taskForceId must be a UUID' }) taskForceId?: string;
}

export class PreviewDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID('all', { message: 'candidateId must be a UUID' }) candidateId: string;
  @ApiPropertyOptional({ example: 1, description: '1-based step number; every step if absent' }) @IsOptional() @IsInt() @Min(1) @Max(10) step?: number;
}

export class PreviewStepView {
  @ApiProperty({ example: 1 }) step: number;
  @ApiProperty({ example: 'ByteDance is building Doubao' }) subject: string;
  @ApiProperty({ example: 'Hi Wei, ...' }) body: string;
}

/** A sequence version's full definition, as stored and shown. */
export interface SequenceDefinition {
  name: string;
  sender: { fromName: string; fromAddress: string; replyTo: string | null };
  steps: { delay: string; subject: string; body: string; newThread?: boolean }[];
  sendWindow: { days: Weekday[]; start: string; end: string };
  timeZoneRule: 'candidate' | 'task_force';
  holidayCalendars: HolidayCalendar[];
  dailyCapPerSender: number;
  dailyCapPerRecipientDomain: number;
  stopRules: { onReply: true; onSameEmployerReply: boolean };
}

export class SenderView {
  @ApiProperty({ example: 'Jun Wang, ByteDance' }) fromName: string;
  @ApiProperty({ example: 'jun.wang@talent.bytedance.example' }) fromAddress: string;
  @ApiProperty({ type: String, nullable: true, example: 'replies@talent.bytedance.example' }) replyTo: string | null;
}

export class StepView {
  @ApiProperty({ example: 'P3D' }) delay: string;
  @ApiProperty({ example: '{{taskForce.company}} is building {{taskForce.name}}' }) subject: string;
  @ApiProperty({ example: 'Hi {{candidate.firstName}}, ...\n\nUnsubscribe: {{unsubscribeUrl}}' }) body: string;
  @ApiPropertyOptional({ description: 'Present when the step starts a new conversation' }) newThread?: boolean;
}

export class SendWindowView {
  @ApiProperty({ enum: WEEKDAYS, isArray: true, example: ['mon', 'tue', 'wed', 'thu', 'fri'] }) days: Weekday[];
  @ApiProperty({ example: '09:00' }) start: string;
  @ApiProperty({ example: '17:00' }) end: string;
}

export class StopRulesView {
  @ApiProperty({ enum: [true], description: 'A reply always stops the enrollment' }) onReply: true;
  @ApiProperty() onSameEmployerReply: boolean;
}

/** A sequence version's full definition, as stored and shown. */
export class SequenceDefinitionView implements SequenceDefinition {
  @ApiProperty({ example: 'Doubao LLM researchers, spring 2027' }) name: string;
  @ApiProperty({ type: SenderView }) sender: SenderView;
  @ApiProperty({ type: [StepView] }) steps: StepView[];
  @ApiProperty({ type: SendWindowView }) sendWindow: SendWindowView;
  @ApiProperty({ enum: ['candidate', 'task_force'] }) timeZoneRule: 'candidate' | 'task_force';
  @ApiProperty({ enum: HOLIDAY_CALENDARS, isArray: true, example: ['US', 'CN'] }) holidayCalendars: HolidayCalendar[];
  @ApiProperty({ example: 200 }) dailyCapPerSender: number;
  @ApiProperty({ example: 20 }) dailyCapPerRecipientDomain: number;
  @ApiProperty({ type: StopRulesView }) stopRules: StopRulesView;
}

export class SequenceView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) taskForceId: string;
  @ApiProperty({ description: 'The version new enrollments use' }) version: number;
  @ApiProperty({ type: SequenceDefinitionView, description: 'The definition of that version' }) definition: SequenceDefinition;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class StepStats {
  @ApiProperty() step: number;
  @ApiProperty({ description: 'Waiting for their time (including deferred and retrying)' }) scheduled: number;
  @ApiProperty({ description: 'Being handed to SMTP right now' }) sending: number;
  @ApiProperty() sent: number;
  @ApiProperty({ description: 'The sender stopped mid-send; check and resend' }) uncertain: number;
  @ApiProperty({ description: 'Not sent because the enrollment stopped first' }) skipped: number;
  @ApiProperty() failed: number;
  @ApiProperty() replied: number;
  @ApiProperty() bounced: number;
  @ApiProperty() optedOut: number;
  @ApiProperty({ description: 'replied / sent, 0 when nothing was sent' }) replyRate: number;
}

export class EnrollmentCounts {
  @ApiProperty({ example: 10 }) active: number;
  @ApiProperty({ example: 0 }) paused: number;
  @ApiProperty({ example: 3 }) stopped: number;
  @ApiProperty({ example: 40 }) completed: number;
}

export class StatsTotals {
  @ApiProperty({ example: 120 }) sent: number;
  @ApiProperty({ example: 9 }) replied: number;
  @ApiProperty({ example: 2 }) bounced: number;
  @ApiProperty({ example: 1 }) optedOut: number;
  @ApiProperty({ example: 0 }) uncertain: number;
  @ApiProperty({ example: 0.075, description: 'replied / sent, 0 when nothing was sent' }) replyRate: number;
}

export class SequenceStats {
  @ApiProperty({ format: 'uuid' }) sequenceId: string;
  @ApiProperty({ type: EnrollmentCounts, description: 'Enrollments by status' }) enrollments: EnrollmentCounts;
  @ApiProperty({ type: [StepStats] }) steps: StepStats[];
  @ApiProperty({ type: StatsTotals }) totals: StatsTotals;
}
