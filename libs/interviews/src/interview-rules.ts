import { erasureSubject, isOpen, Stage } from '@app/candidates';
import { DomainEvents } from '@app/platform';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { InterviewsService } from './interviews.service';

/**
 * What interviews do when the pipeline or the person changes, inside the transaction that made
 * the change: a closed application (hired, rejected, withdrawn) and an erased person keep no
 * interview ahead (everyone invited gets a cancellation, but the erased person), an erased
 * person's interviews keep nothing about them but ids, and a merge moves the merged-away record's
 * interviews to the keeper.
 */
@Injectable()
export class InterviewRules implements OnModuleInit {
  constructor(
    private readonly events: DomainEvents,
    private readonly interviews: InterviewsService,
  ) {}

  onModuleInit(): void {
    this.events.subscribe('application.stage_changed', async (tx, { payload }) => {
      if (!isOpen(payload.to as Stage)) await this.interviews.cancelByRule(tx, { applicationId: payload.applicationId }, `application_${payload.to}`);
    });
    this.events.subscribe('candidate.erased', async (tx, { payload }) => {
      await this.interviews.cancelByRule(tx, { candidateId: payload.candidateId }, 'candidate_erased');
      const subject = await erasureSubject(tx, payload.candidateId);
      if (subject) await this.interviews.forgetPerson(tx, subject.ids);
    });
    this.events.subscribe('candidate.merged', async (tx, { payload }) => {
      await this.interviews.followMerge(tx, payload.mergedCandidateId, payload.candidateId);
    });
  }
}
