import { CandidatesModule } from '@app/candidates';
import { TaskForcesModule } from '@app/task-forces';
import { Module } from '@nestjs/common';
import { EnrollmentsService } from './enrollments.service';
import { OutreachJobs } from './outreach-jobs';
import { OutreachReconciler } from './reconciler.service';
import { OutreachRules } from './outreach-rules';
import { OutreachSendMetrics } from './send-metrics';
import { OutreachResponses } from './responses.service';
import { OutreachSender } from './sender.service';
import { SequencesService } from './sequences.service';
import { SuppressionsService } from './suppressions';

const SERVICES = [
  SequencesService,
  EnrollmentsService,
  OutreachJobs,
  OutreachSender,
  OutreachReconciler,
  OutreachResponses,
  SuppressionsService,
  OutreachSendMetrics,
];

@Module({ imports: [TaskForcesModule, CandidatesModule], providers: [...SERVICES, OutreachRules], exports: SERVICES })
export class OutreachModule {}
