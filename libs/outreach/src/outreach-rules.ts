import { CandidatesService, isOpen, Stage } from '@app/candidates';
import { DomainEvents } from '@app/platform';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { eraseFromOutreach, stopOutreach } from './outreach-stop';

/**
 * What outreach does when the pipeline or the person changes, as subscribers of their events,
 * inside the transaction that made the change (docs/events.md): a closed application ends its
 * sequences, an opt-out or an unsubscribe ends the person's, an erasure stops and forgets them,
 * and a merge moves the replies of the merged-away record to the keeper.
 */
@Injectable()
export class OutreachRules implements OnModuleInit {
  constructor(
    private readonly events: DomainEvents,
    private readonly candidates: CandidatesService,
  ) {}

  onModuleInit(): void {
    this.events.subscribe('application.stage_changed', async (tx, { payload }) => {
      if (!isOpen(payload.to as Stage)) await stopOutreach(this.events, tx, { applicationId: payload.applicationId }, 'application_closed');
    });
    this.events.subscribe('candidate.opted_out', async (tx, { payload }) => {
      await stopOutreach(this.events, tx, { candidateId: payload.candidateId }, payload.via === 'unsubscribe' ? 'unsubscribed' : 'opted_out');
    });
    this.events.subscribe('candidate.erased', async (tx, { payload }) => {
      const subject = await this.candidates.erasureSubject(tx, payload.candidateId);
      if (subject) await eraseFromOutreach(this.events, tx, payload.candidateId, subject.ids, subject.emails);
    });
    this.events.subscribe('candidate.merged', async (tx, { payload }) => {
      await tx.query(`UPDATE inbound_events SET candidate_id = $2 WHERE candidate_id = $1`, [payload.mergedCandidateId, payload.candidateId]);
    });
  }
}
