import { dataOf } from './smtp-pool';

describe('dataOf (a message as SMTP DATA carries it)', () => {
  const data = (text: string) => dataOf(Buffer.from(text)).toString();

  it('doubles the dot that begins a line, the first line included, and ends with the final dot', () => {
    expect(data('.first\r\nmiddle\r\n.\r\n..two\r\nlast\r\n')).toBe('..first\r\nmiddle\r\n..\r\n...two\r\nlast\r\n.\r\n');
  });

  it('ends the last line before the final dot when the message does not', () => {
    expect(data('no line end')).toBe('no line end\r\n.\r\n');
    expect(data('a dot at the end.')).toBe('a dot at the end.\r\n.\r\n');
  });

  it('leaves dots inside lines alone', () => {
    expect(data('a.b\r\nc. d\r\n')).toBe('a.b\r\nc. d\r\n.\r\n');
  });
});
