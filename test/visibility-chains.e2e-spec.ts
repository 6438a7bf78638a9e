import { randomBytes, randomUUID } from 'node:crypto';
import { SmtpSink, startSmtpSink } from '../scripts/smtp-sink';
import { createUser, HttpResult, ResponseBody, Running, startWorker, taskForceBody, useApi, waitFor } from './support/harness';

/**
 * Recruiter rB (task force B only) tries to read, change or learn anything about task force A's
 * people through chains of calls that are each allowed on their own. Every assertion states the
 * secure behaviour; a failing one is a hole.
 */
describe('visibility across task forces: chains of legal calls', () => {
  const suite = useApi('visibility_chains');
  const http = () => suite.api.http;
  const tag = randomBytes(3).toString('hex');
  const uniq = () => randomBytes(4).toString('hex');

  let rA: { id: string; token: string };
  let rB: { id: string; token: string };
  let rB2: { id: string; token: string };
  const asA = () => ({ token: rA.token });
  const asB = () => ({ token: rB.token });
  let tfA: string;
  let tfB: string;
  let seqA: string;
  let seqB: string;

  const ok = async <T = ResponseBody>(res: Promise<HttpResult<T>>, status = [200, 201, 204]): Promise<T> => {
    const r = await res;
    if (!status.includes(r.status)) throw new Error(`set-up call answered ${r.status}: ${r.text}`);
    return r.body;
  };
  const sequenceBody = (taskForceId: string) => ({
    taskForceId,
    name: `Probe ${uniq()}`,
    sender: { fromName: 'Jun Wang', fromAddress: `jun.${uniq()}@talent.example.com` },
    steps: [{ delay: 'P1D', subject: 'A private pitch for {{candidate.firstName}}', body: 'Confidential comp range inside. {{unsubscribeUrl}}' }],
    sendWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' },
  });
  /** Strips what legitimately differs between two answers (ids, request ids) so they can be compared. */
  const shape = (r: HttpResult, ...ids: string[]) => {
    let text = JSON.stringify(typeof r.body === 'object' ? { ...r.body, correlationId: undefined, requestId: undefined, instance: undefined } : r.body);
    for (const id of ids) text = text.split(id).join('<id>');
    return { status: r.status, text };
  };

  /** A's person: rA owns them, they are in A's pipeline with a note, a commented move and an enrollment. */
  const A: Record<string, string> = {};
  /** Shared person: sourced by rA, in A's pipeline, and put into B's pipeline by an admin. */
  const S: Record<string, string> = {};

  beforeAll(async () => {
    rA = await createUser(http(), 'recruiter', 'ra');
    rB = await createUser(http(), 'recruiter', 'rb');
    rB2 = await createUser(http(), 'recruiter', 'rb2');
    tfA = (await ok(http().post('/v1/task-forces', taskForceBody()))).id;
    tfB = (await ok(http().post('/v1/task-forces', taskForceBody()))).id;
    await ok(http().post(`/v1/task-forces/${tfA}/members`, { userId: rA.id }));
    await ok(http().post(`/v1/task-forces/${tfB}/members`, { userId: rB.id }));
    await ok(http().post(`/v1/task-forces/${tfB}/members`, { userId: rB2.id }));
    seqA = (await ok(http().post('/v1/sequences', sequenceBody(tfA), asA()))).id;
    seqB = (await ok(http().post('/v1/sequences', sequenceBody(tfB), asB()))).id;

    A.email = `mei.lin.${tag}@gmail.com`;
    A.name = `Meilin Qiao${tag}`;
    A.tag = `a-secret-tag-${tag}`;
    A.candidate = (
      await ok(
        http().post(
          '/v1/candidates',
          {
            fullName: A.name,
            emails: [A.email],
            linkedinUrl: `https://www.linkedin.com/in/meilin-${tag}`,
            currentEmployer: `Moonshot${tag}`,
            tags: [A.tag],
            skills: [`rlhf${tag}`],
          },
          asA(),
        ),
      )
    ).id;
    A.application = (await ok(http().post('/v1/applications', { candidateId: A.candidate, taskForceId: tfA }, asA()))).id;
    await ok(http().post(`/v1/applications/${A.application}/transitions`, { to: 'contacted', comment: `A comment ${tag}` }, asA()));
    A.opening = (await ok(http().post(`/v1/task-forces/${tfA}/openings`, { title: 'Research Scientist', skillArea: 'llm', level: 'P8', headcount: 1 }))).id;
    A.note = `A note ${tag}`;
    await ok(http().post(`/v1/candidates/${A.candidate}/notes`, { body: A.note, taskForceId: tfA }, asA()));

    S.email = `shared.${tag}@example.com`;
    S.candidate = (await ok(http().post('/v1/candidates', { fullName: `Shared Person ${tag}`, emails: [S.email], currentEmployer: 'OpenAI' }, asA()))).id;
    S.appA = (await ok(http().post('/v1/applications', { candidateId: S.candidate, taskForceId: tfA }, asA()))).id;
    await ok(http().post(`/v1/applications/${S.appA}/transitions`, { to: 'contacted', comment: `A call notes on shared ${tag}` }, asA()));
    S.noteA = `A team view of shared ${tag}`;
    S.notePrivateA = `rA private thought on shared ${tag}`;
    await ok(http().post(`/v1/candidates/${S.candidate}/notes`, { body: S.noteA, taskForceId: tfA }, asA()));
    await ok(http().post(`/v1/candidates/${S.candidate}/notes`, { body: S.notePrivateA }, asA()));
    S.competing = `Competitor${tag}`;
    await ok(
      http().post(`/v1/applications/${S.appA}/competing-offers`, { employer: S.competing, base: '400000.00', currency: 'USD', period: 'annual' }, asA()),
    );
    S.enrollmentA = (await ok(http().post(`/v1/sequences/${seqA}/enrollments`, { candidateIds: [S.candidate] }, asA()))).enrolled[0].enrollmentId;
    // The documented route into B's pipeline: an admin links the person.
    S.appB = (await ok(http().post('/v1/applications', { candidateId: S.candidate, taskForceId: tfB }))).id;
  });

  const secretsOfA = () => [
    A.candidate,
    A.application,
    A.note,
    A.tag,
    `A comment ${tag}`,
    S.appA,
    S.noteA,
    S.notePrivateA,
    S.competing,
    S.enrollmentA,
    seqA,
    tfA,
    `A call notes on shared ${tag}`,
  ];
  const leaks = (text: string) => secretsOfA().filter((s) => text.toLowerCase().includes(s.toLowerCase()));

  describe("shared candidate (in both pipelines): B sees the person, never A's part", () => {
    it('candidate view, notes, export and application list carry nothing of A', async () => {
      const views = await Promise.all([
        http().get(`/v1/candidates/${S.candidate}`, asB()),
        http().get(`/v1/candidates/${S.candidate}/notes`, asB()),
        http().get(`/v1/candidates/${S.candidate}/export`, asB()),
        http().get(`/v1/applications?candidateId=${S.candidate}`, asB()),
        http().get(`/v1/candidates?ownerId=${rA.id}`, asB()),
        http().get(`/v1/applications/${S.appB}`, asB()),
        http().get(`/v1/applications/${S.appB}/competing-offers`, asB()),
      ]);
      for (const v of views) expect(v.status).toBe(200);
      expect(views.flatMap((v) => leaks(v.text))).toEqual([]);
    });

    it("A's application, its competing offers, A's enrollment and A's sequence stay 404 even for a shared person", async () => {
      const answers = await Promise.all([
        http().get(`/v1/applications/${S.appA}`, asB()),
        http().get(`/v1/applications/${S.appA}/competing-offers`, asB()),
        http().get(`/v1/enrollments/${S.enrollmentA}`, asB()),
        http().post(`/v1/sequences/${seqA}/preview`, { candidateId: S.candidate }, asB()),
      ]);
      expect(answers.map((a) => a.status)).toEqual([404, 404, 404, 404]);
    });

    it("enrolling the shared person in B's sequence does not reveal A's running enrollment", async () => {
      const res = await http().post(`/v1/sequences/${seqB}/enrollments`, { candidateIds: [S.candidate] }, asB());
      expect(res.status).toBe(200);
      expect(res.body.skipped).toEqual([]);
      await ok(http().post(`/v1/enrollments/${res.body.enrolled[0].enrollmentId}/stop`, undefined, asB()));
    });

    it("merging the shared person is refused (it would move A's applications)", async () => {
      const mine = await ok(http().post('/v1/candidates', { fullName: `Shared Person ${tag}`, currentEmployer: 'OpenAI' }, asB()));
      const both = await Promise.all([
        http().post(`/v1/candidates/${mine.id}/merge`, { duplicateId: S.candidate }, asB()),
        http().post(`/v1/candidates/${S.candidate}/merge`, { duplicateId: mine.id }, asB()),
      ]);
      expect(both.map((r) => r.status)).toEqual([403, 403]);
    });

    it("B cannot take over ownership of the shared person (and so gain the right to erase A's part)", async () => {
      const res = await http().patch(`/v1/candidates/${S.candidate}`, { ownerId: rB.id }, asB());
      expect(res.status).toBe(403);
    });
  });

  describe('A-only person: existence is all B may learn', () => {
    it('duplicate 409s (create, patch, import, normalised variants) never name the holder', async () => {
      const dotted = `M.e.i.L.i.n.${tag}+recruiting@googlemail.com`;
      const own = await ok(http().post('/v1/candidates', { fullName: `Probe ${uniq()}`, emails: [`probe.${uniq()}@example.com`] }, asB()));
      const answers = await Promise.all([
        http().post('/v1/candidates', { fullName: 'Someone', emails: [A.email.toUpperCase()] }, asB()),
        http().post('/v1/candidates', { fullName: 'Someone', emails: [dotted] }, asB()),
        http().post('/v1/candidates', { fullName: 'Someone', linkedinUrl: `http://cn.linkedin.com/in/MEILIN-${tag}/?trk=x` }, asB()),
        http().patch(`/v1/candidates/${own.id}`, { emails: [`probe.${uniq()}@example.com`, A.email] }, asB()),
        http().post('/v1/candidates/import', undefined, {
          ...asB(),
          headers: { 'content-type': 'text/csv' },
          rawBody: `full_name,email,linkedin_url\nX One,${A.email},\nX Two,,https://linkedin.com/in/meilin-${tag}\n`,
        }),
      ]);
      expect(answers.slice(0, 4).map((a) => a.status)).toEqual([409, 409, 409, 409]);
      expect(answers[4].status).toBe(200);
      expect(answers[4].body.results.map((r: { outcome: string }) => r.outcome)).toEqual(['duplicate', 'duplicate']);
      expect(answers.flatMap((a) => leaks(a.text))).toEqual([]);
      expect(answers.map((a) => a.body.existingCandidateId)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    });

    it("search, every list filter and the duplicates list do not find A's person", async () => {
      const mine = await ok(http().post('/v1/candidates', { fullName: A.name, currentEmployer: `Moonshot${tag}` }, asB()));
      const queries = [
        `q=${encodeURIComponent(A.name)}`,
        `q=meil`,
        `ownerId=${rA.id}`,
        `taskForceId=${tfA}`,
        `taskForceId=${tfA}&stage=contacted`,
        `stage=contacted`,
        `tag=${A.tag}`,
        `skill=rlhf${tag}`,
        `employer=moonshot${tag}`,
        `updatedSince=2000-01-01T00:00:00Z`,
      ];
      const lists = await Promise.all(queries.map((q) => http().get(`/v1/candidates?${q}&limit=100`, asB())));
      expect(lists.map((l) => l.status)).toEqual(queries.map(() => 200));
      expect(lists.flatMap((l) => leaks(l.text))).toEqual([]);
      const dups = await http().get('/v1/candidates/duplicates?limit=100', asB());
      expect(dups.status).toBe(200);
      expect(leaks(dups.text)).toEqual([]);
      // Merging own look-alike with A's person, in both directions, is a plain 404.
      const m = await Promise.all([
        http().post(`/v1/candidates/${mine.id}/merge`, { duplicateId: A.candidate }, asB()),
        http().post(`/v1/candidates/${A.candidate}/merge`, { duplicateId: mine.id }, asB()),
      ]);
      expect(m.map((r) => r.status)).toEqual([404, 404]);
    });

    it("every refusal with A's ids reads exactly like one with an unknown id", async () => {
      const ghost = randomUUID();
      const pairs: [(id: string) => Promise<HttpResult>, string][] = [
        [(id) => http().get(`/v1/candidates/${id}`, asB()), A.candidate],
        [(id) => http().get(`/v1/candidates/${id}/export`, asB()), A.candidate],
        [(id) => http().post('/v1/applications', { candidateId: id, taskForceId: tfB }, asB()), A.candidate],
        [(id) => http().post(`/v1/sequences/${seqB}/preview`, { candidateId: id }, asB()), A.candidate],
        [(id) => http().post(`/v1/sequences/${seqB}/enrollments`, { candidateIds: [id] }, asB()), A.candidate],
        [(id) => http().post('/v1/candidates', { fullName: 'Given Away', ownerId: id }, asB()), rA.id],
        [(id) => http().post(`/v1/candidates/${S.candidate}/notes`, { body: 'x', taskForceId: id }, asB()), tfA],
        [(id) => http().get(`/v1/applications/${id}`, asB()), A.application],
        [(id) => http().post('/v1/applications', { candidateId: S.candidate, taskForceId: tfB, openingId: id }, asB()), A.opening],
        [
          (id) =>
            http().post(
              '/v1/offers',
              {
                applicationId: id,
                salaryBandId: randomUUID(),
                base: '45000.00',
                currency: 'CNY',
                period: 'monthly',
                startDate: '2027-03-01',
                expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
              },
              asB(),
            ),
          S.appA,
        ],
        [(id) => http().get(`/v1/applications?candidateId=${id}`, asB()), A.candidate],
        [(id) => http().get(`/v1/candidates?taskForceId=${id}`, asB()), tfA],
      ];
      for (const [call, real] of pairs) {
        const [a, b] = [await call(real), await call(ghost)];
        expect(shape(a, real)).toEqual(shape(b, ghost));
      }
    });

    it("an Idempotency-Key reused by B never replays A's answer", async () => {
      const key = `shared-key-${tag}`;
      const body = { fullName: `Idem ${tag}`, emails: [`idem.${tag}@example.com`] };
      const first = await http().post('/v1/candidates', body, { ...asA(), headers: { 'idempotency-key': key } });
      expect(first.status).toBe(201);
      const replay = await http().post('/v1/candidates', body, { ...asB(), headers: { 'idempotency-key': key } });
      expect(replay.headers.get('idempotent-replayed')).toBeNull();
      expect(replay.status).toBe(409);
      expect(replay.text).not.toContain(first.body.id);
    });

    it('inbound events are for admins only; metrics name routes, never ids', async () => {
      expect((await http().get('/v1/outreach/inbound', asB())).status).toBe(403);
      const metrics = await http().get('/metrics', asB());
      expect(leaks(metrics.text)).toEqual([]);
    });
  });

  describe('merge chains', () => {
    /**
     * rA sources a person (rA owns them, writes notes for A) but has not linked them into A's
     * pipeline yet. rB is told "already known" and an admin links them into B's pipeline, the
     * documented route. Every application of the person is now B's, so rB may merge.
     */
    async function ownedByASharedIntoB() {
      const name = `Owned ByA ${uniq()}`;
      const p = await ok(http().post('/v1/candidates', { fullName: name, emails: [`owned.${uniq()}@example.com`], currentEmployer: 'DeepSeek' }, asA()));
      const noteForA = `A shortlist reasoning ${uniq()}`;
      const privateNote = `rA private on ${uniq()}`;
      await ok(http().post(`/v1/candidates/${p.id}/notes`, { body: noteForA, taskForceId: tfA }, asA()));
      await ok(http().post(`/v1/candidates/${p.id}/notes`, { body: privateNote }, asA()));
      await ok(http().post('/v1/applications', { candidateId: p.id, taskForceId: tfB }));
      const q = await ok(http().post('/v1/candidates', { fullName: name, currentEmployer: 'DeepSeek' }, asB()));
      return { p: p.id as string, q: q.id as string, noteForA, privateNote };
    }

    it("B cannot merge away a person another team's recruiter owns, wiping their record and A's notes (MERGE-OWNED)", async () => {
      const { p, q, noteForA, privateNote } = await ownedByASharedIntoB();
      const merge = await http().post(`/v1/candidates/${q}/merge`, { duplicateId: p }, asB());
      const afterForA = await http().get(`/v1/candidates/${p}`, asA());
      const notesForA = await http().get(`/v1/candidates/${p}/notes`, asA());
      const keeper = await http().get(`/v1/candidates/${q}`, asA());
      expect({
        mergeStatus: merge.status,
        rAStillSeesTheirCandidate: afterForA.status,
        rAStillReadsTheirNotes: notesForA.status === 200 && notesForA.text.includes(noteForA) && notesForA.text.includes(privateNote),
        rACanReachTheMergedRecord: afterForA.status === 200 || keeper.status === 200,
      }).toEqual({ mergeStatus: 403, rAStillSeesTheirCandidate: 200, rAStillReadsTheirNotes: true, rACanReachTheMergedRecord: true });
    });

    it("after such a merge, B owns the person and may erase A's notes with them (MERGE-OWNED-ERASE)", async () => {
      const { p, q } = await ownedByASharedIntoB();
      const merge = await http().post(`/v1/candidates/${q}/merge`, { duplicateId: p }, asB());
      const movedNotes: number =
        merge.status === 200 ? (await suite.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM candidate_notes WHERE candidate_id = $1`, [q]))[0].n : 0;
      const erase = merge.status === 200 ? await http().delete(`/v1/candidates/${q}`, asB()) : { status: 0 };
      const left: number = (
        await suite.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM candidate_notes WHERE candidate_id = ANY($1::uuid[])`, [[p, q]])
      )[0].n;
      expect({ merge: merge.status, notesOfAMovedToB: movedNotes, erase: erase.status, notesOfALeft: left }).toEqual({
        merge: 403,
        notesOfAMovedToB: 0,
        erase: 0,
        notesOfALeft: 2,
      });
    });

    it("B's export after a merge does not count A's notes in its audit trail (MERGE-AUDIT-COUNT)", async () => {
      const { p, q } = await ownedByASharedIntoB();
      const merge = await http().post(`/v1/candidates/${q}/merge`, { duplicateId: p }, asB());
      if (merge.status !== 200) return; // refused: nothing to count
      const exported = await ok(http().get(`/v1/candidates/${q}/export`, asB()));
      const merged = exported.auditTrail.find((e: { action: string }) => e.action === 'candidate.merged');
      // rB can read none of the two moved notes (one for A, one rA's own): the trail must not tell them they exist.
      expect(exported.notes).toEqual([]);
      expect(merged.details.movedNotes).toBe(0);
    });

    it('a merged-away candidate B owned does not name the keeper B cannot see (MERGED-INTO-ID)', async () => {
      const d = await ok(http().post('/v1/candidates', { fullName: A.name, currentEmployer: `Moonshot${tag}`, emails: [`dupe.${uniq()}@example.com`] }, asB()));
      const k = await ok(http().post('/v1/candidates', { fullName: `Keeper ${uniq()}`, emails: [`keeper.${uniq()}@example.com`] }, asA()));
      await ok(http().post('/v1/applications', { candidateId: k.id, taskForceId: tfA }, asA()));
      await ok(http().post(`/v1/candidates/${k.id}/merge`, { duplicateId: d.id })); // the admin folds B's record into A's person
      expect((await http().get(`/v1/candidates/${k.id}`, asB())).status).toBe(404);
      const answers = await Promise.all([
        http().post('/v1/applications', { candidateId: d.id, taskForceId: tfB }, asB()),
        http().post(`/v1/sequences/${seqB}/enrollments`, { candidateIds: [d.id] }, asB()),
        http().get(`/v1/candidates/${d.id}/export`, asB()),
      ]);
      for (const a of answers) expect(a.text).not.toContain(k.id);
    });
  });

  describe('ownership games', () => {
    it('B can hand a candidate only to B members; A members and unknown ids read alike', async () => {
      const own = await ok(http().post('/v1/candidates', { fullName: `Own ${uniq()}`, emails: [`own.${uniq()}@example.com`] }, asB()));
      const toA = await http().patch(`/v1/candidates/${own.id}`, { ownerId: rA.id }, asB());
      const toGhost = await http().patch(`/v1/candidates/${own.id}`, { ownerId: randomUUID() }, asB());
      const toB2 = await http().patch(`/v1/candidates/${own.id}`, { ownerId: rB2.id }, asB());
      expect([toA.status, toGhost.status, toB2.status]).toEqual([422, 422, 200]);
      const hidden = await http().post('/v1/candidates', { fullName: `Unowned ${uniq()}`, ownerId: null }, asB());
      expect(hidden.status === 201 ? hidden.body.ownerId : null).toBeNull();
    });

    /**
     * rB sourced someone first; A later wanted them, got "already known", and an admin linked
     * them into A's pipeline, the documented route. A then works them: notes, a commented move,
     * a sequence. rB, only because they own the record, erases it.
     */
    it("an owner in B cannot destroy A's notes, comments and running outreach by erasing (OWNER-ERASE)", async () => {
      const x = await ok(http().post('/v1/candidates', { fullName: `Sourced ByB ${uniq()}`, emails: [`byb.${uniq()}@example.com`] }, asB()));
      const appA = await ok(http().post('/v1/applications', { candidateId: x.id, taskForceId: tfA }));
      await ok(http().post(`/v1/applications/${appA.id}/transitions`, { to: 'contacted', comment: 'A: great call, offer likely' }, asA()));
      await ok(http().post(`/v1/candidates/${x.id}/notes`, { body: 'A: shortlist', taskForceId: tfA }, asA()));
      const enr = (await ok(http().post(`/v1/sequences/${seqA}/enrollments`, { candidateIds: [x.id] }, asA()))).enrolled[0].enrollmentId;
      const erase = await http().delete(`/v1/candidates/${x.id}`, asB());
      const notes = await suite.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM candidate_notes WHERE candidate_id = $1`, [x.id]);
      const history = await ok(http().get(`/v1/applications/${appA.id}`, asA()));
      const enrollment = await ok(http().get(`/v1/enrollments/${enr}`, asA()));
      expect({
        erase: erase.status,
        notesOfA: notes[0].n,
        commentOfA: history.history.some((h: { comment: string | null }) => h.comment === 'A: great call, offer likely'),
        enrollmentOfA: enrollment.status,
      }).toEqual({ erase: 403, notesOfA: 1, commentOfA: true, enrollmentOfA: 'active' });
    });

    it('what B learns about an owned person that sits only in A\'s pipeline is "it is elsewhere", nothing more', async () => {
      const x = await ok(http().post('/v1/candidates', { fullName: `Owned ${uniq()}`, emails: [`ow.${uniq()}@example.com`] }, asB()));
      const appA = await ok(http().post('/v1/applications', { candidateId: x.id, taskForceId: tfA }));
      await ok(http().post(`/v1/applications/${appA.id}/transitions`, { to: 'contacted', comment: 'A only' }, asA()));
      await ok(http().post(`/v1/candidates/${x.id}/notes`, { body: 'A only note', taskForceId: tfA }, asA()));
      const views = await Promise.all([
        http().get(`/v1/candidates/${x.id}`, asB()),
        http().get(`/v1/candidates/${x.id}/export`, asB()),
        http().get(`/v1/candidates/${x.id}/notes`, asB()),
        http().get(`/v1/applications?candidateId=${x.id}`, asB()),
      ]);
      for (const v of views) {
        expect(v.text).not.toContain(appA.id);
        expect(v.text).not.toContain('A only');
        expect(v.text).not.toContain(tfA);
      }
    });
  });
});

/**
 * A shared person is in A's running sequence. B edits the shared person record (allowed: B sees
 * the person) and points the email at an address B reads. A's next message goes there.
 */
describe('visibility across task forces: outreach of A through the shared record', () => {
  let sink: SmtpSink;
  const overrides: Record<string, string> = {};
  beforeAll(async () => {
    sink = await startSmtpSink({ dir: null });
    overrides.SMTP_URL = `smtp://127.0.0.1:${sink.port}`;
    overrides.OUTREACH_RECONCILE_INTERVAL_MS = '500';
  });
  const suite = useApi('visibility_outreach', overrides);
  const http = () => suite.api.http;
  let worker: Running | undefined;
  afterAll(async () => {
    await worker?.close();
    await sink?.close();
  });

  it("B cannot make A's outreach to a shared person land in B's mailbox (REDIRECT-OUTREACH)", async () => {
    worker = await startWorker(suite.config);
    const rA = await createUser(http(), 'recruiter', 'ra');
    const rB = await createUser(http(), 'recruiter', 'rb');
    const tfA = (await http().post('/v1/task-forces', taskForceBody({ company: 'Secret Lab A' }))).body.id;
    const tfB = (await http().post('/v1/task-forces', taskForceBody())).body.id;
    await http().post(`/v1/task-forces/${tfA}/members`, { userId: rA.id });
    await http().post(`/v1/task-forces/${tfB}/members`, { userId: rB.id });
    const allDay = { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' };
    const seq = await http().post(
      '/v1/sequences',
      {
        taskForceId: tfA,
        name: 'A pitch',
        sender: { fromName: 'A Lead', fromAddress: 'lead@a-team.example.com' },
        steps: [
          { delay: 'PT0S', subject: 'Hello {{candidate.firstName}}', body: 'First. {{unsubscribeUrl}}' },
          { delay: 'PT3S', subject: 'A confidential package for {{candidate.firstName}}', body: 'Base 1.2M CNY, team {{taskForce.name}}. {{unsubscribeUrl}}' },
        ],
        sendWindow: allDay,
      },
      { token: rA.token },
    );
    expect(seq.status).toBe(201);
    const person = `person.${randomBytes(3).toString('hex')}@lab.example.com`;
    const s = (await http().post('/v1/candidates', { fullName: 'Wei Zhang', emails: [person] }, { token: rA.token })).body;
    await http().post('/v1/applications', { candidateId: s.id, taskForceId: tfA }, { token: rA.token });
    await http().post('/v1/applications', { candidateId: s.id, taskForceId: tfB }); // admin links into B
    const enr = await http().post(`/v1/sequences/${seq.body.id}/enrollments`, { candidateIds: [s.id] }, { token: rA.token });
    expect(enr.body.enrolled).toHaveLength(1);
    await waitFor(async () => sink.messages.some((m) => m.to.includes(person)), 20_000);

    const mailbox = `inbox.${randomBytes(3).toString('hex')}@b-team.example.com`;
    const patch = await http().patch(`/v1/candidates/${s.id}`, { emails: [mailbox] }, { token: rB.token });
    // Give A's second step time to go out.
    await new Promise((r) => setTimeout(r, 6000));
    const toB = sink.messages.filter((m) => m.to.includes(mailbox));
    expect({ patch: patch.status, messagesOfAReceivedByB: toB.map((m) => `${m.subject} | ${m.body.slice(0, 60)}`) }).toEqual({
      patch: 403,
      messagesOfAReceivedByB: [],
    });
  });

  it("B cannot end A's outreach to a shared person by clearing the shared record's addresses (CLEAR-EMAILS)", async () => {
    worker ??= await startWorker(suite.config);
    const rA = await createUser(http(), 'recruiter', 'ra3');
    const rB = await createUser(http(), 'recruiter', 'rb3');
    const tfA = (await http().post('/v1/task-forces', taskForceBody())).body.id;
    const tfB = (await http().post('/v1/task-forces', taskForceBody())).body.id;
    await http().post(`/v1/task-forces/${tfA}/members`, { userId: rA.id });
    await http().post(`/v1/task-forces/${tfB}/members`, { userId: rB.id });
    const allDay = { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' };
    const seq = (
      await http().post(
        '/v1/sequences',
        {
          taskForceId: tfA,
          name: 'A slow pitch',
          sender: { fromName: 'A', fromAddress: `a.${randomBytes(3).toString('hex')}@a-team.example.com` },
          steps: [{ delay: 'PT3S', subject: 'Hi', body: 'Hello {{unsubscribeUrl}}' }],
          sendWindow: allDay,
        },
        { token: rA.token },
      )
    ).body.id;
    const s = (
      await http().post('/v1/candidates', { fullName: 'Zhou Min', emails: [`zm.${randomBytes(3).toString('hex')}@lab.example.com`] }, { token: rA.token })
    ).body;
    await http().post('/v1/applications', { candidateId: s.id, taskForceId: tfA }, { token: rA.token });
    await http().post('/v1/applications', { candidateId: s.id, taskForceId: tfB }); // admin links into B
    const enr = (await http().post(`/v1/sequences/${seq}/enrollments`, { candidateIds: [s.id] }, { token: rA.token })).body.enrolled[0].enrollmentId;
    const patch = await http().patch(`/v1/candidates/${s.id}`, { emails: [] }, { token: rB.token });
    const final = await waitFor(async () => {
      const e = (await http().get(`/v1/enrollments/${enr}`, { token: rA.token })).body;
      // Settled: a step seen while the worker holds it ('sending') has not told its outcome yet.
      return e.status !== 'active' || !['scheduled', 'sending'].includes(e.messages[0].status) ? e : undefined;
    }, 20_000);
    expect({ patch: patch.status, sent: final.messages[0].status, stopReason: final.stopReason }).toEqual({ patch: 403, sent: 'sent', stopReason: null });
  });

  it("B cannot spend A's sender budget by sending as A's address, deferring A's outreach (SENDER-CAP)", async () => {
    worker ??= await startWorker(suite.config);
    const rA = await createUser(http(), 'recruiter', 'ra2');
    const rB = await createUser(http(), 'recruiter', 'rb2');
    const tfA = (await http().post('/v1/task-forces', taskForceBody())).body.id;
    const tfB = (await http().post('/v1/task-forces', taskForceBody())).body.id;
    await http().post(`/v1/task-forces/${tfA}/members`, { userId: rA.id });
    await http().post(`/v1/task-forces/${tfB}/members`, { userId: rB.id });
    const allDay = { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' };
    const fromAddress = `warmup.${randomBytes(3).toString('hex')}@a-team.example.com`;
    const body = (taskForceId: string, dailyCapPerSender: number) => ({
      taskForceId,
      name: `Seq ${randomBytes(3).toString('hex')}`,
      sender: { fromName: 'Sender', fromAddress },
      steps: [{ delay: 'PT0S', subject: 'Hi {{candidate.firstName}}', body: 'Hello. {{unsubscribeUrl}}' }],
      sendWindow: allDay,
      dailyCapPerSender,
    });
    // A warms up a new sending address: two messages a day.
    const seqA = (await http().post('/v1/sequences', body(tfA, 2), { token: rA.token })).body.id;
    // B names A's address as its sender (nothing ties a sender address to a task force).
    const seqB = (await http().post('/v1/sequences', body(tfB, 200), { token: rB.token })).body.id;
    const personIn = async (tf: string, token: string) => {
      const c = (
        await http().post(
          '/v1/candidates',
          { fullName: 'Li Na', emails: [`p.${randomBytes(4).toString('hex')}@x${randomBytes(2).toString('hex')}.example.com`] },
          { token },
        )
      ).body;
      await http().post('/v1/applications', { candidateId: c.id, taskForceId: tf }, { token });
      return c.id as string;
    };
    const bPeople = [await personIn(tfB, rB.token), await personIn(tfB, rB.token)];
    const enB = (await http().post(`/v1/sequences/${seqB}/enrollments`, { candidateIds: bPeople }, { token: rB.token })).body;
    await waitFor(async () => {
      const all = await Promise.all(enB.enrolled.map((e: { enrollmentId: string }) => http().get(`/v1/enrollments/${e.enrollmentId}`, { token: rB.token })));
      return all.every((e) => e.body.messages[0].status === 'sent');
    }, 20_000);
    const aPerson = await personIn(tfA, rA.token);
    const enA = (await http().post(`/v1/sequences/${seqA}/enrollments`, { candidateIds: [aPerson] }, { token: rA.token })).body.enrolled[0].enrollmentId;
    const settled = await waitFor(async () => {
      const e = (await http().get(`/v1/enrollments/${enA}`, { token: rA.token })).body;
      const m = e.messages[0];
      return m.status === 'sent' || /daily cap/.test(m.detail ?? '') ? m : undefined;
    }, 20_000);
    expect({ status: settled.status, detail: settled.detail }).toEqual({ status: 'sent', detail: null });
  });
});
