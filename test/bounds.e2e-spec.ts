import type { DuplicateGroupView } from '@app/candidates/candidates.dto';
import { OutreachReconciler } from '@app/outreach';
import { newId } from '@app/platform';
import { bandBody, createUser, taskForceBody, useApi } from './support/harness';

const suffix = () => Math.random().toString(36).slice(2, 8);

describe('bounded work per request', () => {
  const suite = useApi('bounds');
  const http = () => suite.api.http;
  const csv = (body: string, token?: string) =>
    http().post('/v1/candidates/import', undefined, { rawBody: body, headers: { 'content-type': 'text/csv; charset=utf-8' }, token });

  /** Follows nextCursor to the end, checking every page against `limit`. */
  async function walk<T>(
    path: string,
    limit: number,
    check: (page: T[]) => void = () => undefined,
    token?: string,
    from = '',
  ): Promise<{ items: T[]; pages: number }> {
    const items: T[] = [];
    let cursor = from;
    let pages = 0;
    for (;;) {
      const sep = path.includes('?') ? '&' : '?';
      const res = await http().get(`${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, { token });
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(limit);
      check(res.body.data);
      items.push(...res.body.data);
      pages += 1;
      if (!res.body.nextCursor) return { items, pages };
      cursor = res.body.nextCursor;
    }
  }

  describe('duplicates', () => {
    const employer = `Look Alike Labs ${suffix()}`;
    const bigIds: string[] = [];
    const small: string[][] = [];

    beforeAll(async () => {
      const rows = Array.from(
        { length: 300 },
        (_, i) => `${i % 2 ? 'Ming  Wang' : 'ming wang'},ming.wang.${i}.${suffix()}@example.com,${i % 3 ? employer : employer.toUpperCase()}`,
      );
      const imported = await csv(`full_name,email,current_employer\n${rows.join('\n')}\n`);
      expect(imported.body).toMatchObject({ created: 300 });
      bigIds.push(...imported.body.results.map((r: { candidateId: string }) => r.candidateId));
      for (const name of ['Ada Li', 'Bo Chen', 'Cai Xu']) {
        const pair = [];
        for (let i = 0; i < 2; i += 1)
          pair.push((await http().post('/v1/candidates', { fullName: name, currentEmployer: employer, emails: [`${suffix()}@example.com`] })).body.id);
        small.push(pair);
      }
      await http().post('/v1/candidates', { fullName: 'Alone Zhou', currentEmployer: employer });
    });

    it('answers groups, honours limit, caps members and walks every group exactly once', async () => {
      const { items, pages } = await walk<DuplicateGroupView>('/v1/candidates/duplicates', 1, (page) => {
        for (const g of page) expect(g.members.length).toBeLessThanOrEqual(20);
      });
      const ours = items.filter((g) => g.currentEmployer === employer.toLowerCase());
      expect(ours).toHaveLength(4);
      expect(new Set(items.map((g) => g.group)).size).toBe(items.length);
      expect(pages).toBeGreaterThanOrEqual(items.length);
      const big = ours.find((g) => g.fullName === 'ming wang')!;
      expect(big).toMatchObject({ count: 300, countCapped: false, reason: 'same name and employer' });
      expect(big.members.map((m) => m.id)).toEqual([...bigIds].sort().slice(0, 20));
      for (const pair of small) expect(ours.some((g) => JSON.stringify(g.members.map((m) => m.id)) === JSON.stringify(pair))).toBe(true);

      const all = await walk<{ id: string }>(`/v1/candidates/duplicates/${big.group}/members`, 200);
      expect(all.items.map((m) => m.id)).toEqual([...bigIds].sort());
      expect(all.pages).toBe(2);
    });

    it('answers a small page quickly even with one huge group', async () => {
      const started = Date.now();
      const res = await http().get('/v1/candidates/duplicates?limit=200');
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body).length).toBeLessThan(200 * 20 * 400);
      for (const g of res.body.data) expect(g.members.length).toBeLessThanOrEqual(20);
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('shows a recruiter only groups with two members they may see, and only those members', async () => {
      const recruiter = await createUser(http(), 'recruiter');
      const as = { token: recruiter.token };
      const name = `Solo Recruiter ${suffix()}`;
      const mine = (await http().post('/v1/candidates', { fullName: name, currentEmployer: employer }, as)).body;
      const hidden = (await http().post('/v1/candidates', { fullName: name, currentEmployer: employer })).body;
      const seen = async () => (await walk<DuplicateGroupView>('/v1/candidates/duplicates', 200, () => undefined, recruiter.token)).items;
      expect((await seen()).filter((g) => g.fullName === name.toLowerCase())).toEqual([]);

      const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
      await http().post(`/v1/task-forces/${tf.id}/members`, { userId: recruiter.id });
      await http().post('/v1/applications', { candidateId: hidden.id, taskForceId: tf.id });
      const groups = await seen();
      expect(groups.map((g) => g.fullName)).toEqual([name.toLowerCase()]);
      expect(groups[0]).toMatchObject({ count: 2, members: [expect.objectContaining({ id: mine.id }), expect.objectContaining({ id: hidden.id })] });
      const members = await walk<{ id: string }>(`/v1/candidates/duplicates/${groups[0].group}/members`, 50, () => undefined, recruiter.token);
      expect(members.items.map((m) => m.id)).toEqual([mine.id, hidden.id]);
    });

    it('refuses a cursor or group it did not issue', async () => {
      expect((await http().get('/v1/candidates/duplicates?cursor=abc')).body.code).toBe('invalid_cursor');
      expect((await http().get('/v1/candidates/duplicates/robert/members')).body.code).toBe('invalid_group');
      expect((await http().get(`/v1/candidates/duplicates/${'0'.repeat(32)}/members`)).status).toBe(404);
    });
  });

  describe('export', () => {
    it('holds at most 200 notes, applications and audit entries, and pages the rest once each', async () => {
      const c = (await http().post('/v1/candidates', { fullName: 'Lots Of Notes', emails: [`${suffix()}@example.com`] })).body;
      const ids = Array.from({ length: 450 }, () => newId());
      await suite.db.query(
        `INSERT INTO candidate_notes (id, candidate_id, body) SELECT t.id, $1, 'note ' || t.n FROM unnest($2::uuid[]) WITH ORDINALITY AS t(id, n)`,
        [c.id, ids],
      );
      const exported = await http().get(`/v1/candidates/${c.id}/export`);
      expect(exported.status).toBe(200);
      expect(exported.body.notes).toHaveLength(200);
      expect(exported.body.nextCursors).toMatchObject({ notes: expect.any(String), applications: null, auditTrail: null });
      const rest = await walk<{ id: string }>(`/v1/candidates/${c.id}/export/notes`, 200, undefined, undefined, exported.body.nextCursors.notes);
      expect([...exported.body.notes, ...rest.items].map((n: { id: string }) => n.id)).toEqual(ids);
      const trail = await walk<{ action: string; details: { section?: string } }>(`/v1/candidates/${c.id}/export/auditTrail`, 200);
      expect(trail.items.map((a) => a.details.section ?? 'all')).toEqual(['all', 'notes', 'notes', 'auditTrail']);
      expect((await http().get(`/v1/candidates/${c.id}/export/secrets`)).body.code).toBe('unknown_export_section');
    });
  });

  describe('a candidate with many applications', () => {
    it('shows the newest 50 on the candidate and pages all of them under /v1/applications', async () => {
      const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
      const c = (await http().post('/v1/candidates', { fullName: 'Many Applications', emails: [`${suffix()}@example.com`] })).body;
      const ids = Array.from({ length: 60 }, () => newId());
      await suite.db.query(
        `INSERT INTO applications (id, candidate_id, task_force_id, stage, closed_reason) SELECT t.id, $1, $2, 'withdrawn', 'personal' FROM unnest($3::uuid[]) AS t(id)`,
        [c.id, tf.id, ids],
      );
      const page = (await http().get(`/v1/candidates/${c.id}`)).body;
      expect(page.applications.map((a: { id: string }) => a.id)).toEqual(ids.slice(10));
      const all = await walk<{ id: string }>(`/v1/applications?candidateId=${c.id}`, 200);
      expect(all.items.map((a) => a.id)).toEqual(ids);
      const patched = (await http().patch(`/v1/candidates/${c.id}`, { tags: ['many'] })).body;
      expect(patched.applications).toHaveLength(50);
    });
  });

  describe('compensation', () => {
    it('pages band versions and offer history, and caps competing offers at 20 per application', async () => {
      const band = (await http().post('/v1/salary-bands', bandBody({ level: 'L10', effectiveFrom: '2026-01-01' }))).body;
      for (const mid of ['43000.00', '44000.00', '45000.00']) expect((await http().patch(`/v1/salary-bands/${band.id}`, { baseMid: mid })).status).toBe(200);
      const versions = await walk<{ version: number }>(`/v1/salary-bands/${band.id}/versions`, 1);
      expect(versions.items.map((v) => v.version)).toEqual([1, 2, 3, 4]);
      expect(versions.pages).toBe(4);
      expect((await http().get(`/v1/salary-bands/${band.id}/versions?cursor=abc`)).body.code).toBe('invalid_cursor');

      const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
      const c = (await http().post('/v1/candidates', { fullName: 'Offer Bound', emails: [`${suffix()}@example.com`] })).body;
      const app = (await http().post('/v1/applications', { candidateId: c.id, taskForceId: tf.id })).body;
      for (const to of ['contacted', 'replied', 'screening', 'interviewing']) await http().post(`/v1/applications/${app.id}/transitions`, { to });
      const offer = await http().post('/v1/offers', {
        applicationId: app.id,
        salaryBandId: band.id,
        base: '45000.00',
        currency: 'CNY',
        period: 'monthly',
        startDate: '2027-03-01',
        expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      });
      expect(offer.status).toBe(201);
      await http().post(`/v1/offers/${offer.body.id}/submit`, {});
      const history = await walk<{ to: string }>(`/v1/offers/${offer.body.id}/history`, 1);
      expect(history.items.map((h) => h.to)).toEqual(['draft', 'approved']);
      expect(history.pages).toBe(2);

      const competing = (i: number) =>
        http().post(`/v1/applications/${app.id}/competing-offers`, { employer: `Lab ${i}`, base: `${40000 + i}.00`, currency: 'CNY', period: 'monthly' });
      const added = await Promise.all(Array.from({ length: 24 }, (_, i) => competing(i)));
      expect(added.filter((r) => r.status === 201)).toHaveLength(20);
      expect(added.filter((r) => r.status === 422).map((r) => r.body.code)).toEqual(Array(4).fill('too_many_competing_offers'));
      expect((await http().get(`/v1/applications/${app.id}/competing-offers`)).body).toHaveLength(20);
    });
  });

  describe('sequence stats', () => {
    it('are read from counters that follow every enrolment and stop, before and after folding', async () => {
      const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
      const seq = (
        await http().post('/v1/sequences', {
          taskForceId: tf.id,
          name: `Stats ${suffix()}`,
          sender: { fromName: 'Jun Wang', fromAddress: 'jun.wang@example.com' },
          steps: [{ delay: 'P30D', subject: 'Hello', body: 'Hi {{candidate.firstName}}\n{{unsubscribeUrl}}' }],
          sendWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' },
        })
      ).body;
      const ids: string[] = [];
      for (let i = 0; i < 30; i += 1) {
        const c = (await http().post('/v1/candidates', { fullName: `Stats Person ${i}`, emails: [`stats.${i}.${suffix()}@example.com`] })).body;
        await http().post('/v1/applications', { candidateId: c.id, taskForceId: tf.id });
        ids.push(c.id);
      }
      const enrolled = (await http().post(`/v1/sequences/${seq.id}/enrollments`, { candidateIds: ids })).body.enrolled;
      expect(enrolled).toHaveLength(30);
      for (const e of enrolled.slice(0, 4)) expect((await http().post(`/v1/enrollments/${e.enrollmentId}/stop`, {})).status).toBe(200);

      const live = async () => {
        const [row] = await suite.db.query<{ scheduled: number; skipped: number; active: number; stopped: number }>(
          `SELECT (SELECT count(*)::int FROM outreach_messages m JOIN enrollments e ON e.id = m.enrollment_id WHERE e.sequence_id = $1 AND m.status = 'scheduled') AS scheduled,
                  (SELECT count(*)::int FROM outreach_messages m JOIN enrollments e ON e.id = m.enrollment_id WHERE e.sequence_id = $1 AND m.status = 'skipped') AS skipped,
                  (SELECT count(*)::int FROM enrollments WHERE sequence_id = $1 AND status = 'active') AS active,
                  (SELECT count(*)::int FROM enrollments WHERE sequence_id = $1 AND status = 'stopped') AS stopped`,
          [seq.id],
        );
        return row;
      };
      const expected = { scheduled: 26, skipped: 4, active: 26, stopped: 4 };
      expect(await live()).toEqual(expected);
      const read = async () => {
        const stats = (await http().get(`/v1/sequences/${seq.id}/stats`)).body;
        return { scheduled: stats.steps[0].scheduled, skipped: stats.steps[0].skipped, active: stats.enrollments.active, stopped: stats.enrollments.stopped };
      };
      expect(await read()).toEqual(expected);
      expect(await suite.api.app.get(OutreachReconciler).foldStatDeltas()).toBeGreaterThan(0);
      const [{ pending }] = await suite.db.query<{ pending: number }>(`SELECT count(*)::int AS pending FROM sequence_stat_deltas WHERE sequence_id = $1`, [
        seq.id,
      ]);
      expect(pending).toBe(0);
      expect(await read()).toEqual(expected);
    });
  });
});
