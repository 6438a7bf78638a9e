import { HOLIDAY_CALENDARS, HolidayCalendar } from '@app/platform/clock/holidays';
import { IsDateTime, IsUniqueArray, oneOfMessage, PageQuery, Trim, validationRule } from '@app/platform';
import { IsIanaTimeZone } from '@app/task-forces';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
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
import { SLOT_LIMITS } from './slot-finder';

export const INTERVIEW_KINDS = ['recruiter_screen', 'technical', 'research_talk', 'system_design', 'hiring_manager', 'executive'] as const;
export type InterviewKind = (typeof INTERVIEW_KINDS)[number];
export const MAX_PLAN_STEPS = 20;
export const MAX_PANEL = 10;

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const HHMM_END = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;

/**
 * Instants carry their offset: without one, "2027-03-10T09:00:00" would be read in the server's
 * own zone, and across time zones that is the one thing an interview time must not depend on.
 */
const IsInstant = (name: string) => IsDateTime({ message: `${name} must be a date-time with an offset, such as 2027-03-10T01:00:00Z` });

/** Control characters (line breaks, tabs, C1) and the Unicode line and paragraph separators. */
const NOT_ONE_LINE = /[\p{Cc}\u2028\u2029]/u;
/** Values that go into a calendar property or a line of a mail: one line, no control characters. */
const IsOneLine = validationRule(
  'isOneLine',
  (value) => typeof value !== 'string' || !NOT_ONE_LINE.test(value),
  (p) => `${p} must be a single line without control characters`,
);
/** Each string of a list trimmed before it is validated, so " coding" and "coding" are one attribute and "  " is none. */
const TrimEach = () =>
  Transform(({ value }: { value: unknown }) => (Array.isArray(value) ? value.map((v: unknown) => (typeof v === 'string' ? v.trim() : v)) : value));
/** UUIDs of a list in lower case, as a path's are: the same id in capitals names the same user (and repeats them). */
const LowerCaseEach = () =>
  Transform(({ value }: { value: unknown }) => (Array.isArray(value) ? value.map((v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v)) : value));

export class DayHoursDto {
  @ApiProperty({ example: '09:00' }) @Matches(HHMM, { message: 'start must be a time such as 09:00' }) start: string;
  @ApiProperty({ example: '18:00', description: 'Exclusive; 24:00 is the end of the day. Overnight hours are not supported.' })
  @Matches(HHMM_END, { message: 'end must be a time such as 18:00 (24:00 for the end of the day)' })
  end: string;
}

/** Local working hours per weekday; a weekday left out is not worked. */
export class WorkingHoursDto {
  @ApiPropertyOptional({ type: DayHoursDto }) @IsOptional() @IsObject() @ValidateNested() @Type(() => DayHoursDto) mon?: DayHoursDto;
  @ApiPropertyOptional({ type: DayHoursDto }) @IsOptional() @IsObject() @ValidateNested() @Type(() => DayHoursDto) tue?: DayHoursDto;
  @ApiPropertyOptional({ type: DayHoursDto }) @IsOptional() @IsObject() @ValidateNested() @Type(() => DayHoursDto) wed?: DayHoursDto;
  @ApiPropertyOptional({ type: DayHoursDto }) @IsOptional() @IsObject() @ValidateNested() @Type(() => DayHoursDto) thu?: DayHoursDto;
  @ApiPropertyOptional({ type: DayHoursDto }) @IsOptional() @IsObject() @ValidateNested() @Type(() => DayHoursDto) fri?: DayHoursDto;
  @ApiPropertyOptional({ type: DayHoursDto }) @IsOptional() @IsObject() @ValidateNested() @Type(() => DayHoursDto) sat?: DayHoursDto;
  @ApiPropertyOptional({ type: DayHoursDto }) @IsOptional() @IsObject() @ValidateNested() @Type(() => DayHoursDto) sun?: DayHoursDto;
}

