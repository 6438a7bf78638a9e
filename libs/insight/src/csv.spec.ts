import { toCsv } from './csv';

describe('CSV', () => {
  it('quotes what must be quoted and ends lines with CRLF', () => {
    expect(
      toCsv(
        ['a', 'b', 'c'],
        [
          { a: 'plain', b: 'with, comma', c: 'say "hi"\nthere' },
          { a: null, b: 0.5, c: true },
        ],
      ),
    ).toBe('a,b,c\r\nplain,"with, comma","say ""hi""\nthere"\r\n,0.5,true\r\n');
  });

  it('defuses cells a spreadsheet would run as formulas, but not negative numbers', () => {
    expect(toCsv(['x', 'y'], [{ x: '=HYPERLINK("http://evil")', y: -0.25 }])).toBe('x,y\r\n"\'=HYPERLINK(""http://evil"")",-0.25\r\n');
  });
});
