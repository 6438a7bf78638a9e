import { toPrefixQuery, toPrefixTermsQuery } from './candidates.service';

describe('search query', () => {
  it('turns words into prefix terms and drops tsquery syntax', () => {
    expect(toPrefixQuery('Wei Zhang')).toBe("'wei':* & 'zhang':*");
    expect(toPrefixQuery("o'brien & (rlhf | !x) :*")).toBe("'o':* & 'brien':* & 'rlhf':* & 'x':*");
    expect(toPrefixQuery('张伟')).toBe("'张伟':*");
    expect(toPrefixQuery('   ,;  ')).toBeNull();
  });

  it('gives the same words as whole terms for the index of prefixes', () => {
    expect(toPrefixTermsQuery('Wei Zhang')).toBe("'wei' & 'zhang'");
    expect(toPrefixTermsQuery("o'brien & (rlhf | !x) :*")).toBe("'o' & 'brien' & 'rlhf' & 'x'");
    expect(toPrefixTermsQuery('张伟')).toBe("'张伟'");
    expect(toPrefixTermsQuery('   ,;  ')).toBeNull();
  });
});
