import {
  BlockDto,
  BlockListQuery,
  BlockView,
  CancelInterviewDto,
  InterviewerListQuery,
  InterviewerProfileDto,
  InterviewersService,
  InterviewerView,
  InterviewListQuery,
  InterviewMailRecords,
  InterviewMailView,
  InterviewsService,
  InterviewView,
  MyInterviewsQuery,
  PlansService,
  PlanView,
  PutPlanDto,
  RescheduleInterviewDto,
  ScheduleInterviewDto,
  SlotSearchDto,
  SlotSearchView,
} from '@app/interviews';
import { decodeCursor, PageQuery } from '@app/platform';
import { Actor } from '@app/users';
import { CurrentActor, ForInterviewers, IdempotentPost, NoBody, UuidPipe } from '@app/web';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPage, ApiProblems } from '../openapi/decorators';

@ApiTags('interviews')
@ApiBearerAuth()
@Controller('v1')
export class InterviewsController {
  constructor(
    private readonly interviews: InterviewsService,
    private readonly interviewers: InterviewersService,
    private readonly plans: PlansService,
    private readonly mailRecords: InterviewMailRecords,
  ) {}

  @Put('interviewers/:userId')
  @ApiOperation({ summary: "Set a user's interviewer profile: time zone, working hours, holiday calendars, task forces (admin)" })
  @ApiOkResponse({ type: InterviewerView })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  putInterviewer(@CurrentActor() actor: Actor, @Param('userId', UuidPipe) userId: string, @Body() dto: InterviewerProfileDto) {
    return this.interviewers.put(actor, userId, dto);
  }

  @Get('interviewers')
  @ApiOperation({ summary: 'Interviewer profiles (recruiters: those interviewing for their task forces)' })
  @ApiPage(InterviewerView)
  @ApiProblems(400, 401, 404)
  listInterviewers(@CurrentActor() actor: Actor, @Query() query: InterviewerListQuery) {
    return this.interviewers.list(actor, query, decodeCursor(query.cursor));
  }

  @Get('interviewers/:userId')
  @ForInterviewers()
  @ApiOperation({ summary: 'An interviewer profile (interviewers: their own)' })
  @ApiOkResponse({ type: InterviewerView })
  @ApiProblems(400, 401, 404)
  getInterviewer(@CurrentActor() actor: Actor, @Param('userId', UuidPipe) userId: string) {
    return this.interviewers.get(actor, userId);
  }

  @IdempotentPost('interviewers/:userId/blocks')
  @ForInterviewers()
  @ApiOperation({ summary: 'Block a time in an interviewer’s calendar (the interviewer, or an admin)' })
  @ApiCreatedResponse({ type: BlockView })
  @ApiProblems(400, 401, 404, 422)
  addBlock(@CurrentActor() actor: Actor, @Param('userId', UuidPipe) userId: string, @Body() dto: BlockDto) {
    return this.interviewers.addBlock(actor, userId, dto);
  }

  @Get('interviewers/:userId/blocks')
  @ForInterviewers()
  @ApiOperation({ summary: 'An interviewer’s blocked times that have not ended (the interviewer, or an admin)' })
  @ApiPage(BlockView)
  @ApiProblems(400, 401, 404)
  blocks(@CurrentActor() actor: Actor, @Param('userId', UuidPipe) userId: string, @Query() query: BlockListQuery) {
    return this.interviewers.blocks(actor, userId, query, decodeCursor(query.cursor));
  }

  @Delete('interviewers/:userId/blocks/:blockId')
  @ForInterviewers()
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a blocked time' })
  @ApiNoContentResponse()
  @ApiProblems(400, 401, 404)
  async removeBlock(@CurrentActor() actor: Actor, @Param('userId', UuidPipe) userId: string, @Param('blockId', UuidPipe) blockId: string): Promise<void> {
    await this.interviewers.removeBlock(actor, userId, blockId);
  }

  @Put('openings/:id/interview-plan')
  @ApiOperation({ summary: "Replace an opening's interview plan (admins, the task force's recruiters)" })
  @ApiOkResponse({ type: PlanView })
  @ApiProblems(400, 401, 404, 422)
  putPlan(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Body() dto: PutPlanDto) {
    return this.plans.put(actor, id, dto);
  }

