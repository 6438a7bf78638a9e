import { checkMove, normalizeEmail, SOURCES, Stage, VISA_STATUSES } from '@app/candidates';
import { SequenceDefinition } from '@app/outreach';
import { DEMO_BANDS, DEMO_CANDIDATES, DEMO_SEQUENCES, DEMO_TASK_FORCES } from './demo-data';
import { buildHistory, DEMO_PEOPLE, generatePeople, HISTORY_DAYS, HistoryInput, HistoryPlan } from './demo-history';

const DAY = 86_400_000;

/** The seed's rows, with ids that are the same on every run. */
function input(now: string): HistoryInput {
  let n = 0;
  const id = (prefix: string) => `${prefix}-${String(++n).padStart(4, '0')}`;
  let ids = 0;
  return {
    now: new Date(now),
    adminId: 'admin',
    publicBaseUrl: 'http://127.0.0.1:3000',
    taskForces: DEMO_TASK_FORCES.map((tf, i) => ({
      id: id('tf'),
      name: tf.name,
      company: tf.company,
      location: tf.location,
      timeZone: tf.timeZone,
      recruiterId: `recruiter-${i}`,
      openings: tf.openings.map((o) => ({ id: id('opening'), ...o })),
      sequence: {
        id: id('sequence'),
        definition: DEMO_SEQUENCES[i].definition as SequenceDefinition,
        revision: DEMO_SEQUENCES[i].revision as SequenceDefinition,
      },
    })),
    bands: DEMO_BANDS.map((b) => ({
      id: id('band'),
      version: 1,
      jobFamily: b.jobFamily,
      level: b.level,
      zone: b.zone,
      currency: b.currency as 'USD' | 'CNY',
      period: b.period as 'annual' | 'monthly',
      monthsPerYear: b.monthsPerYear,
      min: BigInt(b.min * 100),
      mid: BigInt(b.mid * 100),
      max: BigInt(b.max * 100),
    })),
    // Time-ordered like UUIDv7: the instant first, then a counter.
    idAt: (ms) => `${ms.toString(16).padStart(12, '0')}-${(++ids).toString(16).padStart(8, '0')}`,
  };
}

const RUNS = ['2026-12-01T21:58:00Z', '2027-04-03T09:00:00Z', '2027-12-27T17:30:00Z'];
const plans = new Map<string, HistoryPlan>(RUNS.map((now) => [now, buildHistory(input(now))]));

describe('demo history: the people', () => {
  it('are the same on every run, a few hundred of them, none of them a hand-written candidate', () => {
    expect(generatePeople()).toEqual(DEMO_PEOPLE);
    expect(DEMO_PEOPLE.length).toBeGreaterThanOrEqual(300);
    expect(DEMO_PEOPLE.length).toBeLessThanOrEqual(400);
    const emails = DEMO_PEOPLE.map((p) => normalizeEmail(p.email));
    expect(new Set(emails).size).toBe(emails.length);
    for (const c of DEMO_CANDIDATES) expect(emails).not.toContain(normalizeEmail(c.email));
    expect(new Set(DEMO_PEOPLE.map((p) => p.fullName)).size).toBe(DEMO_PEOPLE.length);
  });

  it('use the documented vocabularies, real time zones and the openings of their task force', () => {
    for (const p of DEMO_PEOPLE) {
      expect(VISA_STATUSES).toContain(p.visa);
      expect(SOURCES).toContain(p.source);
      expect(() => new Intl.DateTimeFormat('en-US', { timeZone: p.timeZone })).not.toThrow();
      const tf = DEMO_TASK_FORCES.find((t) => t.name === p.taskForce)!;
      const opening = tf.openings.find((o) => o.title === p.openingTitle)!;
      expect(p.skillAreas[0]).toBe(opening.skillArea);
    }
    expect(new Set(DEMO_PEOPLE.map((p) => p.taskForce)).size).toBe(3);
    expect(DEMO_PEOPLE.some((p) => p.visa === 'needs_sponsorship')).toBe(true);
    expect(DEMO_PEOPLE.some((p) => p.nativeName) && DEMO_PEOPLE.some((p) => !p.nativeName)).toBe(true);
  });
});

