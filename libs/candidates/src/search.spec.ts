import { toPrefixTermsQuery } from './candidates.service';

describe('search query', () => {
  it('turns words into whole terms for the index of prefixes and drops tsquery syntax', () => {
    expect(toPrefixTermsQuery('Wei Zhang')).toBe("'wei' & 'zhang'");
    expect(toPrefixTermsQuery("o'brien & (rlhf | !x) :*")).toBe("'o' & 'brien' & 'rlhf' & 'x'");
    expect(toPrefixTermsQuery('张伟')).toBe("'张伟'");
    expect(toPrefixTermsQuery('   ,;  ')).toBeNull();
    expect(toPrefixTermsQuery('a b c d e f g h i j')).toBe("'a' & 'b' & 'c' & 'd' & 'e' & 'f' & 'g' & 'h'");
  });
});
