import { IsDateTime, IsUniqueArray, NULLABLE_FIELDS, oneOfMessage, PageQuery, Trim } from '@app/platform';
import { SKILL_AREAS, SkillArea, IsIanaTimeZone } from '@app/task-forces';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsEmail,
  IsIn,
  IsInt,
  IsNumber,
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
import { Stage, STAGES } from './pipeline';
import { IsGitHubProfileUrl, IsLinkedInProfileUrl, IsScholarUrl } from './validators';
import { CONSENT_STATES, ConsentState, DEGREES, SOURCES, Source, VISA_STATUSES, VisaStatus } from './vocabulary';

export class EducationDto {
  @ApiProperty({ example: 'Tsinghua University' }) @Trim() @IsString() @Length(1, 200) university: string;
  @ApiPropertyOptional({ enum: DEGREES }) @IsOptional() @IsIn(DEGREES, oneOfMessage('degree', DEGREES)) degree?: string;
  @ApiPropertyOptional({ example: 'Computer Science (Yao class)' }) @IsOptional() @IsString() @Length(1, 200) field?: string;
  @ApiPropertyOptional({ example: 2016 }) @IsOptional() @IsInt() @Min(1950) @Max(2100) year?: number;
}

/** Optional fields a client may clear by sending null. */
const CANDIDATE_NULLABLE = [
  'nativeName',
  'nativeNamePinyin',
  'phone',
  'linkedinUrl',
  'githubUrl',
  'scholarUrl',
  'location',
  'timeZone',
  'currentEmployer',
  'currentTitle',
  'yearsOfExperience',
  'ownerId',
] as const;

export class CreateCandidateDto {
  static readonly [NULLABLE_FIELDS]: readonly string[] = CANDIDATE_NULLABLE;

