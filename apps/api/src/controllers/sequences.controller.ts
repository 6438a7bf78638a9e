import { decodeCursor } from '@app/platform';
import {
  CreateSequenceDto,
  EnrollDto,
  EnrollmentListQuery,
  EnrollmentsService,
  EnrollmentView,
  EnrollResult,
  PreviewDto,
  PreviewStepView,
  SequenceListQuery,
  SequenceStats,
  SequencesService,
  SequenceView,
  UpdateSequenceDto,
} from '@app/outreach';
import { Actor } from '@app/users';
import { CurrentActor, IdempotentPost, NoBody, UuidPipe } from '@app/web';
import { Body, Controller, Get, HttpCode, Param, Patch, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPage, ApiProblems } from '../openapi/decorators';
import { PositiveIntPipe, VersionPipe } from './pipes';

@ApiTags('outreach')
@ApiBearerAuth()
@Controller('v1/sequences')
export class SequencesController {
  constructor(
    private readonly sequences: SequencesService,
    private readonly enrollments: EnrollmentsService,
  ) {}

  @IdempotentPost()
  @ApiOperation({ summary: 'Create a sequence in a task force; templates with unknown variables are 422' })
  @ApiCreatedResponse({ type: SequenceView })
  @ApiProblems(400, 401, 404, 409, 422)
  create(@CurrentActor() actor: Actor, @Body() dto: CreateSequenceDto) {
    return this.sequences.create(actor, dto);
  }

  @Get()
  @ApiOperation({ summary: "Sequences of the caller's task forces (?taskForceId=)" })
  @ApiPage(SequenceView)
  @ApiProblems(400, 401)
  list(@CurrentActor() actor: Actor, @Query() query: SequenceListQuery) {
    return this.sequences.list(actor, query, decodeCursor(query.cursor));
  }

  @Get(':id')
  @ApiOperation({ summary: 'A sequence with its current version' })
  @ApiOkResponse({ type: SequenceView })
  @ApiProblems(400, 401, 404)
  get(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    return this.sequences.get(actor, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a sequence: a new version for new enrollments; running ones keep theirs' })
  @ApiOkResponse({ type: SequenceView })
  @ApiProblems(400, 401, 404, 409, 422)
  update(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Body() dto: UpdateSequenceDto) {
    return this.sequences.update(actor, id, dto);
  }

  @Get(':id/versions/:version')
  @ApiOperation({ summary: 'One version of a sequence' })
  @ApiOkResponse({ type: SequenceView })
  @ApiProblems(400, 401, 404)
  version(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Param('version', VersionPipe) version: number) {
    return this.sequences.version(actor, id, version);
  }

  @IdempotentPost(':id/preview')
  @HttpCode(200)
  @ApiOperation({ summary: 'Render the steps for a candidate, as they would be sent (the unsubscribe link is a placeholder)' })
  @ApiOkResponse({ type: [PreviewStepView] })
  @ApiProblems(400, 401, 404, 422)
  preview(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Body() dto: PreviewDto) {
    return this.sequences.preview(actor, id, dto);
  }

  @Get(':id/stats')
  @ApiOperation({ summary: 'Per step: scheduled, sent, uncertain, replied, bounced, opted out and reply rate' })
  @ApiOkResponse({ type: SequenceStats })
  @ApiProblems(400, 401, 404)
  stats(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    return this.sequences.stats(actor, id);
  }

  @IdempotentPost(':id/enrollments')
  @HttpCode(200)
  @ApiOperation({ summary: 'Enrol up to 10,000 candidates; answers what was enrolled and what was skipped, and why' })
  @ApiOkResponse({ type: EnrollResult })
  @ApiProblems(400, 401, 404)
  enroll(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Body() dto: EnrollDto) {
    return this.enrollments.enroll(actor, id, dto.candidateIds);
  }

  @Get(':id/enrollments')
  @ApiOperation({ summary: 'Enrollments of a sequence (?status=)' })
  @ApiPage(EnrollmentView)
  @ApiProblems(400, 401, 404)
  listEnrollments(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Query() query: EnrollmentListQuery) {
    return this.enrollments.list(actor, id, query, decodeCursor(query.cursor));
  }
}

@ApiTags('outreach')
@ApiBearerAuth()
@Controller('v1/enrollments')
export class EnrollmentsController {
  constructor(private readonly enrollments: EnrollmentsService) {}

  @Get(':id')
  @ApiOperation({ summary: "An enrollment with each step's state and times" })
  @ApiOkResponse({ type: EnrollmentView })
  @ApiProblems(400, 401, 404)
  get(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    return this.enrollments.get(actor, id);
  }

  @IdempotentPost(':id/pause')
  @HttpCode(200)
  @NoBody()
  @ApiOperation({ summary: 'Pause a running enrollment' })
  @ApiOkResponse({ type: EnrollmentView })
  @ApiProblems(400, 401, 404, 409, 422)
  pause(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    return this.enrollments.change(actor, id, 'pause');
  }

  @IdempotentPost(':id/resume')
  @HttpCode(200)
  @NoBody()
  @ApiOperation({ summary: 'Resume a paused enrollment' })
  @ApiOkResponse({ type: EnrollmentView })
  @ApiProblems(400, 401, 404, 409, 422)
  resume(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    return this.enrollments.change(actor, id, 'resume');
  }

  @IdempotentPost(':id/stop')
  @HttpCode(200)
  @NoBody()
  @ApiOperation({ summary: 'Stop an enrollment for good; steps not yet sent are skipped' })
  @ApiOkResponse({ type: EnrollmentView })
  @ApiProblems(400, 401, 404, 409, 422)
  stop(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    return this.enrollments.change(actor, id, 'stop');
  }

  @IdempotentPost(':id/steps/:step/resend')
  @HttpCode(200)
  @NoBody()
  @ApiOperation({ summary: 'Send an uncertain step again (same Message-ID), once you know it did not arrive' })
  @ApiOkResponse({ type: EnrollmentView })
  @ApiProblems(400, 401, 404, 422)
  resend(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Param('step', new PositiveIntPipe('step')) step: number) {
    return this.enrollments.resend(actor, id, step);
  }

  @IdempotentPost(':id/steps/:step/mark-sent')
  @HttpCode(200)
  @NoBody()
  @ApiOperation({ summary: 'Record an uncertain step as sent, once you know it arrived (audited); the sequence goes on as after a send' })
  @ApiOkResponse({ type: EnrollmentView })
  @ApiProblems(400, 401, 404, 422)
  markSent(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Param('step', new PositiveIntPipe('step')) step: number) {
    return this.enrollments.markSent(actor, id, step);
  }
}