  @Get('openings/:id/interview-plan')
  @ApiOperation({ summary: "An opening's interview plan (no steps when it has none)" })
  @ApiOkResponse({ type: PlanView })
  @ApiProblems(400, 401, 404)
  getPlan(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    return this.plans.get(actor, id);
  }

  @IdempotentPost('applications/:id/interview-slots')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Find interview slots for the candidate and a panel across time zones, working hours, holidays and existing interviews, best first, and why a day has none',
  })
  @ApiOkResponse({ type: SlotSearchView })
  @ApiProblems(400, 401, 404, 422)
  slots(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Body() dto: SlotSearchDto) {
    return this.interviews.slots(actor, id, dto);
  }

  @IdempotentPost('applications/:id/interviews')
  @ApiOperation({ summary: 'Schedule an interview; invitations go to the candidate and the panel (409 when someone is already in an interview then)' })
  @ApiCreatedResponse({ type: InterviewView })
  @ApiProblems(400, 401, 404, 409, 422)
  schedule(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Body() dto: ScheduleInterviewDto) {
    return this.interviews.schedule(actor, id, dto);
  }

  @Get('applications/:id/interviews')
  @ApiOperation({ summary: "The application's interviews" })
  @ApiPage(InterviewView)
  @ApiProblems(400, 401, 404)
  forApplication(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Query() query: InterviewListQuery) {
    return this.interviews.forApplication(actor, id, query, decodeCursor(query.cursor));
  }

  @Get('me/interviews')
  @ForInterviewers()
  @ApiOperation({ summary: 'The interviews the caller sits on that have not ended' })
  @ApiPage(InterviewView)
  @ApiProblems(400, 401)
  mine(@CurrentActor() actor: Actor, @Query() query: MyInterviewsQuery) {
    return this.interviews.mine(actor, query, decodeCursor(query.cursor));
  }

  @Get('interviews/:id')
  @ForInterviewers()
  @ApiOperation({ summary: 'An interview (interviewers: those they sit on)' })
  @ApiOkResponse({ type: InterviewView })
  @ApiProblems(400, 401, 404)
  get(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    return this.interviews.get(actor, id);
  }

  @Patch('interviews/:id')
  @ApiOperation({
    summary: 'Reschedule: a new start, length, location or panel; updated invitations (SEQUENCE + 1) go out, removed interviewers get a cancellation',
  })
  @ApiOkResponse({ type: InterviewView })
  @ApiProblems(400, 401, 404, 409, 422)
  reschedule(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Body() dto: RescheduleInterviewDto) {
    return this.interviews.reschedule(actor, id, dto);
  }

  @IdempotentPost('interviews/:id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel an interview; cancellations go to everyone invited' })
  @ApiOkResponse({ type: InterviewView })
  @ApiProblems(400, 401, 404, 409)
  cancel(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Body() dto: CancelInterviewDto) {
    return this.interviews.cancel(actor, id, dto);
  }

  @Get('interviews/:id/mails')
  @ApiOperation({ summary: "The interview's mails and how each went: sent, waiting, failed, uncertain (admins and the task force's recruiters)" })
  @ApiPage(InterviewMailView)
  @ApiProblems(400, 401, 404)
  mails(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Query() query: PageQuery) {
    return this.mailRecords.list(actor, id, query, decodeCursor(query.cursor));
  }

  @IdempotentPost('interview-mails/:id/resend')
  @HttpCode(200)
  @NoBody()
  @ApiOperation({
    summary: 'Send an uncertain or failed interview mail again, with the same Message-ID, once you know it did not arrive or mended its cause',
  })
  @ApiOkResponse({ type: InterviewMailView })
  @ApiProblems(400, 401, 404, 409, 422)
  resendMail(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    return this.mailRecords.resend(actor, id);
  }

  @IdempotentPost('interview-mails/:id/mark-sent')
  @HttpCode(200)
  @NoBody()
  @ApiOperation({ summary: 'Record an uncertain interview mail as sent, once you know it arrived (audited)' })
  @ApiOkResponse({ type: InterviewMailView })
  @ApiProblems(400, 401, 404, 409, 422)
  markMailSent(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    return this.mailRecords.markSent(actor, id);
  }
}
