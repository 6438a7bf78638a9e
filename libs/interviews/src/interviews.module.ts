import { CandidatesModule } from '@app/candidates';
import { TaskForcesModule } from '@app/task-forces';
import { Module } from '@nestjs/common';
import { InterviewAccess } from './interview-access';
import { InterviewMails } from './interview-mails.service';

/** Interview plans, interviewers, the slot finder, interviews with their mails, and scorecards. Owns the interview tables. */
@Module({
  imports: [TaskForcesModule, CandidatesModule],
  providers: [InterviewAccess, InterviewMails],
  exports: [InterviewAccess, InterviewMails],
})
export class InterviewsModule {}
