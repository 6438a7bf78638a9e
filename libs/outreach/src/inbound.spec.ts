import { isAutoReply, referencedMessageIds } from './inbound';

describe('reply matching', () => {
  it('reads In-Reply-To before References, newest reference first, without duplicates', () => {
    expect(referencedMessageIds('<b.2@hiring.example>', ['<a.1@hiring.example> <b.2@hiring.example>', '<c.3@other.example>'])).toEqual([
      '<b.2@hiring.example>',
      '<c.3@other.example>',
      '<a.1@hiring.example>',
    ]);
  });

  it('accepts ids given without angle brackets and ignores words that are not ids', () => {
    expect(referencedMessageIds('e1.2@hiring.example', ['see attached'])).toEqual(['<e1.2@hiring.example>']);
    expect(referencedMessageIds(undefined, undefined)).toEqual([]);
  });

  it('treats RFC 3834 Auto-Submitted other than "no" as automatic', () => {
    expect(isAutoReply({ 'Auto-Submitted': 'auto-replied' }, 'Re: hello')).toBe(true);
    expect(isAutoReply({ 'auto-submitted': 'No' }, 'Re: hello')).toBe(false);
  });

  it('recognises responder headers and out-of-office subjects, in English and Chinese', () => {
    expect(isAutoReply({ 'X-Autoreply': 'yes' }, 'Re: hello')).toBe(true);
    expect(isAutoReply({ Precedence: 'auto_reply' }, 'Re: hello')).toBe(true);
    expect(isAutoReply({}, 'Out of Office: back Monday')).toBe(true);
    expect(isAutoReply({}, 'Automatic reply: Re: ByteDance')).toBe(true);
    expect(isAutoReply({}, '自动回复: Re: 字节跳动')).toBe(true);
  });

  it('counts a person answering as a reply, even one who mentions the office', () => {
    expect(isAutoReply({ 'Content-Type': 'text/plain' }, 'Re: Doubao team, happy to talk')).toBe(false);
    expect(isAutoReply(undefined, 'Re: back in the office next week?')).toBe(false);
  });
});
