import ical, { ICalAttendeeRole, ICalAttendeeStatus, ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import { DateTime, IANAZone } from 'luxon';

export interface InvitationPerson {
  name: string;
  email: string;
  /** IANA time zone, e.g. America/Los_Angeles. */
  zone: string;
  role: 'candidate' | 'interviewer' | 'organizer';
}

export interface InterviewForInvitation {
  /** The interview's UUID; the calendar UID is derived from it, so it must never change. */
  id: string;
  title: string;
  start: Date;
  end: Date;
  /** 0 when first sent, +1 on every reschedule: the SEQUENCE of the last REQUEST. */
  sequence: number;
  /** The video link. */
  location?: string;
  organizer: { name: string; email: string };
  attendees: InvitationPerson[];
}

export type InvitationMethod = 'REQUEST' | 'CANCEL';

export interface InvitationOptions {
  /** Our mail domain: the right-hand side of the UID and part of PRODID. */
  domain: string;
  /** DTSTAMP: when this message is built. */
  now: Date;
}

export interface Invitation {
  subject: string;
  /** The text/plain part, in the recipient's own time zone. */
  text: string;
  /** The text/calendar part (CRLF line endings, folded at 75 octets). */
  ics: string;
  /** The Content-Type of the text/calendar part, with the iTIP method. */
  contentType: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * The calendar UID of an interview: the same interview gets the same UID in every message, which is
 * how calendars match a reschedule or a cancellation to the event they already hold.
 * ical-generator writes UID and PRODID verbatim (unlike text values), so both parts are checked
 * here: a line break in either would start a property of the caller's choosing.
 */
export function invitationUid(interviewId: string, domain: string): string {
  if (!UUID.test(interviewId)) throw new Error(`interview id must be a UUID, got ${JSON.stringify(interviewId)}`);
  if (!DOMAIN.test(domain)) throw new Error(`invitation domain must be a host name, got ${JSON.stringify(domain)}`);
  return `${interviewId.toLowerCase()}@${domain.toLowerCase()}`;
}

/**
 * The SEQUENCE a message carries. A REQUEST carries the interview's sequence as the caller keeps it.
 * A CANCEL carries one more: RFC 5546 needs it to be at least the last REQUEST's, and calendars
 * that ignore a message not newer than what they hold (Outlook bumps on cancel for this reason)
 * would otherwise keep the event. An interview revived after a cancel must therefore use a new id
 * or a sequence above the cancel's.
 */
export function invitationSequence(sequence: number, method: InvitationMethod): number {
  return method === 'CANCEL' ? sequence + 1 : sequence;
}

/** Subject and body text on their own lines: a line break from a title or name must not start a mail header or fake a line. */
const oneLine = (value: string) => value.replace(/[\r\n\u2028\u2029]+/g, ' ').trim();

const ROLE_LABEL: Record<InvitationPerson['role'], string> = { candidate: 'candidate', interviewer: 'interviewer', organizer: 'organizer' };

export interface LocalSpan {
  /** 'Thursday 14 January 2027, 17:00–18:00', or both days when it ends on another local day. */
  range: string;
  /** 'PST', 'GMT+8'; both when the span crosses a DST change ('PST/PDT'). */
  abbreviation: string;
  /** 'Thu 14 Jan 2027, 17:00 PST', for the subject. */
  short: string;
}

/** An interview's time as someone in `zone` reads it. */
export function localSpan(start: Date, end: Date, zone: string): LocalSpan {
  // en-US for the abbreviations (PST, EDT; GMT+8 where the US has no name); the layout is fixed by the tokens.
  const s = DateTime.fromJSDate(start, { zone }).setLocale('en-US');
  const e = DateTime.fromJSDate(end, { zone }).setLocale('en-US');
  const day = (d: DateTime) => d.toFormat('cccc d LLLL yyyy');
  const time = (d: DateTime) => d.toFormat('HH:mm');
  const range = day(s) === day(e) ? `${day(s)}, ${time(s)}–${time(e)}` : `${day(s)}, ${time(s)} – ${day(e)}, ${time(e)}`;
  const [a, b] = [s.offsetNameShort ?? s.toFormat('ZZ'), e.offsetNameShort ?? e.toFormat('ZZ')];
  return { range, abbreviation: a === b ? a : `${a}/${b}`, short: `${s.toFormat('ccc d LLL yyyy, HH:mm')} ${a}` };
}

function checkInterview(i: InterviewForInvitation, recipient: InvitationPerson, now: Date): void {
  if (!Number.isSafeInteger(i.sequence) || i.sequence < 0) throw new Error(`sequence must be a non-negative integer, got ${i.sequence}`);
  for (const [name, at] of [
    ['start', i.start],
    ['end', i.end],
    ['now', now],
  ] as const)
    if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new Error(`${name} is not a valid date`);
  // ical-generator would silently swap a reversed start and end.
  if (i.end.getTime() <= i.start.getTime()) throw new Error('an interview must end after it starts');
  for (const person of [...i.attendees, recipient])
    if (!IANAZone.isValidZone(person.zone)) throw new Error(`${JSON.stringify(person.zone)} is not an IANA time zone`);
  const known = [i.organizer.email, ...i.attendees.map((a) => a.email)].map((e) => e.toLowerCase());
  // A calendar shows no answer buttons to someone the invitation does not list.
  if (!known.includes(recipient.email.toLowerCase())) throw new Error('the recipient is neither the organizer nor an attendee of the interview');
}

/** Attendees once each, by address (case-insensitive): two ATTENDEE lines for one address confuse calendars. */
function distinctAttendees(attendees: InvitationPerson[]): InvitationPerson[] {
  const seen = new Set<string>();
  return attendees.filter((a) => {
    const key = a.email.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function buildIcs(i: InterviewForInvitation, attendees: InvitationPerson[], method: InvitationMethod, opts: InvitationOptions): string {
  const uid = invitationUid(i.id, opts.domain);
  const calendar = ical({
    prodId: { company: opts.domain.toLowerCase(), product: 'Interviews', language: 'EN' },
    method: method === 'CANCEL' ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST,
  });
  // No time zone on the calendar or the event: DTSTART and DTEND go out in UTC, the same instant in every client, with no VTIMEZONE to get wrong.
  const event = calendar.createEvent({
    id: uid,
    sequence: invitationSequence(i.sequence, method),
    stamp: opts.now,
    start: i.start,
    end: i.end,
    summary: i.title,
    location: i.location || null,
    status: method === 'CANCEL' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    organizer: { name: i.organizer.name, email: i.organizer.email },
  });
  const organizer = i.organizer.email.toLowerCase();
  for (const a of attendees) {
    // The organizer listed among the attendees is the meeting's chair and has nothing to answer.
    const self = a.email.toLowerCase() === organizer;
    event.createAttendee({
      name: a.name,
      email: a.email,
      role: self ? ICalAttendeeRole.CHAIR : ICalAttendeeRole.REQ,
      status: self ? ICalAttendeeStatus.ACCEPTED : ICalAttendeeStatus.NEEDSACTION,
      rsvp: !self,
    });
  }
  // RFC 5545 ends every content line with CRLF, the last one too; ical-generator leaves it off.
  return `${calendar.toString()}\r\n`;
}

function buildText(i: InterviewForInvitation, attendees: InvitationPerson[], recipient: InvitationPerson, method: InvitationMethod, when: LocalSpan): string {
  const title = oneLine(i.title);
  const lines = [`Hello ${oneLine(recipient.name)},`, ''];
  if (method === 'CANCEL')
    lines.push(`The interview "${title}" has been cancelled.`, '', `It was scheduled for: ${when.range} (${recipient.zone}, ${when.abbreviation})`);
  else {
    lines.push(i.sequence > 0 ? `The interview "${title}" has been moved to a new time.` : `You are invited to the interview "${title}".`);
    lines.push('', `When: ${when.range} (${recipient.zone}, ${when.abbreviation})`);
    if (i.location) lines.push(`Where: ${oneLine(i.location)}`);
  }
  lines.push(`Organizer: ${oneLine(i.organizer.name)} <${oneLine(i.organizer.email)}>`);

  // The other participants' local times, one line per zone other than the recipient's.
  const others = new Map<string, InvitationPerson[]>();
  for (const a of attendees)
    if (a.email.toLowerCase() !== recipient.email.toLowerCase() && a.zone !== recipient.zone) others.set(a.zone, [...(others.get(a.zone) ?? []), a]);
  if (others.size) {
    lines.push('', method === 'CANCEL' ? 'It was, for the other participants:' : 'For the other participants, this is:');
    for (const [zone, people] of others) {
      const span = localSpan(i.start, i.end, zone);
      lines.push(`- ${span.range} in ${zone} (${span.abbreviation}): ${people.map((p) => `${oneLine(p.name)} (${ROLE_LABEL[p.role]})`).join(', ')}`);
    }
  }
  lines.push(
    '',
    method === 'CANCEL'
      ? 'The attached calendar update removes the interview from your calendar.'
      : 'The attached calendar invitation adds the interview to your calendar; please accept or decline it there.',
  );
  return `${lines.join('\n')}\n`;
}

/**
 * One recipient's invitation mail for an interview: a subject, a plain-text body in the recipient's
 * time zone, and the iTIP text/calendar part (RFC 5546). REQUEST sends a new or rescheduled
 * interview (the subject says Invitation at sequence 0 and Updated after), CANCEL withdraws it
 * (STATUS:CANCELLED, SEQUENCE bumped: see invitationSequence). The calendar part lists every
 * attendee and is the same for all recipients of one message; only subject and text differ.
 */
export function buildInvitation(i: InterviewForInvitation, recipient: InvitationPerson, method: InvitationMethod, opts: InvitationOptions): Invitation {
  checkInterview(i, recipient, opts.now);
  const attendees = distinctAttendees(i.attendees);
  const when = localSpan(i.start, i.end, recipient.zone);
  const label = method === 'CANCEL' ? 'Cancelled' : i.sequence > 0 ? 'Updated' : 'Invitation';
  return {
    subject: `${label}: ${oneLine(i.title)} (${when.short})`,
    text: buildText(i, attendees, recipient, method, when),
    ics: buildIcs(i, attendees, method, opts),
    contentType: `text/calendar; charset=utf-8; method=${method}`,
  };
}

export type ReminderLead = '24h' | '1h';

const LEAD_WORDS: Record<ReminderLead, string> = { '24h': '24 hours', '1h': '1 hour' };

export interface InterviewForReminder {
  title: string;
  start: Date;
  end: Date;
  location?: string;
  organizer: { name: string; email: string };
}

/**
 * A reminder before an interview: plain text, no calendar part (the invitation put the event in
 * the recipient's calendar already), the time in the recipient's own zone.
 */
export function buildReminder(i: InterviewForReminder, recipient: InvitationPerson, lead: ReminderLead): { subject: string; text: string } {
  if (!(i.start instanceof Date) || Number.isNaN(i.start.getTime()) || !(i.end instanceof Date) || Number.isNaN(i.end.getTime()))
    throw new Error('start and end must be valid dates');
  if (i.end.getTime() <= i.start.getTime()) throw new Error('an interview must end after it starts');
  if (!IANAZone.isValidZone(recipient.zone)) throw new Error(`${JSON.stringify(recipient.zone)} is not an IANA time zone`);
  const title = oneLine(i.title);
  const when = localSpan(i.start, i.end, recipient.zone);
  const lines = [
    `Hello ${oneLine(recipient.name)},`,
    '',
    `This is a reminder: the interview "${title}" starts in ${LEAD_WORDS[lead]}.`,
    '',
    `When: ${when.range} (${recipient.zone}, ${when.abbreviation})`,
  ];
  if (i.location) lines.push(`Where: ${oneLine(i.location)}`);
  lines.push(`Organizer: ${oneLine(i.organizer.name)} <${oneLine(i.organizer.email)}>`);
  return { subject: `Reminder: ${title} in ${LEAD_WORDS[lead]}`, text: `${lines.join('\n')}\n` };
}