  @ApiProperty({ example: 'Wei Zhang' }) @Trim() @IsString() @Length(1, 200) fullName: string;
  @ApiPropertyOptional({ type: String, nullable: true, example: '张伟' }) @IsOptional() @IsString() @Length(1, 100) nativeName?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'Zhang Wei' }) @IsOptional() @IsString() @Length(1, 200) nativeNamePinyin?: string | null;

  @ApiPropertyOptional({ type: [String], example: ['wei.zhang@gmail.com'], description: 'The first address is the primary one' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsEmail({}, { each: true, message: 'each of emails must be a valid email address' })
  @Length(3, 254, { each: true })
  emails?: string[];

  @ApiPropertyOptional({ type: String, nullable: true, example: '+1 650 555 0100' })
  @IsOptional()
  @IsString()
  @Matches(/^\+?[0-9][0-9 ().-]{5,24}$/, { message: 'phone must be a phone number such as +1 650 555 0100' })
  phone?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'https://www.linkedin.com/in/wei-zhang-ml' })
  @IsOptional()
  @IsLinkedInProfileUrl()
  linkedinUrl?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'https://github.com/weizhang' }) @IsOptional() @IsGitHubProfileUrl() githubUrl?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'https://scholar.google.com/citations?user=abc123' })
  @IsOptional()
  @IsScholarUrl()
  scholarUrl?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'San Francisco, CA' }) @IsOptional() @IsString() @Length(1, 200) location?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'America/Los_Angeles' }) @IsOptional() @IsIanaTimeZone() timeZone?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'OpenAI' }) @IsOptional() @IsString() @Length(1, 200) currentEmployer?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'Member of Technical Staff' }) @IsOptional() @IsString() @Length(1, 200) currentTitle?:
    string | null;
  @ApiPropertyOptional({ type: Number, nullable: true, example: 7.5 }) @IsOptional() @IsNumber({ maxDecimalPlaces: 1 }) @Min(0) @Max(70) yearsOfExperience?:
    number | null;

  @ApiPropertyOptional({ type: [String], example: ['pytorch', 'rlhf', 'distributed training'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 60, { each: true })
  skills?: string[];

  @ApiPropertyOptional({ enum: SKILL_AREAS, isArray: true })
  @IsOptional()
  @IsArray()
  @IsUniqueArray()
  @IsIn(SKILL_AREAS, { each: true, message: `each of skillAreas must be one of ${SKILL_AREAS.join(', ')}` })
  skillAreas?: SkillArea[];

  @ApiPropertyOptional({ type: [EducationDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => EducationDto)
  education?: EducationDto[];

  @ApiPropertyOptional({ enum: VISA_STATUSES, default: 'unknown' })
  @IsOptional()
  @IsIn(VISA_STATUSES, oneOfMessage('visaStatus', VISA_STATUSES))
  visaStatus?: VisaStatus;
  @ApiPropertyOptional({ enum: SOURCES, default: 'sourced' }) @IsOptional() @IsIn(SOURCES, oneOfMessage('source', SOURCES)) source?: Source;
  @ApiPropertyOptional({ type: String, nullable: true, format: 'uuid', description: 'Recruiter who owns the candidate; the creator by default' })
  @IsOptional()
  @IsUUID('all', { message: 'ownerId must be a UUID' })
  ownerId?: string | null;

  @ApiPropertyOptional({ type: [String], example: ['tsinghua-yao-class', 'ex-openai'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 60, { each: true })
  tags?: string[];

  @ApiPropertyOptional({ enum: CONSENT_STATES, default: 'unknown' })
  @IsOptional()
  @IsIn(CONSENT_STATES, oneOfMessage('consentState', CONSENT_STATES))
  consentState?: ConsentState;
}

export class UpdateCandidateDto extends PartialType(CreateCandidateDto) {
  static readonly [NULLABLE_FIELDS] = CANDIDATE_NULLABLE;
}

export class CandidateListQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Words or prefixes of the name (Latin, pinyin or Chinese), employer, title or skills' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  q?: string;
  @ApiPropertyOptional({ enum: SKILL_AREAS }) @IsOptional() @IsIn(SKILL_AREAS, oneOfMessage('skillArea', SKILL_AREAS)) skillArea?: SkillArea;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 60) skill?: string;
  @ApiPropertyOptional({ description: 'Current employer, case-insensitive exact match' }) @IsOptional() @IsString() @Length(1, 200) employer?: string;
  @ApiPropertyOptional({ enum: VISA_STATUSES }) @IsOptional() @IsIn(VISA_STATUSES, oneOfMessage('visa', VISA_STATUSES)) visa?: VisaStatus;
  @ApiPropertyOptional({ enum: STAGES, description: 'Has an application in this stage' })
  @IsOptional()
  @IsIn(STAGES, oneOfMessage('stage', STAGES))
  stage?: Stage;
  @ApiPropertyOptional({ format: 'uuid', description: 'Has an application in this task force' })
  @IsOptional()
  @IsUUID('all', { message: 'taskForceId must be a UUID' })
  taskForceId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID('all', { message: 'ownerId must be a UUID' }) ownerId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 60) tag?: string;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsDateTime() updatedSince?: string;
}

/** Applications shown on a candidate's page; the rest are listed by GET /v1/applications?candidateId=. */
export const APPLICATIONS_SHOWN = 50;

export class ApplicationSummary {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) taskForceId: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) openingId: string | null;
  @ApiProperty({ enum: STAGES }) stage: Stage;
}

export class CandidateView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() fullName: string;
  @ApiProperty({ nullable: true, type: String }) nativeName: string | null;
  @ApiProperty({ nullable: true, type: String }) nativeNamePinyin: string | null;
  @ApiProperty({ type: [String] }) emails: string[];
  @ApiProperty({ nullable: true, type: String }) primaryEmail: string | null;
  @ApiProperty({ nullable: true, type: String }) phone: string | null;
  @ApiProperty({ nullable: true, type: String }) linkedinUrl: string | null;
  @ApiProperty({ nullable: true, type: String }) githubUrl: string | null;
  @ApiProperty({ nullable: true, type: String }) scholarUrl: string | null;
  @ApiProperty({ nullable: true, type: String }) location: string | null;
  @ApiProperty({ nullable: true, type: String }) timeZone: string | null;
  @ApiProperty({ nullable: true, type: String }) currentEmployer: string | null;
  @ApiProperty({ nullable: true, type: String }) currentTitle: string | null;
  @ApiProperty({ nullable: true, type: Number }) yearsOfExperience: number | null;
  @ApiProperty({ type: [String] }) skills: string[];
  @ApiProperty({ enum: SKILL_AREAS, isArray: true }) skillAreas: SkillArea[];
  @ApiProperty({ type: [EducationDto] }) education: EducationDto[];
  @ApiProperty({ enum: VISA_STATUSES }) visaStatus: VisaStatus;
  @ApiProperty({ enum: SOURCES }) source: Source;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) ownerId: string | null;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty({ enum: CONSENT_STATES }) consentState: ConsentState;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) consentUpdatedAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'Set once the person was erased' }) erasedAt: string | null;
  @ApiProperty() version: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiPropertyOptional({
    type: [ApplicationSummary],
    description: `On single reads only: the newest ${APPLICATIONS_SHOWN} the caller may see, oldest first; every one through GET /v1/applications?candidateId=`,
  })
  applications?: ApplicationSummary[];
}