describe.each(RUNS)('demo history laid out from %s', (now) => {
  const plan = plans.get(now)!;
  const end = new Date(now).getTime();
  const within = (iso: string | null) => iso === null || (Date.parse(iso) <= end && Date.parse(iso) >= end - HISTORY_DAYS * DAY);

  it('is the same for the same run time', () => {
    expect(JSON.stringify(buildHistory(input(now)))).toBe(JSON.stringify(plan));
  });

  it('moves every application along the pipeline graph, in time order, to the stage it is in', () => {
    const byApplication = new Map<string, HistoryPlan['stageChanges']>();
    for (const c of plan.stageChanges) byApplication.set(c.application_id, [...(byApplication.get(c.application_id) ?? []), c]);
    for (const a of plan.applications) {
      const changes = byApplication.get(a.id)!;
      expect(changes[0]).toMatchObject({ from_stage: null, to_stage: 'sourced' });
      for (let i = 1; i < changes.length; i++) {
        const [before, change] = [changes[i - 1], changes[i]];
        expect(change.from_stage).toBe(before.to_stage);
        expect(() => checkMove(change.from_stage as Stage, change.to_stage, change.reason ?? undefined)).not.toThrow();
        expect(Date.parse(change.at)).toBeGreaterThan(Date.parse(before.at));
        expect(change.id > before.id).toBe(true);
      }
      const last = changes[changes.length - 1];
      expect(a.stage).toBe(last.to_stage);
      expect(a.closed_reason).toBe(['rejected', 'withdrawn'].includes(a.stage) ? last.reason : null);
      expect(a.version).toBe(changes.length);
      expect(a.opening_id).toBeTruthy();
      expect(changes.every((c) => within(c.at))).toBe(true);
    }
  });

  it('has a funnel: every stage reached, the closed ones with reasons', () => {
    const stages = new Set(plan.applications.map((a) => a.stage));
    for (const stage of ['sourced', 'contacted', 'screening', 'interviewing', 'offer', 'hired', 'rejected', 'withdrawn']) expect(stages).toContain(stage);
    const entered = (stage: string) => plan.stageChanges.filter((c) => c.to_stage === stage).length;
    expect(entered('contacted')).toBeGreaterThan(entered('replied'));
    expect(entered('replied')).toBeGreaterThan(entered('interviewing'));
    expect(entered('interviewing')).toBeGreaterThan(entered('hired'));
    expect(entered('hired')).toBeGreaterThanOrEqual(5);
  });

  it('sends outreach only in the past, consistently with the stages, within the daily caps', () => {
    const reached = new Map<string, Set<string>>();
    for (const c of plan.stageChanges) reached.set(c.application_id, (reached.get(c.application_id) ?? new Set()).add(c.to_stage));
    const enrollments = new Map(plan.enrollments.map((e) => [e.id, e]));
    for (const m of plan.messages) {
      const stages = reached.get(enrollments.get(m.enrollment_id)!.application_id)!;
      if (m.status === 'sent') {
        expect(stages.has('contacted')).toBe(true);
        expect(m.recipient && m.cap_day && m.cap_keys.length === 2 && m.attempts === 1).toBeTruthy();
        expect(within(m.sent_at)).toBe(true);
      } else expect(m.sent_at === null && m.recipient === null && m.cap_keys.length === 0).toBe(true);
      if (m.status === 'scheduled') expect(Date.parse(m.due_at)).toBeGreaterThan(end);
      if (m.response === 'replied') expect(stages.has('replied')).toBe(true);
      if (m.response) expect(within(m.response_at)).toBe(true);
    }
    expect(new Set(plan.messages.map((m) => m.message_id)).size).toBe(plan.messages.length);
    for (const kind of ['replied', 'bounced', 'unsubscribed']) expect(plan.messages.some((m) => m.response === kind)).toBe(true);
    expect(plan.enrollments.some((e) => e.sequence_version === 1) && plan.enrollments.some((e) => e.sequence_version === 2)).toBe(true);
    for (const c of plan.dailyCounts) expect(c.sent).toBeLessThanOrEqual(c.counter.startsWith('sender:') ? 200 : 20);
    // Nobody the README's walkthrough enrols (still at sourced) is in a sequence, has bounced or has opted out.
    const sourced = new Set(plan.applications.filter((a) => a.stage === 'sourced').map((a) => a.candidate_id));
    expect(plan.enrollments.filter((e) => sourced.has(e.candidate_id))).toEqual([]);
    expect(plan.candidates.filter((c) => sourced.has(c.id) && c.consent_state === 'opted_out')).toEqual([]);
  });

  it('makes offers the way the offer service does: accepted ones hire, hires never exceed an opening, an admin approves out-of-band ones', () => {
    const applications = new Map(plan.applications.map((a) => [a.id, a]));
    for (const o of plan.offers) {
      const events = plan.offerEvents.filter((e) => e.offer_id === o.id);
      expect(events[0]).toMatchObject({ from_status: null, to_status: 'draft' });
      expect(events[events.length - 1].to_status).toBe(o.status);
      expect(plan.offerVersions.filter((v) => v.offer_id === o.id).map((v) => v.version)).toEqual(Array.from({ length: o.version }, (_, i) => i + 1));
      const stage = applications.get(o.application_id)!.stage;
      if (o.status === 'accepted') expect(stage).toBe('hired');
      if (o.status === 'sent') expect(stage).toBe('offer');
      if (['sent', 'approved', 'pending_approval', 'draft'].includes(o.status)) expect(Date.parse(o.expires_at)).toBeGreaterThan(end);
    }
    const hired = plan.applications.filter((a) => a.stage === 'hired');
    expect(hired.length).toBe(plan.offers.filter((o) => o.status === 'accepted').length);
    for (const tf of input(now).taskForces)
      for (const opening of tf.openings) expect(hired.filter((a) => a.opening_id === opening.id).length).toBeLessThanOrEqual(opening.headcount);
    const adminApprovals = plan.offerEvents.filter((e) => e.actor_id === 'admin');
    expect(adminApprovals.length).toBeGreaterThanOrEqual(1);
    expect(adminApprovals.every((e) => e.from_status === 'pending_approval' && e.to_status === 'approved' && e.comment)).toBe(true);
    expect(plan.offerEvents.filter((e) => e.to_status === 'declined').every((e) => e.comment)).toBe(true);
    expect(plan.offers.some((o) => o.status === 'declined')).toBe(true);
    expect(plan.offers.some((o) => ['sent', 'approved', 'pending_approval'].includes(o.status))).toBe(true);
    expect(plan.competingOffers.length).toBeGreaterThan(0);
  });
});