export class InterviewerProfileDto {
  @ApiProperty({ example: 'Asia/Shanghai', description: 'IANA time zone' }) @IsIanaTimeZone() timeZone: string;
  @ApiProperty({ type: WorkingHoursDto, example: { mon: { start: '09:00', end: '18:00' }, fri: { start: '09:00', end: '18:00' } } })
  @IsObject()
  @ValidateNested()
  @Type(() => WorkingHoursDto)
  workingHours: WorkingHoursDto;
  @ApiProperty({ enum: HOLIDAY_CALENDARS, isArray: true, example: ['CN'], description: 'Public holidays this person does not work' })
  @IsArray()
  @ArrayMaxSize(HOLIDAY_CALENDARS.length)
  @IsUniqueArray()
  @IsIn(HOLIDAY_CALENDARS, { each: true, message: `each of holidayCalendars must be one of ${HOLIDAY_CALENDARS.join(', ')}` })
  holidayCalendars: HolidayCalendar[];
  @ApiProperty({ type: [String], format: 'uuid', description: 'The task forces this person interviews for' })
  @LowerCaseEach()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsUniqueArray()
  @IsUUID('all', { each: true, message: 'each of taskForceIds must be a UUID' })
  taskForceIds: string[];
  @ApiPropertyOptional({ description: 'The version you last read; a stale one is refused with 409' }) @IsOptional() @IsInt() @Min(1) expectedVersion?: number;
}

export class DayHoursView {
  @ApiProperty() start: string;
  @ApiProperty() end: string;
}

export class WorkingHoursView {
  @ApiPropertyOptional({ type: DayHoursView }) mon?: DayHoursView;
  @ApiPropertyOptional({ type: DayHoursView }) tue?: DayHoursView;
  @ApiPropertyOptional({ type: DayHoursView }) wed?: DayHoursView;
  @ApiPropertyOptional({ type: DayHoursView }) thu?: DayHoursView;
  @ApiPropertyOptional({ type: DayHoursView }) fri?: DayHoursView;
  @ApiPropertyOptional({ type: DayHoursView }) sat?: DayHoursView;
  @ApiPropertyOptional({ type: DayHoursView }) sun?: DayHoursView;
}

export class InterviewerView {
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['admin', 'recruiter', 'interviewer'] }) role: string;
  @ApiProperty() timeZone: string;
  @ApiProperty({ type: WorkingHoursView }) workingHours: WorkingHoursView;
  @ApiProperty({ enum: HOLIDAY_CALENDARS, isArray: true }) holidayCalendars: HolidayCalendar[];
  @ApiProperty({ type: [String], format: 'uuid' }) taskForceIds: string[];
  @ApiProperty() version: number;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class InterviewerListQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only those interviewing for this task force' })
  @IsOptional()
  @IsUUID('all', { message: 'taskForceId must be a UUID' })
  taskForceId?: string;
}

export class BlockDto {
  @ApiProperty({ format: 'date-time', example: '2027-01-20T01:00:00Z' })
  @IsInstant('start')
  start: string;
  @ApiProperty({ format: 'date-time', example: '2027-01-20T03:00:00Z' }) @IsInstant('end') end: string;
}

export class BlockView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) start: string;
  @ApiProperty({ format: 'date-time' }) end: string;
}

export class BlockListQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'date-time', description: 'Only blocks ending after this instant (default: now)' })
  @IsOptional()
  @IsInstant('after')
  after?: string;
}