export class CreateNoteDto {
  @ApiProperty({ example: 'Met at NeurIPS; open to relocating to Sunnyvale next spring.' }) @Trim() @IsString() @Length(1, 10000) body: string;
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'The task force the note is for: its members read it. Without one, only the author (and admins) can read the note.',
  })
  @IsOptional()
  @IsUUID('all', { message: 'taskForceId must be a UUID' })
  taskForceId?: string;
}

export class NoteView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) candidateId: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Read by members of this task force; null: the author only' }) taskForceId:
    string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) authorId: string | null;
  @ApiProperty() body: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class MergeCandidatesDto {
  @ApiProperty({ format: 'uuid', description: 'The candidate folded into this one; it stops existing' })
  @IsUUID('all', { message: 'duplicateId must be a UUID' })
  duplicateId: string;
}

/** Rows of each list in an export; the rest follow through GET /v1/candidates/:id/export/:section. */
export const EXPORT_PAGE_SIZE = 200;
export const EXPORT_SECTIONS = ['notes', 'applications', 'auditTrail'] as const;
export type ExportSection = (typeof EXPORT_SECTIONS)[number];

/** Members shown inline in each duplicate group; the rest are paged through the group's members route. */
export const GROUP_MEMBERS_SHOWN = 20;
/** Members are counted up to this many; a larger group says so instead of counting on. */
export const GROUP_COUNT_CEILING = 1000;

/** What a duplicate group's id looks like. */
export const GROUP_ID = /^[0-9a-f]{32}$/;

export class LookAlikeView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() fullName: string;
  @ApiProperty({ nullable: true, type: String }) currentEmployer: string | null;
  @ApiProperty({ nullable: true, type: String }) currentTitle: string | null;
  @ApiProperty({ nullable: true, type: String }) primaryEmail: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) ownerId: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class DuplicateGroupView {
  @ApiProperty({ description: 'Opaque id of the group: GET /v1/candidates/duplicates/{group}/members lists every member' })
  group: string;
  @ApiProperty({ description: 'The name the members share, lower-case with single spaces', example: 'wei zhang' }) fullName: string;
  @ApiProperty({ description: 'The employer the members share, lower-case; empty when none is known', example: 'openai' }) currentEmployer: string;
  @ApiProperty({ description: `Members the caller may see, counted up to ${GROUP_COUNT_CEILING}` }) count: number;
  @ApiProperty({ description: `True when the group has more than ${GROUP_COUNT_CEILING} members the caller may see` }) countCapped: boolean;
  @ApiProperty({ type: [LookAlikeView], description: `The oldest ${GROUP_MEMBERS_SHOWN} members, oldest first` }) members: LookAlikeView[];
  @ApiProperty({ description: 'Why they look alike' }) reason: string;
}

export class CreateApplicationDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID('all', { message: 'candidateId must be a UUID' }) candidateId: string;
  @ApiProperty({ format: 'uuid' }) @IsUUID('all', { message: 'taskForceId must be a UUID' }) taskForceId: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID('all', { message: 'openingId must be a UUID' }) openingId?: string;
}

export class ApplicationListQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID('all', { message: 'taskForceId must be a UUID' }) taskForceId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID('all', { message: 'candidateId must be a UUID' }) candidateId?: string;
  @ApiPropertyOptional({ enum: STAGES }) @IsOptional() @IsIn(STAGES, oneOfMessage('stage', STAGES)) stage?: Stage;
}

export class TransitionOverrideDto {
  @ApiProperty({
    description: 'Why the move goes ahead although a gate holds it back; kept in the stage change comment',
    example: 'Final round waived: ex-colleague of the hiring manager, references checked',
  })
  @Trim()
  @IsString()
  @Length(1, 500)
  reason: string;
}

