import { IsUniqueArray, PageQuery, Trim } from '@app/platform';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import { LEVEL_PATTERN, OPENING_STATUSES, OpeningStatus, SKILL_AREAS, SkillArea, TASK_FORCE_STATUSES, TaskForceStatus } from './skill-areas';
import { IsIanaTimeZone } from './time-zone';
import type { Opening, TaskForce } from './task-force.entity';

const skillAreaMessage = `each value must be one of ${SKILL_AREAS.join(', ')}`;

export class CreateTaskForceDto {
  @ApiProperty({ example: 'Alibaba Sunnyvale / Accio' }) @Trim() @IsString() @Length(1, 200) name: string;
  @ApiProperty({ example: 'Alibaba' }) @Trim() @IsString() @Length(1, 200) company: string;
  @ApiProperty({ example: 'Sunnyvale, CA' }) @Trim() @IsString() @Length(1, 200) location: string;
  @ApiProperty({ example: 'America/Los_Angeles', description: 'IANA time zone' }) @IsIanaTimeZone() timeZone: string;

  @ApiProperty({ enum: SKILL_AREAS, isArray: true, example: ['search', 'llm'] })
  @IsArray()
  @ArrayMaxSize(SKILL_AREAS.length)
  @IsUniqueArray()
  @IsIn(SKILL_AREAS, { each: true, message: `focusAreas: ${skillAreaMessage}` })
  focusAreas: SkillArea[];

  @ApiProperty({ example: 12, minimum: 0, maximum: 10000 }) @IsInt() @Min(0) @Max(10000) headcountTarget: number;

  @ApiPropertyOptional({ type: [String], example: ['OpenAI', 'Google DeepMind'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUniqueArray()
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  targetEmployers?: string[];

  @ApiPropertyOptional({ enum: TASK_FORCE_STATUSES, default: 'active' })
  @IsOptional()
  @IsIn(TASK_FORCE_STATUSES, { message: `status must be one of ${TASK_FORCE_STATUSES.join(', ')}` })
  status?: TaskForceStatus;
}

export class UpdateTaskForceDto extends PartialType(CreateTaskForceDto) {}

export class TaskForceListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: TASK_FORCE_STATUSES })
  @IsOptional()
  @IsIn(TASK_FORCE_STATUSES, { message: `status must be one of ${TASK_FORCE_STATUSES.join(', ')}` })
  status?: TaskForceStatus;
}

export class TaskForceView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() company: string;
  @ApiProperty() location: string;
  @ApiProperty() timeZone: string;
  @ApiProperty({ enum: SKILL_AREAS, isArray: true }) focusAreas: SkillArea[];
  @ApiProperty() headcountTarget: number;
  @ApiProperty({ description: 'Applications hired into this task force' }) hiredCount: number;
  @ApiProperty({ description: 'headcountTarget minus hiredCount, never below 0' }) openHeadcount: number;
  @ApiProperty({ type: [String] }) targetEmployers: string[];
  @ApiProperty({ enum: TASK_FORCE_STATUSES }) status: TaskForceStatus;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;

  static of(t: TaskForce, hiredCount: number): TaskForceView {
    return {
      id: t.id,
      name: t.name,
      company: t.company,
      location: t.location,
      timeZone: t.timeZone,
      focusAreas: t.focusAreas,
      headcountTarget: t.headcountTarget,
      hiredCount,
      openHeadcount: Math.max(0, t.headcountTarget - hiredCount),
      targetEmployers: t.targetEmployers,
      status: t.status,
      createdAt: t.createdAt.toISOString(),
      updatedAt: t.updatedAt.toISOString(),
    };
  }
}

export class AddMemberDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID('all', { message: 'userId must be a UUID' }) userId: string;
}

export class MemberView {
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty() name: string;
  @ApiProperty() email: string;
  @ApiProperty() role: string;
  @ApiProperty({ format: 'date-time' }) addedAt: string;
}

export class CreateOpeningDto {
  @ApiProperty({ example: 'Staff Research Engineer, LLM pre-training' }) @Trim() @IsString() @Length(1, 200) title: string;

  @ApiProperty({ enum: SKILL_AREAS, example: 'llm' })
  @IsIn(SKILL_AREAS, { message: `skillArea must be one of ${SKILL_AREAS.join(', ')}` })
  skillArea: SkillArea;

  @ApiProperty({ example: 'P8', description: 'P4-P12, L3-L10 or T3-T11 (docs/domain.md)' })
  @IsString()
  @Matches(LEVEL_PATTERN, { message: 'level must be one of P4-P12, L3-L10 or T3-T11' })
  level: string;

  @ApiProperty({ example: 2, minimum: 1, maximum: 1000 }) @IsInt() @Min(1) @Max(1000) headcount: number;

  @ApiPropertyOptional({ enum: OPENING_STATUSES, default: 'open' })
  @IsOptional()
  @IsIn(OPENING_STATUSES, { message: `status must be one of ${OPENING_STATUSES.join(', ')}` })
  status?: OpeningStatus;
}

export class UpdateOpeningDto extends PartialType(CreateOpeningDto) {}

export class OpeningListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: OPENING_STATUSES })
  @IsOptional()
  @IsIn(OPENING_STATUSES, { message: `status must be one of ${OPENING_STATUSES.join(', ')}` })
  status?: OpeningStatus;

  @ApiPropertyOptional({ enum: SKILL_AREAS })
  @IsOptional()
  @IsIn(SKILL_AREAS, { message: `skillArea must be one of ${SKILL_AREAS.join(', ')}` })
  skillArea?: SkillArea;
}

export class OpeningView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) taskForceId: string;
  @ApiProperty() title: string;
  @ApiProperty({ enum: SKILL_AREAS }) skillArea: SkillArea;
  @ApiProperty() level: string;
  @ApiProperty() headcount: number;
  @ApiProperty({ enum: OPENING_STATUSES }) status: OpeningStatus;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;

  static of(o: Opening): OpeningView {
    return {
      id: o.id,
      taskForceId: o.taskForceId,
      title: o.title,
      skillArea: o.skillArea,
      level: o.level,
      headcount: o.headcount,
      status: o.status,
      createdAt: o.createdAt.toISOString(),
      updatedAt: o.updatedAt.toISOString(),
    };
  }
}
