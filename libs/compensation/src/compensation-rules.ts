import { CandidatesService } from '@app/candidates';
import { DomainEvents } from '@app/platform';
import { Injectable, OnModuleInit } from '@nestjs/common';

/**
 * Compensation's rules on other changes. A new exchange rate queues the re-check of the offers
 * pinned on its pair. And what compensation forgets when a person is erased, as a subscriber of `candidate.erased` in the
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
    // A new rate: every approved offer pinned on the pair is to be re-checked, durably, one job each (OffersService.recheckRate).
    this.events.subscribe('fx_rate.set', async (tx, { payload, occurredAt }) => {
      await tx.query(
        `INSERT INTO offer_rate_checks (offer_id, base, quote, as_of, rate, requested_at)
         SELECT o.id, $1, $2, $3, $4, $5 FROM offers o JOIN salary_bands b ON b.id = o.salary_band_id
          WHERE o.status = 'approved' AND o.pinned_rate IS NOT NULL AND ((o.currency = $1 AND b.currency = $2) OR (o.currency = $2 AND b.currency = $1))
         ON CONFLICT (offer_id) DO UPDATE SET base = EXCLUDED.base, quote = EXCLUDED.quote, as_of = EXCLUDED.as_of, rate = EXCLUDED.rate, requested_at = EXCLUDED.requested_at`,
        [payload.base, payload.quote, payload.asOf, payload.rate, occurredAt],
      );
    });
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
