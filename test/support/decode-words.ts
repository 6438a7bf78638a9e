/**
 * RFC 2047 decoding as the standard has it: encoded words in Q or B, the white space between two
 * adjacent encoded words dropped, and each word on its own a whole UTF-8 sequence (a fatal
 * decoder throws on a character cut in two). `words` lists what each encoded word decoded to.
 */
export function decodeHeader(value: string): { text: string; words: string[] } {
  const unfolded = value.replace(/\r\n(?=[ \t])/g, '');
  const words: string[] = [];
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const text = unfolded.replace(/(\?=)[ \t]+(?==\?)/g, '$1').replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_, encoding: string, data: string) => {
    const bytes =
      encoding.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64')
        : Buffer.from(
            data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
            'latin1',
          );
    const word = utf8.decode(bytes);
    words.push(word);
    return word;
  });
  return { text, words };
}
