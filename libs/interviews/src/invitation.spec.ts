import ICAL from 'ical.js';
import { buildInvitation, InterviewForInvitation, invitationUid, InvitationPerson } from './invitation';

const DOMAIN = 'hire.example.com';
const ID = '3f2b8c1e-5a4d-4e8b-9c7a-1b2c3d4e5f60';
const NOW = new Date('2027-03-01T08:30:15Z');

const candidate: InvitationPerson = { name: 'Wei Zhang', email: 'wei.zhang@example.org', zone: 'America/Los_Angeles', role: 'candidate' };
const interviewer: InvitationPerson = { name: '王小明', email: 'wangxm@example.cn', zone: 'Asia/Shanghai', role: 'interviewer' };
const organizer = { name: 'Jun Wang', email: 'jun.wang@hire.example.com' };

/** Wednesday 09:00 in Beijing is Tuesday evening in Sunnyvale: 17:00 PST on 9 March, 18:00 PDT on 16 March (DST starts 14 March 2027). */
const PST_START = new Date('2027-03-10T01:00:00Z');
const PDT_START = new Date('2027-03-17T01:00:00Z');
const HOUR = 3600_000;

function interview(overrides: Partial<InterviewForInvitation> = {}): InterviewForInvitation {
  return {
    id: ID,
    title: 'Technical interview — Staff ML Engineer',
    start: PST_START,
    end: new Date(PST_START.getTime() + HOUR),
    sequence: 0,
    location: 'https://meet.example.com/abc-defg-hij',
    organizer,
    attendees: [candidate, interviewer],
    ...overrides,
  };
}

const opts = { domain: DOMAIN, now: NOW };

interface Parsed {
  method: string;
  events: ICAL.Component[];
  event: ICAL.Component;
  propertyNames: string[];
  attendees: { address: string; cn: unknown; role: unknown; partstat: unknown; rsvp: unknown }[];
  organizer: { address: string; cn: unknown };
}

/** The calendar part read back by an independent parser, not by matching our own strings. */
function parse(ics: string): Parsed {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  expect(calendar.name).toBe('vcalendar');
  const events = calendar.getAllSubcomponents('vevent');
  const event = events[0];
  const organizerProperty = event.getFirstProperty('organizer')!;
  return {
    method: String(calendar.getFirstPropertyValue('method')),
    events,
    event,
    propertyNames: event.getAllProperties().map((p) => p.name),
    attendees: event.getAllProperties('attendee').map((p) => ({
      address: String(p.getFirstValue()).replace(/^mailto:/i, ''),
      cn: p.getParameter('cn'),
      role: p.getParameter('role'),
      partstat: p.getParameter('partstat'),
      rsvp: p.getParameter('rsvp'),
    })),
    organizer: { address: String(organizerProperty.getFirstValue()).replace(/^mailto:/i, ''), cn: organizerProperty.getParameter('cn') },
  };
}

const instant = (event: ICAL.Component, name: string) => {
  const time = event.getFirstPropertyValue(name) as ICAL.Time;
  expect(time.zone?.tzid).toBe('UTC');
  return time.toJSDate().toISOString();
};

const physicalLines = (ics: string) => ics.slice(0, -2).split('\r\n');