export class TransitionDto {
  @ApiProperty({ enum: STAGES, example: 'contacted' }) @IsIn(STAGES, oneOfMessage('to', STAGES)) to: Stage;
  @ApiPropertyOptional({ description: 'Required for rejected and withdrawn: see docs/domain.md for the lists', example: 'accepted_other_offer' })
  @IsOptional()
  @IsString()
  @Length(1, 60)
  reason?: string;
  @ApiPropertyOptional({ description: 'Optional free-text comment stored with the move' }) @IsOptional() @IsString() @Length(1, 2000) comment?: string;
  @ApiPropertyOptional({ description: 'The version you last read; a stale one is refused with 409' })
  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;
  @ApiPropertyOptional({
    type: TransitionOverrideDto,
    description: 'Moves although a gate refuses (to offer: scorecards_missing). Accepted only when a gate refuses; audited, the reason kept in the comment',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TransitionOverrideDto)
  override?: TransitionOverrideDto;
}

export class StageChangeView {
  @ApiProperty({ nullable: true, enum: STAGES, type: String }) from: Stage | null;
  @ApiProperty({ enum: STAGES }) to: Stage;
  @ApiProperty({ nullable: true, type: String }) reason: string | null;
  @ApiProperty({ nullable: true, type: String }) comment: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) actorId: string | null;
  @ApiProperty({ format: 'date-time' }) at: string;
}

export class ApplicationView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) candidateId: string;
  @ApiProperty({ format: 'uuid' }) taskForceId: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) openingId: string | null;
  @ApiProperty({ enum: STAGES }) stage: Stage;
  @ApiProperty({ nullable: true, type: String }) closedReason: string | null;
  @ApiProperty({ enum: STAGES, isArray: true, description: 'Where it may move next' }) allowedMoves: Stage[];
  @ApiProperty() version: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiPropertyOptional({ type: [StageChangeView], description: 'On single reads and after a move' }) history?: StageChangeView[];
}

export class ImportReportRow {
  @ApiProperty({ description: '1-based line number in the file (the header is line 1)' }) line: number;
  @ApiProperty({ enum: ['created', 'duplicate', 'error'] }) outcome: 'created' | 'duplicate' | 'error';
  @ApiPropertyOptional({ format: 'uuid', description: 'Created, or the duplicate it matched when the caller may see that candidate' }) candidateId?: string;
  @ApiPropertyOptional({ type: [String] }) errors?: string[];
}

export class ImportReport {
  @ApiProperty() rows: number;
  @ApiProperty() created: number;
  @ApiProperty() duplicates: number;
  @ApiProperty() errors: number;
  @ApiProperty({ type: [ImportReportRow], description: 'One entry per row that was not simply created, plus created ids' }) results: ImportReportRow[];
}

export class IdentityView {
  @ApiProperty({ example: 'email' }) kind: string;
  @ApiProperty({ example: 'wei.zhang@gmail.com', description: 'Normalised' }) value: string;
}

export class ExportedNote {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) taskForceId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) authorId: string | null;
  @ApiProperty() body: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class ExportedApplication {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) taskForceId: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) openingId: string | null;
  @ApiProperty({ enum: STAGES }) stage: Stage;
  @ApiProperty({ nullable: true, type: String }) closedReason: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ type: [StageChangeView] }) history: StageChangeView[];
}

export class ExportedAuditEntry {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'candidate.updated' }) action: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) actorId: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'What changed, by field name (values of erased people are gone)' })
  details: Record<string, unknown> | null;
  @ApiProperty({ format: 'date-time' }) at: string;
}

export class ExportCursors {
  @ApiProperty({ nullable: true, type: String, description: 'Pass to GET /v1/candidates/{id}/export/notes?cursor=' }) notes: string | null;
  @ApiProperty({ nullable: true, type: String }) applications: string | null;
  @ApiProperty({ nullable: true, type: String }) auditTrail: string | null;
}

export class CandidateExport {
  @ApiProperty({ format: 'date-time' }) exportedAt: string;
  @ApiProperty({ type: CandidateView }) candidate: CandidateView;
  @ApiProperty({ type: [IdentityView] }) identities: IdentityView[];
  @ApiProperty({ type: [ExportedNote], description: 'The first 200' }) notes: ExportedNote[];
  @ApiProperty({ type: [ExportedApplication], description: 'The first 200' }) applications: ExportedApplication[];
  @ApiProperty({ type: [ExportedAuditEntry], description: 'The first 200' }) auditTrail: ExportedAuditEntry[];
  @ApiProperty({ type: ExportCursors, description: 'Where each section carries on; null when it is complete' }) nextCursors: ExportCursors;
}
