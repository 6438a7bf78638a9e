import { CandidatesModule } from '@app/candidates';
import { TaskForcesModule } from '@app/task-forces';
import { Module } from '@nestjs/common';
import { InterviewAccess } from './interview-access';
import { ScorecardRules } from './scorecard-rules';
import { ScorecardsService } from './scorecards.service';

/** Interview plans, interviewers, the slot finder, interviews with their mails, and scorecards. Owns the interview tables. */
@Module({
  imports: [TaskForcesModule, CandidatesModule],
  providers: [InterviewAccess, ScorecardsService, ScorecardRules],
  exports: [InterviewAccess, ScorecardsService],
})
export class InterviewsModule {}
