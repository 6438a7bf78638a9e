import { CandidatesService, GateRefusal, LockedApplication, StageGates } from '@app/candidates';
import { DomainEvents } from '@app/platform';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ScorecardsService } from './scorecards.service';

/**
 * What scorecards hold other libraries' changes to, in their transactions: a move to offer needs
 * the scorecards of every step of the opening's plan that requires them (a gate on the pipeline),
 * and an erased candidate's scorecards lose their notes.
 */
@Injectable()
export class ScorecardRules implements OnModuleInit {
  constructor(
    private readonly scorecards: ScorecardsService,
    private readonly gates: StageGates,
    private readonly events: DomainEvents,
    private readonly candidates: CandidatesService,
  ) {}

  onModuleInit(): void {
    this.gates.register('offer', (tx, application) => this.offerGate(tx, application));
    this.events.subscribe('candidate.erased', async (tx, { payload }) => {
      const subject = await this.candidates.erasureSubject(tx, payload.candidateId);
      if (!subject) return;
      await tx.query(
        `UPDATE scorecards SET notes = NULL WHERE notes IS NOT NULL AND application_id IN (SELECT id FROM applications WHERE candidate_id = ANY($1::uuid[]))`,
        [subject.ids],
      );
    });
  }

  /** Every plan step with scorecard_required needs an interview, not cancelled, with interviewers_needed scorecards. */
  async offerGate(tx: EntityManager, application: LockedApplication): Promise<GateRefusal | null> {
    if (!application.opening_id) return null;
    const { steps } = await this.scorecards.coverage(tx, application.id, application.opening_id);
    const missing = steps.filter((s) => s.scorecardRequired && !s.complete);
    if (!missing.length) return null;
    return {
      code: 'scorecards_missing',
      message:
        `An offer needs the scorecards of every interview step that requires them; missing: ` +
        missing.map((s) => `step ${s.position} (${s.kind}, ${s.submitted} of ${s.interviewersNeeded})`).join(', ') +
        `. Send override with a reason to move anyway`,
      details: {
        steps: missing.map((s) => ({ position: s.position, kind: s.kind, scorecardsNeeded: s.interviewersNeeded, scorecardsSubmitted: s.submitted })),
      },
    };
  }
}
