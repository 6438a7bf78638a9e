import { interviewMailMessageId, interviewTitle, InterviewNow, MailContext, MailRow, PanelMember, skipReason } from './interview-mails.service';

const STARTS = new Date('2027-03-10T01:00:00Z');
const HOUR = 3600_000;
const before = (ms: number) => new Date(STARTS.getTime() - ms);

const interview = (overrides: Partial<InterviewNow> = {}): InterviewNow => ({
  id: 'i1',
  status: 'scheduled',
  sequence: 1,
  kind: 'technical',
  starts_at: STARTS,
  ends_at: new Date(STARTS.getTime() + HOUR),
  candidate_time_zone: 'America/Los_Angeles',
  location: null,
  tf_company: 'ByteDance',
  tf_time_zone: 'America/Los_Angeles',
  candidate_name: 'Wei Zhang',
  candidate_email: 'wei@example.org',
  candidate_erased: false,
  organizer_name: 'Jun Wang',
  organizer_email: 'jun@hire.example.com',
  ...overrides,
});
const member = (user_id: string, active = true): PanelMember => ({
  interview_id: 'i1',
  user_id,
  active,
  starts_at: STARTS,
  ends_at: new Date(STARTS.getTime() + HOUR),
  name: user_id,
  email: `${user_id}@hire.example.com`,
  time_zone: 'Asia/Shanghai',
});
const row = (kind: MailRow['kind'], recipient: string | null = null, sequence = 1): MailRow => ({
  id: 'm1',
  interview_id: 'i1',
  recipient_user_id: recipient,
  kind,
  sequence,
  attempts: 1,
});
const ctx = (overrides: Partial<MailContext> = {}): MailContext => ({
  interview: interview(),
  panel: [member('u1'), member('u2', false)],
  invited: true,
  ...overrides,
});
const DAY_BEFORE = before(24 * HOUR);

describe('which interview mails still apply when they are sent', () => {
  it('sends a request or reminder of the current sequence to the candidate and the active panel', () => {
    expect(skipReason(row('request'), ctx(), DAY_BEFORE)).toBeNull();
    expect(skipReason(row('request', 'u1'), ctx(), DAY_BEFORE)).toBeNull();
    expect(skipReason(row('reminder_24h', 'u1'), ctx(), DAY_BEFORE)).toBeNull();
    expect(skipReason(row('reminder_1h'), ctx(), before(HOUR))).toBeNull();
  });

  it('skips requests and reminders of an older sequence or of a cancelled interview', () => {
    expect(skipReason(row('request', null, 0), ctx(), DAY_BEFORE)).toBe('the interview was rescheduled (sequence 1, this mail 0)');
    expect(skipReason(row('reminder_1h', 'u1', 0), ctx(), before(HOUR))).toMatch(/rescheduled/);
    expect(skipReason(row('reminder_24h'), ctx({ interview: interview({ status: 'cancelled' }) }), DAY_BEFORE)).toBe('the interview is cancelled');
    expect(skipReason(row('request', 'u1'), ctx({ interview: interview({ status: 'cancelled' }) }), DAY_BEFORE)).toBe('the interview is cancelled');
  });

  it('skips reminders too late to be true, and requests for an interview that is over', () => {
    expect(skipReason(row('reminder_24h'), ctx(), before(HOUR))).toBe('too late for the 24-hour reminder');
    expect(skipReason(row('reminder_24h'), ctx(), before(HOUR + 1))).toBeNull();
    expect(skipReason(row('reminder_1h'), ctx(), STARTS)).toMatch(/too late for the 1-hour reminder/);
    expect(skipReason(row('request'), ctx(), new Date(STARTS.getTime() + 30 * 60_000))).toBeNull();
    expect(skipReason(row('request'), ctx(), new Date(STARTS.getTime() + HOUR))).toBe('the interview is over');
  });

  it('sends a cancel to whoever may hold the event: the people of a cancelled interview, or a member taken off the panel', () => {
    const cancelled = ctx({ interview: interview({ status: 'cancelled' }) });
    expect(skipReason(row('cancel'), cancelled, DAY_BEFORE)).toBeNull();
    expect(skipReason(row('cancel', 'u1'), cancelled, DAY_BEFORE)).toBeNull();
    expect(skipReason(row('cancel', 'u2', 0), ctx(), DAY_BEFORE)).toBeNull();
    expect(skipReason(row('cancel'), ctx(), DAY_BEFORE)).toBe('the interview is not cancelled');
    expect(skipReason(row('cancel', 'u1', 0), ctx(), DAY_BEFORE)).toBe('the recipient is on the panel again');
    expect(skipReason(row('cancel'), { ...cancelled, invited: false }, DAY_BEFORE)).toBe('no invitation went to the recipient: nothing to cancel');
  });

  it('skips mail to a member taken off the panel (other than the cancel), or not on it at all', () => {
    expect(skipReason(row('request', 'u2'), ctx(), DAY_BEFORE)).toBe('the recipient is no longer on the panel');
    expect(skipReason(row('reminder_1h', 'u2'), ctx(), before(HOUR))).toBe('the recipient is no longer on the panel');
    expect(skipReason(row('request', 'u3'), ctx(), DAY_BEFORE)).toBe('the recipient is not on the panel');
  });

  it('sends nothing about an erased candidate, and nothing to a candidate without an address', () => {
    const erased = ctx({ interview: interview({ candidate_erased: true, candidate_email: null }) });
    expect(skipReason(row('request'), erased, DAY_BEFORE)).toBe('the candidate was erased');
    expect(skipReason(row('request', 'u1'), erased, DAY_BEFORE)).toBe('the candidate was erased');
    const noAddress = ctx({ interview: interview({ candidate_email: null }) });
    expect(skipReason(row('request'), noAddress, DAY_BEFORE)).toBe('the candidate has no email address');
    expect(skipReason(row('request', 'u1'), noAddress, DAY_BEFORE)).toBeNull();
    expect(skipReason(row('request'), ctx({ interview: undefined }), DAY_BEFORE)).toBe('the interview is gone');
  });

  it('titles the event by company, kind and candidate, and derives the Message-ID from the row', () => {
    expect(interviewTitle('technical', 'ByteDance', 'Wei Zhang')).toBe('ByteDance technical interview: Wei Zhang');
    expect(interviewTitle('hiring_manager', 'Alibaba', '李明')).toBe('Alibaba hiring manager interview: 李明');
    expect(interviewTitle('pair_programming', 'Alibaba', 'Li Ming')).toBe('Alibaba pair programming interview: Li Ming');
    expect(interviewMailMessageId('6f1c0d1e-0000-4000-8000-000000000001', 'hire.example.com')).toBe(
      '<interview-mail.6f1c0d1e-0000-4000-8000-000000000001@hire.example.com>',
    );
  });
});