export class PlanStepDto {
  @ApiProperty({ enum: INTERVIEW_KINDS, example: 'technical' }) @IsIn(INTERVIEW_KINDS, oneOfMessage('kind', INTERVIEW_KINDS)) kind: InterviewKind;
  @ApiProperty({ example: 60, minimum: 15, maximum: 480 }) @IsInt() @Min(15) @Max(480) durationMinutes: number;
  @ApiProperty({ example: 2, minimum: 1, maximum: MAX_PANEL }) @IsInt() @Min(1) @Max(MAX_PANEL) interviewersNeeded: number;
  @ApiProperty({ type: [String], format: 'uuid', description: 'Interviewers this step draws from (users with an interviewer profile for the task force)' })
  @LowerCaseEach()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SLOT_LIMITS.maxInterviewers)
  @IsUniqueArray()
  @IsUUID('all', { each: true, message: 'each of pool must be a UUID' })
  pool: string[];
  @ApiProperty({ type: [String], example: ['distributed training depth', 'communication'], description: 'What each interviewer scores' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @TrimEach()
  @IsUniqueArray()
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  @IsOneLine({ each: true })
  attributes: string[];
  @ApiPropertyOptional({ default: true, description: 'Moving to offer needs this step scored (or an explicit override)' })
  @IsOptional()
  @IsBoolean({ message: 'scorecardRequired must be true or false' })
  scorecardRequired?: boolean;
}

export class PutPlanDto {
  @ApiProperty({ type: [PlanStepDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_PLAN_STEPS)
  @ValidateNested({ each: true })
  @Type(() => PlanStepDto)
  steps: PlanStepDto[];
}

export class PlanStepView {
  @ApiProperty() position: number;
  @ApiProperty({ enum: INTERVIEW_KINDS }) kind: InterviewKind;
  @ApiProperty() durationMinutes: number;
  @ApiProperty() interviewersNeeded: number;
  @ApiProperty({ type: [String], format: 'uuid' }) pool: string[];
  @ApiProperty({ type: [String] }) attributes: string[];
  @ApiProperty() scorecardRequired: boolean;
}

export class PlanView {
  @ApiProperty({ format: 'uuid' }) openingId: string;
  @ApiProperty({ format: 'uuid' }) taskForceId: string;
  @ApiProperty({ type: [PlanStepView] }) steps: PlanStepView[];
}

export class IntervalDto {
  @ApiProperty({ format: 'date-time' }) @IsInstant('start') start: string;
  @ApiProperty({ format: 'date-time' }) @IsInstant('end') end: string;
}

export class SlotSearchDto {
  @ApiPropertyOptional({ description: "A step of the opening's interview plan: its kind, duration, pool and panel size" })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PLAN_STEPS)
  planStep?: number;
  @ApiPropertyOptional({ example: 60, description: 'Without planStep: the length of the interview' })
  @IsOptional()
  @IsInt()
  @Min(15)
  @Max(480)
  durationMinutes?: number;
  @ApiPropertyOptional({ type: [String], format: 'uuid', description: "Interviewers to choose from (default: the plan step's pool)" })
  @IsOptional()
  @LowerCaseEach()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SLOT_LIMITS.maxInterviewers)
  @IsUniqueArray()
  @IsUUID('all', { each: true, message: 'each of interviewerIds must be a UUID' })
  interviewerIds?: string[];
  @ApiPropertyOptional({ description: "How many of them each slot needs (default: the plan step's, else 1)" })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PANEL)
  interviewersNeeded?: number;
  @ApiProperty({ format: 'date-time', example: '2027-03-08T00:00:00Z' }) @IsInstant('from') from: string;
  @ApiProperty({ format: 'date-time', example: '2027-03-20T00:00:00Z', description: `At most ${SLOT_LIMITS.maxRangeDays} days after from` })
  @IsInstant('to')
  to: string;
  @ApiPropertyOptional({ example: 'America/Los_Angeles', description: "The candidate's zone (default: the candidate's, else the task force's)" })
  @IsOptional()
  @IsIanaTimeZone()
  candidateTimeZone?: string;
  @ApiPropertyOptional({ type: WorkingHoursDto, description: 'The hours the candidate can take calls (default: Monday to Friday 09:00-18:00)' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => WorkingHoursDto)
  candidateWorkingHours?: WorkingHoursDto;
  @ApiPropertyOptional({
    enum: HOLIDAY_CALENDARS,
    isArray: true,
    description: "Public holidays the candidate does not interview on (default: the country of the candidate's zone, US or CN, else none)",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(HOLIDAY_CALENDARS.length)
  @IsUniqueArray()
  @IsIn(HOLIDAY_CALENDARS, { each: true, message: `each of candidateHolidayCalendars must be one of ${HOLIDAY_CALENDARS.join(', ')}` })
  candidateHolidayCalendars?: HolidayCalendar[];
  @ApiPropertyOptional({ type: [IntervalDto], description: 'When given, slots lie inside one of these' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => IntervalDto)
  candidateAvailability?: IntervalDto[];
  @ApiPropertyOptional({
    default: 120,
    minimum: 0,
    maximum: SLOT_LIMITS.maxStretchMinutes,
    description: 'How far a person may be asked outside their working hours',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(SLOT_LIMITS.maxStretchMinutes)
  maxStretchMinutes?: number;
  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: SLOT_LIMITS.maxLimit }) @IsOptional() @IsInt() @Min(1) @Max(SLOT_LIMITS.maxLimit) limit?: number;
}

export class SlotPersonView {
  @ApiProperty({ format: 'uuid', description: 'The candidate id or the interviewer user id' }) id: string;
  @ApiProperty({ enum: ['candidate', 'interviewer'] }) kind: 'candidate' | 'interviewer';
  @ApiProperty() zone: string;
  @ApiProperty({ example: '2027-03-10T09:00:00+08:00' }) localStart: string;
  @ApiProperty() localEnd: string;
  @ApiProperty() withinWorkingHours: boolean;
  @ApiProperty({ description: 'Minutes the slot stretches this person’s working day' }) stretchMinutes: number;
}

export class SlotView {
  @ApiProperty({ format: 'date-time' }) start: string;
  @ApiProperty({ format: 'date-time' }) end: string;
  @ApiProperty({ description: "The candidate's local date" }) date: string;
  @ApiProperty({ description: 'Total stretch of the chosen participants' }) stretchMinutes: number;
  @ApiProperty({ type: [SlotPersonView] }) participants: SlotPersonView[];
}

export class SlotBlockView {
  @ApiProperty({ enum: ['holiday', 'not-working-day', 'no-overlap', 'busy', 'outside-availability', 'too-few-interviewers'] }) code: string;
  @ApiPropertyOptional({ format: 'uuid' }) participantId?: string;
  @ApiProperty({ example: 'Spring Festival (CN)' }) detail: string;
}

export class DayWithoutSlotView {
  @ApiProperty({ example: '2027-02-06' }) date: string;
  @ApiProperty({ type: [SlotBlockView] }) reasons: SlotBlockView[];
}

export class SlotSearchView {
  @ApiProperty({ type: [SlotView] }) slots: SlotView[];
  @ApiProperty({ type: [DayWithoutSlotView] }) daysWithoutSlot: DayWithoutSlotView[];
}

export class ScheduleInterviewDto {
  @ApiPropertyOptional({ description: 'The plan step this interview is (its kind, duration and scored attributes)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_PLAN_STEPS)
  planStep?: number;
  @ApiPropertyOptional({ enum: INTERVIEW_KINDS, description: 'Without planStep' })
  @IsOptional()
  @IsIn(INTERVIEW_KINDS, oneOfMessage('kind', INTERVIEW_KINDS))
  kind?: InterviewKind;
  @ApiPropertyOptional({ example: 60, description: "Without planStep (default: the step's)" })
  @IsOptional()
  @IsInt()
  @Min(15)
  @Max(480)
  durationMinutes?: number;
  @ApiPropertyOptional({ type: [String], description: "Without planStep: what each interviewer scores (default: the step's)" })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @TrimEach()
  @IsUniqueArray()
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  @IsOneLine({ each: true })
  attributes?: string[];
  @ApiProperty({ format: 'date-time', example: '2027-03-10T01:00:00Z' })
  @IsInstant('start')
  start: string;
  @ApiProperty({ type: [String], format: 'uuid' })
  @LowerCaseEach()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_PANEL)
  @IsUniqueArray()
  @IsUUID('all', { each: true, message: 'each of interviewerIds must be a UUID' })
  interviewerIds: string[];
  @ApiPropertyOptional({ description: "The candidate's zone for the invitation (default: the candidate's, else the task force's)" })
  @IsOptional()
  @IsIanaTimeZone()
  candidateTimeZone?: string;
  @ApiPropertyOptional({ example: 'https://meet.example.com/abc-defg-hij' }) @IsOptional() @Trim() @IsString() @Length(1, 500) @IsOneLine() location?: string;
}

export class RescheduleInterviewDto {
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsInstant('start') start?: string;
  @ApiPropertyOptional({ minimum: 15, maximum: 480 }) @IsOptional() @IsInt() @Min(15) @Max(480) durationMinutes?: number;
  @ApiPropertyOptional({ type: [String], format: 'uuid' })
  @IsOptional()
  @LowerCaseEach()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_PANEL)
  @IsUniqueArray()
  @IsUUID('all', { each: true, message: 'each of interviewerIds must be a UUID' })
  interviewerIds?: string[];
  @ApiPropertyOptional() @IsOptional() @Trim() @IsString() @Length(1, 500) @IsOneLine() location?: string;
  @ApiPropertyOptional({ description: 'The version you last read; a stale one is refused with 409' }) @IsOptional() @IsInt() @Min(1) expectedVersion?: number;
}

export class CancelInterviewDto {
  @ApiProperty({ example: 'candidate_unavailable' }) @Trim() @IsString() @Length(1, 500) reason: string;
}

export class PanelMemberView {
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty() name: string;
  @ApiProperty() timeZone: string;
  @ApiProperty({ example: '2027-03-10T09:00:00+08:00' }) localStart: string;
}

export class InterviewView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) applicationId: string;
  @ApiProperty({ format: 'uuid' }) candidateId: string;
  @ApiProperty({ format: 'uuid' }) taskForceId: string;
  @ApiProperty({ nullable: true, type: Number }) planStep: number | null;
  @ApiProperty({ enum: INTERVIEW_KINDS }) kind: string;
  @ApiProperty({ format: 'date-time' }) start: string;
  @ApiProperty({ format: 'date-time' }) end: string;
  @ApiProperty() candidateTimeZone: string;
  @ApiProperty({ example: '2027-03-09T17:00:00-08:00' }) candidateLocalStart: string;
  @ApiProperty({ enum: ['scheduled', 'cancelled'] }) status: string;
  @ApiProperty({ description: 'The iCalendar SEQUENCE: 0, +1 per reschedule' }) sequence: number;
  @ApiProperty({ nullable: true, type: String }) location: string | null;
  @ApiProperty({ type: [String] }) attributes: string[];
  @ApiProperty({ type: [PanelMemberView] }) panel: PanelMemberView[];
  @ApiProperty({ nullable: true, type: String }) cancelReason: string | null;
  @ApiProperty() version: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class InterviewListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['scheduled', 'cancelled'] })
  @IsOptional()
  @IsIn(['scheduled', 'cancelled'], { message: 'status must be one of scheduled, cancelled' })
  status?: 'scheduled' | 'cancelled';
}

