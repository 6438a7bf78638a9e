import { CandidatesModule } from '@app/candidates';
import { TaskForcesModule } from '@app/task-forces';
import { Module } from '@nestjs/common';
import { InterviewAccess } from './interview-access';
import { InterviewMailRecords } from './interview-mail-records.service';
import { InterviewMails } from './interview-mails.service';
import { InterviewRules } from './interview-rules';
import { InterviewersService } from './interviewers.service';
import { InterviewsService } from './interviews.service';
import { PlansService } from './plans.service';
import { ScorecardRules } from './scorecard-rules';
import { ScorecardsService } from './scorecards.service';

/** Interview plans, interviewers, the slot finder, interviews with their mails, and scorecards. Owns the interview tables. */
@Module({
  imports: [TaskForcesModule, CandidatesModule],
  providers: [
    InterviewAccess,
    InterviewersService,
    PlansService,
    InterviewsService,
    InterviewRules,
    ScorecardsService,
    ScorecardRules,
    InterviewMails,
    InterviewMailRecords,
  ],
  exports: [InterviewAccess, InterviewersService, PlansService, InterviewsService, ScorecardsService, InterviewMails, InterviewMailRecords],
})
export class InterviewsModule {}
