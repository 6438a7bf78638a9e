import { CandidatesService } from '@app/candidates';
import { DomainEvents } from '@app/platform';
import { Injectable, OnModuleInit } from '@nestjs/common';

/**
 * What compensation forgets when a person is erased, as a subscriber of `candidate.erased` in the
 * erasure's transaction: the free-text comments on their offers' history, and the employers of
 * their competing offers (the amounts stay, for pay analysis). docs/privacy.md.
 */
@Injectable()
export class CompensationRules implements OnModuleInit {
  constructor(
    private readonly events: DomainEvents,
    private readonly candidates: CandidatesService,
  ) {}

  onModuleInit(): void {
    this.events.subscribe('candidate.erased', async (tx, { payload }) => {
      const subject = await this.candidates.erasureSubject(tx, payload.candidateId);
      if (!subject) return;
      await tx.query(
        `UPDATE offer_events SET comment = NULL WHERE comment IS NOT NULL
            AND offer_id IN (SELECT o.id FROM offers o JOIN applications a ON a.id = o.application_id WHERE a.candidate_id = ANY($1::uuid[]))`,
        [subject.ids],
      );
      await tx.query(
        `UPDATE competing_offers SET employer = '[erased]' WHERE application_id IN (SELECT id FROM applications WHERE candidate_id = ANY($1::uuid[]))`,
        [subject.ids],
      );
    });
  }
}
