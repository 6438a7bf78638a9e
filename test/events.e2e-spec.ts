import { OffersService } from '@app/compensation';
import { DomainEvents } from '@app/platform';
import { Client } from 'pg';
import { bandBody, createUser, taskForceBody, useApi } from './support/harness';

interface FeedEvent {
  id: string;
  type: string;
  version: number;
  occurredAt: string;
  actorId: string | null;
  taskForceId: string | null;
  data: Record<string, unknown>;
}

describe('domain events and the event feed', () => {
  const suite = useApi('events');
  const http = () => suite.api.http;
  let n = 0;

  /** Reads the feed from `after` to its end, `limit` at a time. */
  const drain = async (options: { token?: string; after?: string; limit?: number; type?: string } = {}) => {
    const events: FeedEvent[] = [];
    let after = options.after;
    for (let page = 0; page < 100; page++) {
      const qs = new URLSearchParams({ limit: String(options.limit ?? 200), ...(after ? { after } : {}), ...(options.type ? { type: options.type } : {}) });
      const res = await http().get(`/v1/events?${qs}`, options.token ? { token: options.token } : {});
      expect(res.status).toBe(200);
      events.push(...res.body.data);
      after = res.body.nextCursor;
      if (!res.body.hasMore) return { events, cursor: after! };
    }
    throw new Error('the feed did not end');
  };
  const about = (events: FeedEvent[], id: string) => events.filter((e) => JSON.stringify(e.data).includes(id));

  it('publishes each change once, in order, with ids and facts but no personal data', async () => {
    const start = (await drain()).cursor;
    const me = (await http().get('/v1/me')).body;
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const email = `events.${++n}.${Date.now()}@example.com`;
    const candidate = (await http().post('/v1/candidates', { fullName: 'Lin Events', emails: [email], currentEmployer: 'DeepMind' })).body;
    expect((await http().patch(`/v1/candidates/${candidate.id}`, { currentTitle: 'Staff Engineer', tags: ['neurips'] })).status).toBe(200);
    expect((await http().patch(`/v1/candidates/${candidate.id}`, { consentState: 'opted_out' })).status).toBe(200);
    const application = (await http().post('/v1/applications', { candidateId: candidate.id, taskForceId: tf.id })).body;
    expect((await http().post(`/v1/applications/${application.id}/transitions`, { to: 'contacted' })).status).toBe(200);
    // A refused move (stale version) publishes nothing.
    expect((await http().post(`/v1/applications/${application.id}/transitions`, { to: 'replied', expectedVersion: 1 })).status).toBe(409);
    expect((await http().post(`/v1/applications/${application.id}/transitions`, { to: 'rejected', reason: 'not_qualified' })).status).toBe(200);

    const { events } = await drain({ after: start, limit: 3 });
    const mine = about(events, candidate.id);
    expect(mine.map((e) => e.type)).toEqual([
      'candidate.created',
      'candidate.updated',
      'candidate.updated',
      'candidate.opted_out',
      'application.created',
      'application.stage_changed',
      'application.stage_changed',
      'application.rejected',
    ]);
    expect(new Set(mine.map((e) => e.id)).size).toBe(mine.length);
    for (const e of mine) {
      expect(e.version).toBe(1);
      expect(e.actorId).toBe(me.id);
      expect(Date.parse(e.occurredAt)).not.toBeNaN();
    }
    expect(mine[0].data).toEqual({ candidateId: candidate.id, source: 'sourced', ownerId: me.id });
    expect(mine[1].data).toEqual({ candidateId: candidate.id, fields: ['currentTitle', 'tags'] });
    expect(mine[2].data).toEqual({ candidateId: candidate.id, fields: ['consentState'] });
    expect(mine[3].data).toEqual({ candidateId: candidate.id, via: 'api' });
    expect(mine[4]).toMatchObject({
      taskForceId: tf.id,
      data: { applicationId: application.id, candidateId: candidate.id, taskForceId: tf.id, openingId: null },
    });
    expect(mine[5].data).toMatchObject({ from: 'sourced', to: 'contacted', reason: null, version: 2 });
    expect(mine[6].data).toMatchObject({ from: 'contacted', to: 'rejected', reason: 'not_qualified', version: 3 });
    expect(mine[7].data).toEqual({ applicationId: application.id, candidateId: candidate.id, taskForceId: tf.id, reason: 'not_qualified' });
    const text = JSON.stringify(mine);
    for (const personal of ['Lin Events', email, 'DeepMind', 'Staff Engineer', 'neurips']) expect(text).not.toContain(personal);
  });

  it('announces hires, withdrawals, merges and erasures', async () => {
    const start = (await drain()).cursor;
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const person = async () => (await http().post('/v1/candidates', { fullName: `Merge Events ${++n}` })).body;
    const [hired, withdrawn, keeper, duplicate] = [await person(), await person(), await person(), await person()];
    const hire = (await http().post('/v1/applications', { candidateId: hired.id, taskForceId: tf.id })).body;
    for (const to of ['contacted', 'replied', 'screening', 'interviewing', 'offer', 'hired']) {
      expect((await http().post(`/v1/applications/${hire.id}/transitions`, { to })).status).toBe(200);
    }
    const leaving = (await http().post('/v1/applications', { candidateId: withdrawn.id, taskForceId: tf.id })).body;
    await http().post(`/v1/applications/${leaving.id}/transitions`, { to: 'withdrawn', reason: 'accepted_other_offer' });
    const moved = (await http().post('/v1/applications', { candidateId: duplicate.id, taskForceId: tf.id })).body;
    expect((await http().post(`/v1/candidates/${keeper.id}/merge`, { duplicateId: duplicate.id })).status).toBe(200);
    expect((await http().delete(`/v1/candidates/${withdrawn.id}`)).status).toBe(204);

    const { events } = await drain({ after: start });
    const types = (id: string) => about(events, id).map((e) => e.type);
    expect(types(hire.id).filter((t) => t === 'application.hired')).toHaveLength(1);
    expect(types(hire.id).filter((t) => t === 'application.stage_changed')).toHaveLength(6);
    expect(about(events, leaving.id).find((e) => e.type === 'application.withdrawn')?.data).toMatchObject({ reason: 'accepted_other_offer' });
    const merged = events.filter((e) => e.type === 'candidate.merged');
    expect(merged.map((e) => e.data)).toEqual([{ candidateId: keeper.id, mergedCandidateId: duplicate.id }]);
    // The moved application's own events stay with its task force, and it now belongs to the keeper.
    expect((await http().get(`/v1/applications/${moved.id}`)).body.candidateId).toBe(keeper.id);
    expect(events.filter((e) => e.type === 'candidate.erased').map((e) => e.data)).toEqual([{ candidateId: withdrawn.id }]);
  });

  it("shows a recruiter their task forces' events and those about candidates they see, nothing else", async () => {
    const start = (await drain()).cursor;
    const recruiter = await createUser(http(), 'recruiter');
    const [mine, theirs] = [(await http().post('/v1/task-forces', taskForceBody())).body, (await http().post('/v1/task-forces', taskForceBody())).body];
    await http().post(`/v1/task-forces/${mine.id}/members`, { userId: recruiter.id });
    const shared = (await http().post('/v1/candidates', { fullName: `Shared ${++n}` })).body;
    const hidden = (await http().post('/v1/candidates', { fullName: `Hidden ${++n}` })).body;
    const inMine = (await http().post('/v1/applications', { candidateId: shared.id, taskForceId: mine.id })).body;
    const inTheirs = (await http().post('/v1/applications', { candidateId: shared.id, taskForceId: theirs.id })).body;
    await http().post('/v1/applications', { candidateId: hidden.id, taskForceId: theirs.id });
    await http().patch(`/v1/candidates/${shared.id}`, { tags: ['x'] });
    await http().patch(`/v1/candidates/${hidden.id}`, { tags: ['y'] });

    const seen = (await drain({ after: start, token: recruiter.token })).events;
    expect(seen.filter((e) => e.taskForceId !== null).every((e) => e.taskForceId === mine.id)).toBe(true);
    expect(about(seen, inMine.id).map((e) => e.type)).toEqual(['application.created']);
    expect(about(seen, inTheirs.id)).toEqual([]);
    expect(about(seen, hidden.id)).toEqual([]);
    expect(about(seen, shared.id).map((e) => e.type)).toEqual(['candidate.created', 'application.created', 'candidate.updated']);
    // The admin sees all of it.
    const all = (await drain({ after: start })).events;
    expect(about(all, hidden.id).length).toBeGreaterThan(about(seen, hidden.id).length);
  });

  it('never lets a late commit land behind a cursor already handed out', async () => {
    const start = (await drain()).cursor;
    const client = new Client({ connectionString: suite.db.url });
    await client.connect();
    try {
      // A transaction that wrote an event and has not committed yet...
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO domain_events (id, type, version, occurred_at, actor_id, payload) VALUES (gen_random_uuid(), 'candidate.erased', 1, now(), NULL, '{"candidateId": "late"}')`,
      );
      // ...while a later one commits: the feed holds the later one back.
      const later = (await http().post('/v1/candidates', { fullName: `Later ${++n}` })).body;
      const held = await drain({ after: start });
      expect(about(held.events, later.id)).toEqual([]);
      expect(held.cursor).toBe(start);
      await client.query('COMMIT');
      const { events } = await drain({ after: held.cursor });
      const late = events.findIndex((e) => e.data.candidateId === 'late');
      const created = events.findIndex((e) => e.data.candidateId === later.id);
      expect(late).toBeGreaterThanOrEqual(0);
      expect(created).toBeGreaterThan(late);
    } finally {
      await client.end();
    }
  });

  it('announces every move of an offer, band versions and exchange rates', async () => {
    const start = (await drain()).cursor;
    const band = (await http().post('/v1/salary-bands', bandBody({ effectiveFrom: '2026-01-01', zone: 'cn-hangzhou' }))).body;
    expect((await http().put('/v1/fx-rates/CNY/USD', { rate: '0.138', asOf: '2026-11-01' })).status).toBe(200);
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const interviewing = async () => {
      const c = (await http().post('/v1/candidates', { fullName: `Offer Events ${++n}` })).body;
      const app = (await http().post('/v1/applications', { candidateId: c.id, taskForceId: tf.id })).body;
      for (const to of ['contacted', 'replied', 'screening', 'interviewing']) await http().post(`/v1/applications/${app.id}/transitions`, { to });
      return app;
    };
    const offer = async (applicationId: string, base: string) =>
      (
        await http().post('/v1/offers', {
          applicationId,
          salaryBandId: band.id,
          base,
          currency: 'USD',
          period: 'annual',
          startDate: '2027-03-01',
          expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
        })
      ).body;
    const act = async (id: string, action: string, body: Record<string, unknown> = {}) => {
      const res = await http().post(`/v1/offers/${id}/${action}`, body);
      expect(res.status).toBe(200);
    };
    // In band: drafted, approved on submit, sent, accepted (which hires).
    const accepted = await offer((await interviewing()).id, '82832.57');
    for (const action of ['submit', 'send', 'accept']) await act(accepted.id, action);
    // Out of band: submitted, sent back to draft, submitted, approved, withdrawn.
    const withdrawn = await offer((await interviewing()).id, '120000.00');
    await act(withdrawn.id, 'submit');
    await act(withdrawn.id, 'reject', { comment: 'too high' });
    await act(withdrawn.id, 'submit');
    await act(withdrawn.id, 'approve', { comment: 'counter-offer' });
    await act(withdrawn.id, 'withdraw');
    // Declined; expired by the worker's job; an approved one a new rate moves out of band.
    const declined = await offer((await interviewing()).id, '82832.57');
    for (const action of ['submit', 'send', 'decline']) await act(declined.id, action);
    const expired = await offer((await interviewing()).id, '82832.57');
    for (const action of ['submit', 'send']) await act(expired.id, action);
    await suite.db.query(`UPDATE offers SET expires_at = now() - interval '1 minute' WHERE id = $1`, [expired.id]);
    expect(await suite.api.app.get(OffersService).expireDue()).toBeGreaterThanOrEqual(1);
    const repriced = await offer((await interviewing()).id, '82832.57');
    await act(repriced.id, 'submit');
    const today = new Date().toISOString().slice(0, 10);
    const rate = await http().put('/v1/fx-rates/CNY/USD', { rate: '0.100', asOf: today });
    expect(rate.body.offersToRecheck).toBeGreaterThanOrEqual(1);
    // The worker's job (one per offer), run here.
    expect(await suite.api.app.get(OffersService).recheckRate(repriced.id)).toBe('sent_back');

    const { events } = await drain({ after: start });
    const moves = (id: string) => events.filter((e) => e.data.offerId === id).map((e) => [e.type, e.data.from, e.data.to]);
    expect(moves(accepted.id)).toEqual([
      ['offer.drafted', null, 'draft'],
      ['offer.approved', 'draft', 'approved'],
      ['offer.sent', 'approved', 'sent'],
      ['offer.accepted', 'sent', 'accepted'],
    ]);
    expect(moves(withdrawn.id)).toEqual([
      ['offer.drafted', null, 'draft'],
      ['offer.submitted', 'draft', 'pending_approval'],
      ['offer.approval_rejected', 'pending_approval', 'draft'],
      ['offer.submitted', 'draft', 'pending_approval'],
      ['offer.approved', 'pending_approval', 'approved'],
      ['offer.withdrawn', 'approved', 'withdrawn'],
    ]);
    expect(moves(declined.id).map(([type]) => type)).toEqual(['offer.drafted', 'offer.approved', 'offer.sent', 'offer.declined']);
    expect(moves(expired.id).at(-1)).toEqual(['offer.expired', 'sent', 'expired']);
    expect(events.find((e) => e.data.offerId === repriced.id && e.type === 'offer.returned_for_approval')?.data).toMatchObject({
      cause: 'rate_changed',
      from: 'approved',
      to: 'pending_approval',
    });
    const acceptedEvent = events.find((e) => e.type === 'offer.accepted')!;
    expect(acceptedEvent).toMatchObject({ taskForceId: tf.id, data: { applicationId: accepted.applicationId, taskForceId: tf.id } });
    expect(events.some((e) => e.type === 'application.hired' && e.data.applicationId === accepted.applicationId)).toBe(true);
    expect(events.filter((e) => e.type === 'salary_band.version_created').map((e) => e.data)).toEqual([
      { bandId: band.id, version: 1, jobFamily: 'llm', level: 'P8', zone: 'cn-hangzhou', currency: 'CNY' },
    ]);
    expect(events.filter((e) => e.type === 'fx_rate.set').map((e) => e.data)).toEqual([
      { base: 'CNY', quote: 'USD', asOf: '2026-11-01', rate: '0.138' },
      { base: 'CNY', quote: 'USD', asOf: today, rate: '0.1' },
    ]);
  });

  it('bounds the work of one request: a recruiter who sees none of 2,500 events walks past them a stretch at a time', async () => {
    const start = (await drain()).cursor;
    const outsider = await createUser(http(), 'recruiter');
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    await suite.db.query(
      `INSERT INTO domain_events (id, type, version, occurred_at, actor_id, task_force_id, payload)
       SELECT gen_random_uuid(), 'application.created', 1, now(), NULL, $1, '{}' FROM generate_series(1, 2500)`,
      [tf.id],
    );
    const first = await http().get(`/v1/events?after=${start}&limit=10`, { token: outsider.token });
    expect(first.body).toMatchObject({ data: [], hasMore: true });
    expect(first.body.nextCursor).not.toBe(start);
    const second = await http().get(`/v1/events?after=${first.body.nextCursor}&limit=10`, { token: outsider.token });
    expect(second.body).toMatchObject({ data: [], hasMore: false });
    // An admin's page stops at its limit, and the next one starts right after it.
    const page = await http().get(`/v1/events?after=${start}&limit=10`);
    expect(page.body.data).toHaveLength(10);
    expect(page.body.hasMore).toBe(true);
    const next = await http().get(`/v1/events?after=${page.body.nextCursor}&limit=10`);
    const whole = await http().get(`/v1/events?after=${start}&limit=20`);
    expect([...page.body.data, ...next.body.data].map((e: FeedEvent) => e.id)).toEqual(whole.body.data.map((e: FeedEvent) => e.id));
  });

  it('forgets events past EVENT_RETENTION_DAYS (30), keeping the rest', async () => {
    const ids = await suite.db.query<{ id: string; days: number }>(
      `INSERT INTO domain_events (id, type, version, occurred_at, actor_id, payload)
       SELECT gen_random_uuid(), 'candidate.erased', 1, now() - d * interval '1 day', NULL, '{}' FROM unnest(ARRAY[31, 29]) d RETURNING id, extract(day FROM now() - occurred_at)::int AS days`,
    );
    expect(await suite.api.app.get(DomainEvents).purgeExpired()).toBeGreaterThanOrEqual(1);
    const left = await suite.db.query<{ id: string }>(`SELECT id FROM domain_events WHERE id = ANY($1::uuid[])`, [ids.map((r) => r.id)]);
    expect(left.map((r) => r.id)).toEqual(ids.filter((r) => r.days === 29).map((r) => r.id));
  });

  it('filters by type, pages without gaps or repeats, and refuses what it cannot read', async () => {
    const start = (await drain()).cursor;
    for (let i = 0; i < 7; i++) await http().post('/v1/candidates', { fullName: `Paged ${++n}` });
    const whole = (await drain({ after: start })).events;
    const paged = (await drain({ after: start, limit: 2 })).events;
    expect(paged.map((e) => e.id)).toEqual(whole.map((e) => e.id));
    const created = (await drain({ after: start, type: 'candidate.created' })).events;
    expect(created).toHaveLength(7);
    expect(created.every((e) => e.type === 'candidate.created')).toBe(true);
    // Nothing new: the same cursor comes back and nothing is listed.
    const end = await http().get(`/v1/events?after=${(await drain()).cursor}`);
    expect(end.body).toMatchObject({ data: [], hasMore: false });

    expect((await http().get('/v1/events?type=candidate.nonsense')).status).toBe(400);
    expect((await http().get('/v1/events?after=bm90LWEtY3Vyc29y')).body.code).toBe('invalid_cursor');
    expect((await http().get('/v1/events?limit=0')).status).toBe(400);
    expect((await http().get('/v1/events', { token: null })).status).toBe(401);
  });
});
