import { RuleViolationError } from '@app/platform';
import { matchRatings } from './scorecards.service';

describe('matching ratings to an interview’s attributes', () => {
  const attributes = ['coding', 'ml_depth', 'communication'];
  const refusal = (ratings: { attribute: string; rating: number }[]) => {
    try {
      matchRatings(attributes, ratings);
    } catch (error) {
      expect(error).toBeInstanceOf(RuleViolationError);
      return { code: (error as RuleViolationError).code, ...(error as RuleViolationError).extra, detail: (error as Error).message };
    }
    throw new Error('accepted');
  };

  it('answers the ratings in the interview’s order, whatever order they came in', () => {
    expect(
      matchRatings(attributes, [
        { attribute: 'communication', rating: 2 },
        { attribute: 'coding', rating: 4 },
        { attribute: 'ml_depth', rating: 1 },
      ]),
    ).toEqual([
      { attribute: 'coding', rating: 4 },
      { attribute: 'ml_depth', rating: 1 },
      { attribute: 'communication', rating: 2 },
    ]);
    expect(matchRatings([], [])).toEqual([]);
  });

  it('names what is missing, unknown and rated twice, all at once', () => {
    expect(
      refusal([
        { attribute: 'coding', rating: 4 },
        { attribute: 'coding', rating: 1 },
        { attribute: 'Coding', rating: 3 },
      ]),
    ).toEqual({
      code: 'ratings_mismatch',
      attributes,
      missing: ['ml_depth', 'communication'],
      unknown: ['Coding'],
      duplicated: ['coding'],
      detail: "Rate each of the interview's attributes once (missing: ml_depth, communication; not of this interview: Coding; rated twice: coding)",
    });
    expect(refusal([])).toMatchObject({ missing: attributes, unknown: [], duplicated: [] });
  });
});
