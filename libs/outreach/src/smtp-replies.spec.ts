import { classifySmtpReply, ReplyClass } from './smtp-replies';

const sender = 'recruiter@talent.example.com';
const recipient = 'wei.zhang@lab.example';

const table: [response: string | null, atRcpt: boolean, expected: ReplyClass][] = [
  // Postfix 3.7, smtpd_delay_reject=yes: refusals of the client and the sender come at RCPT.
  [`550 5.1.1 <${recipient}>: Recipient address rejected: User unknown in local recipient table`, true, 'recipient'],
  [`550 5.1.1 <${recipient}>: Recipient address rejected: User unknown in virtual mailbox table`, true, 'recipient'],
  [`554 5.7.1 <${sender}>: Sender address rejected: not permitted to relay`, true, 'sender'],
  [`554 5.7.1 <${sender}>: Sender address rejected: Access denied`, true, 'sender'],
  [`553 5.7.1 <${sender}>: Sender address rejected: not owned by user alice`, true, 'sender'],
  [`550 5.1.0 <${sender}>: Sender address rejected: User unknown in virtual mailbox table`, true, 'sender'],
  [`550 5.1.7 <${sender}>: Sender address rejected: undeliverable address: host talent.example.com said: 550 5.1.1 unknown`, true, 'sender'],
  [`550 5.1.8 <${sender}>: Sender address rejected: Domain not found`, true, 'sender'],
  [`554 5.7.1 <${recipient}>: Relay access denied`, true, 'sender'],
  [`554 5.7.1 <unknown[192.0.2.10]>: Client host rejected: Access denied`, true, 'sender'],
  [`554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org`, true, 'sender'],
  [`504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname`, true, 'sender'],
  [`554 5.7.1 <${recipient}>: Recipient address rejected: Access denied`, true, 'sender'],
  [`530 5.7.0 Must issue a STARTTLS command first`, false, 'sender'],
  [`530 5.7.0 Authentication required`, true, 'sender'],
  [`535 5.7.8 Error: authentication failed: authentication failure`, false, 'sender'],
  [`534 5.7.9 Application-specific password required`, false, 'sender'],
  [`550 5.7.26 This mail is unauthenticated, which poses a security risk to the sender and Gmail users`, false, 'sender'],
  [`550 5.1.2 <${recipient}>: Recipient address rejected: Domain not found`, true, 'recipient'],
  [`501 5.1.3 Bad recipient address syntax`, true, 'recipient'],
  [`550 5.1.6 <${recipient}>: Recipient address rejected: mailbox has moved`, true, 'recipient'],
  [`550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup`, true, 'recipient'],
  [`556 5.1.10 <${recipient}>: Recipient address rejected: Domain ${recipient.split('@')[1]} does not accept mail (nullMX)`, true, 'recipient'],
  [`550 5.2.1 <${recipient}>: Recipient address rejected: mailbox disabled`, true, 'recipient'],
  [`550-5.1.1 The email account that you tried to reach does not exist.`, true, 'recipient'],
  [`550 5.4.1 Recipient address rejected: Access denied. AS(201806281)`, true, 'recipient'],
  [`550 Requested action not taken: mailbox unavailable`, true, 'recipient'],
  [`554 delivery error: dd This user doesn't have a example.com account`, true, 'recipient'],
  // A full mailbox: the person can make room (RFC 3463 X.2.2), so it retries and never suppresses.
  [`552 5.2.2 <${recipient}> Quota exceeded (mailbox for user is full)`, true, 'transient'],
  [`452 4.2.2 The email account that you tried to reach is over quota`, true, 'transient'],
  [`451 4.3.0 try again later`, false, 'transient'],
  [`450 4.7.1 <${recipient}>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/`, true, 'transient'],
  [`450 4.1.8 <${sender}>: Sender address rejected: Domain not found`, true, 'transient'],
  [`421 4.7.0 mx.lab.example Error: too many errors`, true, 'transient'],
  [null, false, 'transient'],
  [`552 5.3.4 Message size exceeds fixed limit`, false, 'message'],
  [`554 5.6.0 Message refused: invalid content`, false, 'message'],
  [`554 5.4.6 Too many hops`, false, 'message'],
  [`554 Transaction failed`, false, 'message'],
  [`550 5.7.1 Message rejected as spam by Content Filtering`, false, 'sender'],
];

describe('classifySmtpReply', () => {
  it.each(table)('%s (at RCPT: %s) is %s', (response, atRcpt, expected) => {
    expect(classifySmtpReply({ response, atRcpt, sender, recipient })).toBe(expected);
  });

  it('knows the sender by any of its spellings (an IDNA domain)', () => {
    const reply = { response: '554 5.1.0 <hr@xn--fiqs8s.example>: rejected', atRcpt: true, recipient };
    expect(classifySmtpReply({ ...reply, sender: ['hr@中国.example', 'hr@xn--fiqs8s.example'] })).toBe('sender');
    expect(classifySmtpReply({ ...reply, sender: 'hr@中国.example' })).toBe('recipient');
  });

  it('matches addresses whatever their case', () => {
    expect(classifySmtpReply({ response: `550 5.1.1 <Recruiter@Talent.Example.com>: rejected`, atRcpt: true, sender, recipient })).toBe('sender');
  });
});
