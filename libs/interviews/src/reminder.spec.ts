import { buildReminder, InvitationPerson } from './invitation';

const candidate: InvitationPerson = { name: 'Wei Zhang', email: 'wei.zhang@example.org', zone: 'America/Los_Angeles', role: 'candidate' };
const interviewer: InvitationPerson = { name: '王小明', email: 'wangxm@example.cn', zone: 'Asia/Shanghai', role: 'interviewer' };
/** Wednesday 09:00 in Beijing: Tuesday 17:00 PST in Sunnyvale. */
const start = new Date('2027-03-10T01:00:00Z');
const interview = {
  title: 'Technical interview: Wei Zhang (ByteDance)',
  start,
  end: new Date(start.getTime() + 3600_000),
  location: 'https://meet.example.com/abc-defg-hij',
  organizer: { name: 'Jun Wang', email: 'jun.wang@hire.example.com' },
};

describe('interview reminders', () => {
  it('says in how long the interview starts, and when and where in the recipient’s own zone', () => {
    const reminder = buildReminder(interview, candidate, '24h');
    expect(reminder.subject).toBe('Reminder: Technical interview: Wei Zhang (ByteDance) in 24 hours');
    expect(reminder.text).toBe(
      [
        'Hello Wei Zhang,',
        '',
        'This is a reminder: the interview "Technical interview: Wei Zhang (ByteDance)" starts in 24 hours.',
        '',
        'When: Tuesday 9 March 2027, 17:00–18:00 (America/Los_Angeles, PST)',
        'Where: https://meet.example.com/abc-defg-hij',
        'Organizer: Jun Wang <jun.wang@hire.example.com>',
        '',
      ].join('\n'),
    );
    const beijing = buildReminder(interview, interviewer, '1h');
    expect(beijing.subject).toBe('Reminder: Technical interview: Wei Zhang (ByteDance) in 1 hour');
    expect(beijing.text).toContain('Hello 王小明,\n');
    expect(beijing.text).toContain('starts in 1 hour.\n');
    expect(beijing.text).toContain('When: Wednesday 10 March 2027, 09:00–10:00 (Asia/Shanghai, GMT+8)\n');
  });

  it('keeps the subject and every line of the body on one line, and leaves out a missing location', () => {
    const reminder = buildReminder({ ...interview, title: 'Chat\r\nBcc: x@y.example', location: undefined }, { ...candidate, name: 'Wei\nWhere: evil' }, '1h');
    expect(reminder.subject).toBe('Reminder: Chat Bcc: x@y.example in 1 hour');
    expect(reminder.text.split('\n').filter((l) => l.startsWith('Where:'))).toEqual([]);
    expect(reminder.text).toContain('Hello Wei Where: evil,\n');
  });

  it('refuses a zone that is not an IANA zone and an interview that ends before it starts', () => {
    expect(() => buildReminder(interview, { ...candidate, zone: 'Mars/Olympus_Mons' }, '1h')).toThrow(/IANA/);
    expect(() => buildReminder({ ...interview, end: start }, candidate, '1h')).toThrow(/end after/);
  });
});