export class MyInterviewsQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'date-time', description: 'Only interviews ending after this instant (default: now)' })
  @IsOptional()
  @IsInstant('after')
  after?: string;
}

export const INTERVIEW_MAIL_KINDS = ['request', 'cancel', 'reminder_24h', 'reminder_1h'] as const;
export const INTERVIEW_MAIL_STATUSES = ['pending', 'sending', 'sent', 'uncertain', 'failed', 'skipped'] as const;

export class InterviewMailView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) interviewId: string;
  @ApiProperty({ enum: INTERVIEW_MAIL_KINDS, description: 'request: an invitation or, with a later sequence, an update' }) kind: string;
  @ApiProperty({ enum: ['candidate', 'interviewer'] }) recipient: 'candidate' | 'interviewer';
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The interviewer written to; null for the candidate' })
  recipientUserId: string | null;
  @ApiProperty({ description: 'The interview’s SEQUENCE the mail was made for' }) sequence: number;
  @ApiProperty({
    enum: INTERVIEW_MAIL_STATUSES,
    description:
      'uncertain: the server may have taken it (never sent again by itself); failed: refused, or given up after retries; skipped: no longer applied when its turn came',
  })
  status: string;
  @ApiProperty({ description: 'SMTP attempts made' }) attempts: number;
  @ApiProperty({ format: 'date-time' }) dueAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) sentAt: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The Message-ID it went out with (the same on every attempt)',
    example: '<interview-mail.0190…@talent.example.com>',
  })
  messageId: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Why it is not sent, or who settled it by hand' }) detail: string | null;
}
