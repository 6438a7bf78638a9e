import { RuleViolationError } from '@app/platform';
import { allowedMoves, checkMove, FORWARD_STAGES, Stage } from './pipeline';

describe('pipeline graph', () => {
  it('moves one step forward, or out, from every open stage', () => {
    expect(allowedMoves('sourced')).toEqual(['contacted', 'rejected', 'withdrawn']);
    expect(allowedMoves('offer')).toEqual(['hired', 'rejected', 'withdrawn']);
    for (let i = 0; i < FORWARD_STAGES.length - 1; i++) expect(allowedMoves(FORWARD_STAGES[i])[0]).toBe(FORWARD_STAGES[i + 1]);
  });

  it('closes for good at hired, rejected and withdrawn', () => {
    for (const stage of ['hired', 'rejected', 'withdrawn'] as Stage[]) expect(allowedMoves(stage)).toEqual([]);
  });

  it('refuses skipping, going back and staying put, naming the allowed moves', () => {
    for (const [from, to] of [
      ['sourced', 'screening'],
      ['interviewing', 'contacted'],
      ['replied', 'replied'],
      ['hired', 'rejected'],
    ] as [Stage, Stage][]) {
      let error: unknown;
      try {
        checkMove(from, to, undefined);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RuleViolationError);
      expect((error as RuleViolationError).code).toBe('illegal_transition');
      expect((error as RuleViolationError).extra.allowed).toEqual(allowedMoves(from));
    }
  });

  it('needs a listed reason to reject or withdraw, and none otherwise', () => {
    expect(() => checkMove('screening', 'rejected', undefined)).toThrow(/needs a reason/);
    expect(() => checkMove('screening', 'rejected', 'accepted_other_offer')).toThrow(/needs a reason/);
    expect(() => checkMove('screening', 'rejected', 'not_qualified')).not.toThrow();
    expect(() => checkMove('offer', 'withdrawn', 'accepted_other_offer')).not.toThrow();
    expect(() => checkMove('sourced', 'contacted', 'not_qualified')).toThrow(/Only moves/);
  });
});