describe('interview invitations', () => {
  describe('the calendar part', () => {
    it('is an iTIP REQUEST with one event: stable UID, SEQUENCE 0, DTSTAMP and UTC start and end, organizer and attendees', () => {
      const mail = buildInvitation(interview(), candidate, 'REQUEST', opts);
      expect(mail.contentType).toBe('text/calendar; charset=utf-8; method=REQUEST');

      const { method, events, event, attendees, organizer: org } = parse(mail.ics);
      expect(method).toBe('REQUEST');
      expect(events).toHaveLength(1);
      expect(event.getFirstPropertyValue('uid')).toBe(`${ID}@${DOMAIN}`);
      expect(event.getFirstPropertyValue('sequence')).toBe(0);
      expect(instant(event, 'dtstamp')).toBe('2027-03-01T08:30:15.000Z');
      expect(instant(event, 'dtstart')).toBe('2027-03-10T01:00:00.000Z');
      expect(instant(event, 'dtend')).toBe('2027-03-10T02:00:00.000Z');
      expect(mail.ics).toContain('\r\nDTSTART:20270310T010000Z\r\n');
      expect(event.getFirstPropertyValue('summary')).toBe('Technical interview — Staff ML Engineer');
      expect(event.getFirstPropertyValue('location')).toBe('https://meet.example.com/abc-defg-hij');
      expect(event.getFirstPropertyValue('status')).toBe('CONFIRMED');
      expect(org).toEqual({ address: 'jun.wang@hire.example.com', cn: 'Jun Wang' });
      expect(attendees).toEqual([
        { address: 'wei.zhang@example.org', cn: 'Wei Zhang', role: 'REQ-PARTICIPANT', partstat: 'NEEDS-ACTION', rsvp: 'TRUE' },
        { address: 'wangxm@example.cn', cn: '王小明', role: 'REQ-PARTICIPANT', partstat: 'NEEDS-ACTION', rsvp: 'TRUE' },
      ]);
      // No time zone anywhere: every instant is UTC.
      expect(mail.ics).not.toMatch(/TZID|VTIMEZONE/);
    });

    it('keeps the UID on reschedule, carries the caller’s incremented SEQUENCE and the new instants', () => {
      const first = parse(buildInvitation(interview(), candidate, 'REQUEST', opts).ics).event;
      const moved = interview({ sequence: 1, start: PDT_START, end: new Date(PDT_START.getTime() + HOUR) });
      const second = parse(buildInvitation(moved, candidate, 'REQUEST', { domain: DOMAIN, now: new Date('2027-03-05T00:00:00Z') }).ics);
      expect(second.method).toBe('REQUEST');
      expect(second.event.getFirstPropertyValue('uid')).toBe(first.getFirstPropertyValue('uid'));
      expect(second.event.getFirstPropertyValue('sequence')).toBe(1);
      expect(instant(second.event, 'dtstart')).toBe('2027-03-17T01:00:00.000Z');
      expect(instant(second.event, 'dtend')).toBe('2027-03-17T02:00:00.000Z');
      expect(instant(second.event, 'dtstamp')).toBe('2027-03-05T00:00:00.000Z');
      const third = parse(buildInvitation(interview({ sequence: 2 }), interviewer, 'REQUEST', opts).ics).event;
      expect(third.getFirstPropertyValue('uid')).toBe(first.getFirstPropertyValue('uid'));
      expect(third.getFirstPropertyValue('sequence')).toBe(2);
    });

    it('cancels with METHOD:CANCEL, STATUS:CANCELLED, the same UID, every attendee and a SEQUENCE above the last REQUEST', () => {
      const lastRequest = interview({ sequence: 3 });
      const mail = buildInvitation(lastRequest, interviewer, 'CANCEL', opts);
      expect(mail.contentType).toBe('text/calendar; charset=utf-8; method=CANCEL');
      const { method, events, event, attendees, organizer: org } = parse(mail.ics);
      expect(method).toBe('CANCEL');
      expect(events).toHaveLength(1);
      expect(event.getFirstPropertyValue('status')).toBe('CANCELLED');
      expect(event.getFirstPropertyValue('uid')).toBe(invitationUid(ID, DOMAIN));
      expect(event.getFirstPropertyValue('sequence')).toBe(4);
      expect(instant(event, 'dtstart')).toBe(PST_START.toISOString());
      expect(org.address).toBe(organizer.email);
      expect(attendees.map((a) => a.address)).toEqual([candidate.email, interviewer.email]);
    });

    it('lists an organizer who also attends as the chair, with nothing to answer, and each address once', () => {
      const self: InvitationPerson = { name: 'Jun Wang', email: 'Jun.Wang@hire.example.com', zone: 'America/New_York', role: 'organizer' };
      const twice: InvitationPerson = { ...candidate, email: 'WEI.ZHANG@example.org' };
      const { attendees } = parse(buildInvitation(interview({ attendees: [candidate, interviewer, self, twice] }), self, 'REQUEST', opts).ics);
      expect(attendees.map((a) => a.address)).toEqual([candidate.email, interviewer.email, self.email]);
      expect(attendees[2]).toMatchObject({ role: 'CHAIR', partstat: 'ACCEPTED', rsvp: 'FALSE' });
    });

    it('has CRLF line endings, the last line too, and no physical line longer than 75 octets', () => {
      const long = interview({
        title: `Technical interview — Staff ML Engineer, 大语言模型推理与训练基础设施团队 (第二轮面试：系统设计与编码) 😀 ${'x'.repeat(120)}`,
        location: `https://meet.example.com/${'a'.repeat(150)}?pwd=${'b'.repeat(40)}`,
        attendees: [
          { ...interviewer, name: '欧阳娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜, 研究员' },
          { ...candidate, name: `Zhang, Wei; "Will" ${'Z'.repeat(90)}` },
        ],
      });
      const ics = buildInvitation(long, candidate, 'REQUEST', opts).ics;
      expect(ics.endsWith('END:VCALENDAR\r\n')).toBe(true);
      expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
      const lines = physicalLines(ics);
      expect(lines.some((line) => line.startsWith(' '))).toBe(true);
      for (const line of lines) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
      // Folding never splits a character: the parser gives everything back whole.
      const { event, attendees } = parse(ics);
      expect(event.getFirstPropertyValue('summary')).toBe(long.title);
      expect(event.getFirstPropertyValue('location')).toBe(long.location);
      expect(attendees.map((a) => a.cn)).toEqual(long.attendees.map((a) => a.name));
    });
  });

  describe('names and titles', () => {
    it('round-trip commas, semicolons, colons, quotes, carets, backslashes, line breaks and non-ASCII', () => {
      const names = ['王小明', 'Zhang, Wei; PhD', 'Li "Leo": Lei', "O'Brien \\ caret ^ done", 'First line\nsecond line', 'Ünïcødé Ådå', '李雷, 韩梅梅; 😀'];
      const people = names.map((name, n): InvitationPerson => ({ name, email: `p${n}@example.org`, zone: 'Asia/Shanghai', role: 'interviewer' }));
      const title = 'Interview; round 2, "system design" \\ 面试：王小明, 第二轮';
      const i = interview({ title, organizer: { name: '招聘, 团队; "HR"', email: organizer.email }, attendees: [candidate, ...people] });
      const { event, attendees, organizer: org } = parse(buildInvitation(i, candidate, 'REQUEST', opts).ics);
      expect(event.getFirstPropertyValue('summary')).toBe(title);
      expect(org.cn).toBe('招聘, 团队; "HR"');
      expect(attendees.map((a) => a.cn)).toEqual(['Wei Zhang', ...names]);
      expect(attendees.map((a) => a.address)).toEqual([candidate.email, ...people.map((p) => p.email)]);
    });

    it('cannot inject iCalendar properties through a title, a location, a name or an address', () => {
      const evil = '\r\nATTENDEE:mailto:evil@x';
      const i = interview({
        title: `Technical interview${evil}\r\nSTATUS:CANCELLED\nX-INJECTED:1\rMETHOD:PUBLISH`,
        location: `https://meet.example.com/x${evil}`,
        organizer: { name: `Jun${evil}`, email: organizer.email },
        attendees: [candidate, { ...interviewer, name: `王小明";ROLE=CHAIR:mailto:evil@x${evil}` }, { ...interviewer, email: `b@example.cn${evil}` }],
      });
      const mail = buildInvitation(i, candidate, 'REQUEST', opts);
      const { method, events, event, propertyNames, attendees } = parse(mail.ics);
      expect(method).toBe('REQUEST');
      expect(events).toHaveLength(1);
      expect(attendees).toHaveLength(3);
      expect(attendees.map((a) => a.address)).not.toContain('evil@x');
      expect(attendees[1]).toMatchObject({ cn: `王小明";ROLE=CHAIR:mailto:evil@x\nATTENDEE:mailto:evil@x`, role: 'REQ-PARTICIPANT' });
      expect(propertyNames.filter((n) => n === 'attendee')).toHaveLength(3);
      expect(propertyNames).not.toContain('x-injected');
      expect(propertyNames.filter((n) => n === 'status')).toHaveLength(1);
      expect(event.getFirstPropertyValue('status')).toBe('CONFIRMED');
      // The line breaks stay inside the text value, as text.
      expect(event.getFirstPropertyValue('summary')).toBe('Technical interview\nATTENDEE:mailto:evil@x\nSTATUS:CANCELLED\nX-INJECTED:1\nMETHOD:PUBLISH');
      expect(physicalLines(mail.ics).filter((line) => /^(ATTENDEE|STATUS|METHOD|X-INJECTED)[:;]/.test(line))).toEqual([
        'METHOD:REQUEST',
        expect.stringMatching(/^ATTENDEE;/),
        expect.stringMatching(/^ATTENDEE;/),
        expect.stringMatching(/^ATTENDEE;/),
        'STATUS:CONFIRMED',
      ]);
    });

    it('keeps the subject on one line and the body free of injected lines', () => {
      const i = interview({
        title: 'Technical interview\r\nATTENDEE:mailto:evil@x\r\nBcc: evil@x',
        organizer: { name: 'Jun\r\nBcc: evil@x', email: organizer.email },
      });
      const mail = buildInvitation(i, { ...candidate, name: 'Wei\nZhang' }, 'REQUEST', opts);
      expect(mail.subject).not.toMatch(/[\r\n]/);
      expect(mail.subject).toBe('Invitation: Technical interview ATTENDEE:mailto:evil@x Bcc: evil@x (Tue 9 Mar 2027, 17:00 PST)');
      for (const line of mail.text.split('\n')) expect(line).not.toMatch(/^(ATTENDEE|Bcc)/);
      expect(mail.text).toContain('Hello Wei Zhang,');
    });
  });

  describe('the text', () => {
    it('gives a Sunnyvale recipient the time in PST, and the Beijing interviewer’s time beside it', () => {
      const mail = buildInvitation(interview(), candidate, 'REQUEST', opts);
      expect(mail.subject).toBe('Invitation: Technical interview — Staff ML Engineer (Tue 9 Mar 2027, 17:00 PST)');
      expect(mail.text).toBe(
        [
          'Hello Wei Zhang,',
          '',
          'You are invited to the interview "Technical interview — Staff ML Engineer".',
          '',
          'When: Tuesday 9 March 2027, 17:00–18:00 (America/Los_Angeles, PST)',
          'Where: https://meet.example.com/abc-defg-hij',
          'Organizer: Jun Wang <jun.wang@hire.example.com>',
          '',
          'For the other participants, this is:',
          '- Wednesday 10 March 2027, 09:00–10:00 in Asia/Shanghai (GMT+8): 王小明 (interviewer)',
          '',
          'The attached calendar invitation adds the interview to your calendar; please accept or decline it there.',
          '',
        ].join('\n'),
      );
    });

    it('gives the same Beijing 09:00 a week later, after US DST starts, as 18:00 PDT', () => {
      const moved = interview({ sequence: 1, start: PDT_START, end: new Date(PDT_START.getTime() + HOUR) });
      const mail = buildInvitation(moved, candidate, 'REQUEST', opts);
      expect(mail.subject).toBe('Updated: Technical interview — Staff ML Engineer (Tue 16 Mar 2027, 18:00 PDT)');
      expect(mail.text).toContain('The interview "Technical interview — Staff ML Engineer" has been moved to a new time.');
      expect(mail.text).toContain('When: Tuesday 16 March 2027, 18:00–19:00 (America/Los_Angeles, PDT)\n');
      expect(mail.text).toContain('- Wednesday 17 March 2027, 09:00–10:00 in Asia/Shanghai (GMT+8): 王小明 (interviewer)\n');
    });

    it('gives a Beijing recipient Beijing time, and the candidate’s Sunnyvale time in PST or PDT', () => {
      const pst = buildInvitation(interview(), interviewer, 'REQUEST', opts);
      expect(pst.subject).toBe('Invitation: Technical interview — Staff ML Engineer (Wed 10 Mar 2027, 09:00 GMT+8)');
      expect(pst.text).toContain('Hello 王小明,\n');
      expect(pst.text).toContain('When: Wednesday 10 March 2027, 09:00–10:00 (Asia/Shanghai, GMT+8)\n');
      expect(pst.text).toContain('- Tuesday 9 March 2027, 17:00–18:00 in America/Los_Angeles (PST): Wei Zhang (candidate)\n');
      const pdt = buildInvitation(interview({ start: PDT_START, end: new Date(PDT_START.getTime() + HOUR) }), interviewer, 'REQUEST', opts);
      expect(pdt.text).toContain('When: Wednesday 17 March 2027, 09:00–10:00 (Asia/Shanghai, GMT+8)\n');
      expect(pdt.text).toContain('- Tuesday 16 March 2027, 18:00–19:00 in America/Los_Angeles (PDT): Wei Zhang (candidate)\n');
    });

    it('groups the other participants by zone and leaves out those in the recipient’s zone', () => {
      const second: InvitationPerson = { name: 'Li Lei', email: 'lilei@example.cn', zone: 'Asia/Shanghai', role: 'interviewer' };
      const colleague: InvitationPerson = { name: 'Ann Lee', email: 'ann@example.org', zone: 'America/Los_Angeles', role: 'interviewer' };
      const mail = buildInvitation(interview({ attendees: [candidate, interviewer, second, colleague] }), candidate, 'REQUEST', opts);
      const others = mail.text.split('\n').filter((line) => line.startsWith('- '));
      expect(others).toEqual(['- Wednesday 10 March 2027, 09:00–10:00 in Asia/Shanghai (GMT+8): 王小明 (interviewer), Li Lei (interviewer)']);
      const sameZone = buildInvitation(interview({ attendees: [candidate, colleague] }), candidate, 'REQUEST', opts);
      expect(sameZone.text).not.toContain('other participants');
    });

    it('names both days when the interview crosses midnight where the recipient is', () => {
      const late = interview({ start: new Date('2027-03-10T07:30:00Z'), end: new Date('2027-03-10T08:30:00Z') });
      expect(buildInvitation(late, candidate, 'REQUEST', opts).text).toContain(
        'When: Tuesday 9 March 2027, 23:30 – Wednesday 10 March 2027, 00:30 (America/Los_Angeles, PST)\n',
      );
    });

    it('says when a cancelled interview was, in the recipient’s zone', () => {
      const mail = buildInvitation(interview({ sequence: 1 }), candidate, 'CANCEL', opts);
      expect(mail.subject).toBe('Cancelled: Technical interview — Staff ML Engineer (Tue 9 Mar 2027, 17:00 PST)');
      expect(mail.text).toContain('The interview "Technical interview — Staff ML Engineer" has been cancelled.');
      expect(mail.text).toContain('It was scheduled for: Tuesday 9 March 2027, 17:00–18:00 (America/Los_Angeles, PST)\n');
      expect(mail.text).toContain('- Wednesday 10 March 2027, 09:00–10:00 in Asia/Shanghai (GMT+8): 王小明 (interviewer)\n');
      expect(mail.text).not.toContain('Where:');
    });
  });

  describe('refusals', () => {
    it('derives the UID from a UUID and a host name only', () => {
      expect(invitationUid(ID, DOMAIN)).toBe(invitationUid(ID.toUpperCase(), 'HIRE.example.com'));
      expect(invitationUid(ID, DOMAIN)).not.toBe(invitationUid('3f2b8c1e-5a4d-4e8b-9c7a-1b2c3d4e5f61', DOMAIN));
      expect(() => invitationUid(`${ID}\r\nATTENDEE:mailto:evil@x`, DOMAIN)).toThrow(/UUID/);
      expect(() => invitationUid('42', DOMAIN)).toThrow(/UUID/);
      expect(() => invitationUid(ID, 'hire.example.com\r\nX:1')).toThrow(/host name/);
      expect(() => buildInvitation(interview(), candidate, 'REQUEST', { domain: 'a b', now: NOW })).toThrow(/host name/);
    });

    it('refuses an interview that ends before it starts, a bad sequence or zone, and a recipient it does not list', () => {
      expect(() => buildInvitation(interview({ end: PST_START }), candidate, 'REQUEST', opts)).toThrow(/end after/);
      expect(() => buildInvitation(interview({ sequence: -1 }), candidate, 'REQUEST', opts)).toThrow(/sequence/);
      expect(() => buildInvitation(interview({ sequence: 1.5 }), candidate, 'REQUEST', opts)).toThrow(/sequence/);
      expect(() => buildInvitation(interview({ start: new Date('nope') }), candidate, 'REQUEST', opts)).toThrow(/start/);
      expect(() => buildInvitation(interview(), { ...candidate, zone: 'Mars/Olympus' }, 'REQUEST', opts)).toThrow(/IANA/);
      expect(() => buildInvitation(interview(), { ...candidate, email: 'someone@else.org' }, 'REQUEST', opts)).toThrow(/recipient/);
      // The organizer may receive a copy.
      const copy = buildInvitation(interview(), { ...organizer, zone: 'America/Los_Angeles', role: 'organizer' }, 'REQUEST', opts);
      expect(copy.text).toContain('Hello Jun Wang,');
    });
  });
});
