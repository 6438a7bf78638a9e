import { InterviewProgressView, ScorecardListView, ScorecardsService, ScorecardView, SubmitScorecardDto } from '@app/interviews';
import { decodeCursor, PageQuery } from '@app/platform';
import { Actor } from '@app/users';
import { CurrentActor, ForInterviewers, IdempotentPost, UuidPipe } from '@app/web';
import { Body, Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPage, ApiProblems } from '../openapi/decorators';

@ApiTags('interviews')
@ApiBearerAuth()
@Controller('v1')
export class ScorecardsController {
  constructor(private readonly scorecards: ScorecardsService) {}

  @IdempotentPost('interviews/:id/scorecards')
  @ForInterviewers()
  @ApiOperation({
    summary:
      "Submit your scorecard for an interview you are on the panel of, once it has started: a rating (1-4) for each of the interview's attributes, a recommendation, notes. Submitting again makes a new version.",
  })
  @ApiCreatedResponse({ type: ScorecardView })
  @ApiProblems(400, 401, 404, 409, 422)
  submit(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Body() dto: SubmitScorecardDto) {
    return this.scorecards.submit(actor, id, dto);
  }

  @Get('interviews/:id/scorecards')
  @ForInterviewers()
  @ApiOperation({
    summary:
      'The latest scorecard of each interviewer of the interview. A panelist who owes a scorecard for an interview of the application that has started sees only their own (hidden, reason).',
  })
  @ApiOkResponse({ type: ScorecardListView })
  @ApiProblems(400, 401, 404)
  listForInterview(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    return this.scorecards.listForInterview(actor, id);
  }

  @Get('applications/:id/scorecards')
  @ForInterviewers()
  @ApiOperation({
    summary: 'The latest scorecard of each interviewer of each interview of the application, behind the same guard: submit your own first.',
  })
  @ApiOkResponse({ type: ScorecardListView })
  @ApiProblems(400, 401, 404)
  listForApplication(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    return this.scorecards.listForApplication(actor, id);
  }

  @Get('scorecards/:id/versions')
  @ForInterviewers()
  @ApiOperation({ summary: 'Every version of the scorecard, oldest first. Another panelist’s scorecard is 403 submit_your_own_first while you owe yours.' })
  @ApiPage(ScorecardView)
  @ApiProblems(400, 401, 404)
  versions(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Query() query: PageQuery) {
    return this.scorecards.versions(actor, id, query, decodeCursor(query.cursor));
  }

  @Get('applications/:id/interview-progress')
  @ApiOperation({
    summary:
      "The opening's interview plan for the application: each step's interviews, scorecards submitted against those needed, the tally of latest recommendations, and whether an offer may be made (admins, the task force's recruiters).",
  })
  @ApiOkResponse({ type: InterviewProgressView })
  @ApiProblems(400, 401, 404)
  progress(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    return this.scorecards.progress(actor, id);
  }
}
