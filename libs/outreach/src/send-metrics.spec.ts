import { parseReply, replyClass } from './send-metrics';

describe('SMTP reply parsing for metrics and logs', () => {
  it('reads the reply code and the enhanced status code', () => {
    expect(parseReply('550 5.1.1 <x@example.com>: Recipient address rejected: User unknown')).toEqual({ code: 550, enhanced: '5.1.1' });
    expect(parseReply('451 4.7.1 <x@example.com>: Recipient address rejected: greylisted')).toEqual({ code: 451, enhanced: '4.7.1' });
    expect(parseReply('250 2.0.0 Ok: queued as 4ABC')).toEqual({ code: 250, enhanced: '2.0.0' });
    expect(parseReply('554-5.7.1 first line')).toEqual({ code: 554, enhanced: '5.7.1' });
    expect(parseReply('421 Service not available')).toEqual({ code: 421, enhanced: null });
  });

  it('has no code when there was no reply', () => {
    expect(parseReply(null)).toEqual({ code: null, enhanced: null });
    expect(parseReply('Connection timeout')).toEqual({ code: null, enhanced: null });
  });

  it('classes replies into a small closed set', () => {
    expect([250, 451, 550, null, 354].map(replyClass)).toEqual(['2xx', '4xx', '5xx', 'none', 'none']);
  });
});
