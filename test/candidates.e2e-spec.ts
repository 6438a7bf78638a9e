import { createUser, taskForceBody, useApi } from './support/harness';

const person = (overrides: Record<string, unknown> = {}) => ({
  fullName: 'Wei Zhang',
  nativeName: '张伟',
  nativeNamePinyin: 'Zhang Wei',
  emails: [`wei.zhang.${Math.random().toString(36).slice(2, 8)}@gmail.com`],
  currentEmployer: 'OpenAI',
  currentTitle: 'Member of Technical Staff',
  skills: ['PyTorch', 'RLHF'],
  skillAreas: ['llm'],
  education: [{ university: 'Tsinghua University', degree: 'bachelor', field: 'Computer Science (Yao class)', year: 2015 }],
  visaStatus: 'h1b',
  ...overrides,
});

describe('candidates', () => {
  const suite = useApi('candidates');
  const http = () => suite.api.http;

  it('creates and reads a candidate, keeping Chinese names and tidying skills', async () => {
    const created = await http().post('/v1/candidates', person({ skills: [' PyTorch ', 'pytorch', 'JAX'] }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      fullName: 'Wei Zhang',
      nativeName: '张伟',
      skills: ['pytorch', 'jax'],
      consentState: 'unknown',
      source: 'sourced',
      version: 1,
    });
    expect(created.body.primaryEmail).toBe(created.body.emails[0]);
    const me = await http().get('/v1/me');
    expect(created.body.ownerId).toBe(me.body.id);
    const read = await http().get(`/v1/candidates/${created.body.id}`);
    expect(read.body).toMatchObject({ ...created.body, applications: [] });
  });

  it('validates formats, naming each field', async () => {
    const res = await http().post('/v1/candidates', {
      fullName: 'X',
      emails: ['not-an-email'],
      linkedinUrl: 'https://example.com/in/x',
      githubUrl: 'https://gitlab.com/x',
      scholarUrl: 'ftp://scholar.google.com/x',
      timeZone: 'Mars/Base',
      visaStatus: 'tourist',
      yearsOfExperience: -1,
      education: [{ degree: 'phd' }],
    });
    expect(res.status).toBe(400);
    expect(new Set(res.body.errors.map((e: { field: string }) => e.field))).toEqual(
      new Set(['emails', 'linkedinUrl', 'githubUrl', 'scholarUrl', 'timeZone', 'visaStatus', 'yearsOfExperience', 'education[0].university']),
    );
  });

  it.each([
    ['email case, dots and plus-addressing', { emails: ['Li.Ming+ai@gmail.com'] }, { emails: ['liming@googlemail.com'] }],
    ['LinkedIn URL variants', { linkedinUrl: 'https://www.linkedin.com/in/Li-Ming/' }, { linkedinUrl: 'linkedin.com/in/li-ming?trk=x' }],
    ['GitHub URL variants', { githubUrl: 'https://github.com/LiMing' }, { githubUrl: 'http://www.github.com/liming/' }],
  ])('refuses a duplicate by %s with 409 and the existing id', async (_label, first, second) => {
    const suffix = Math.random().toString(36).slice(2, 8);
    const tweak = (o: Record<string, unknown>) => JSON.parse(JSON.stringify(o).replace(/li[-.]?ming/gi, (m) => `${m}${suffix}`));
    const original = await http().post('/v1/candidates', person({ emails: [], ...tweak(first) }));
    expect(original.status).toBe(201);
    const dup = await http().post('/v1/candidates', person({ fullName: 'Ming Li', emails: [], ...tweak(second) }));
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ code: 'duplicate_candidate', existingCandidateId: original.body.id });
  });

  it('refuses a change that would duplicate another candidate, and lets one of two racing creates win', async () => {
    const a = await http().post('/v1/candidates', person());
    const b = await http().post('/v1/candidates', person());
    const clash = await http().patch(`/v1/candidates/${b.body.id}`, { emails: [a.body.emails[0].toUpperCase()] });
    expect(clash.status).toBe(409);
    expect(clash.body.existingCandidateId).toBe(a.body.id);

    const body = person();
    const results = await Promise.all(Array.from({ length: 6 }, () => http().post('/v1/candidates', body)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(5);
  });

  it('patches fields, clears optional ones with null and refuses null for required ones', async () => {
    const c = (await http().post('/v1/candidates', person({ phone: '+1 650 555 0100' }))).body;
    const patched = await http().patch(`/v1/candidates/${c.id}`, { phone: null, currentEmployer: 'Anthropic', consentState: 'granted', tags: ['Ex-OpenAI'] });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ phone: null, currentEmployer: 'Anthropic', consentState: 'granted', tags: ['ex-openai'], version: 2 });
    expect(patched.body.consentUpdatedAt).not.toBeNull();
    expect((await http().patch(`/v1/candidates/${c.id}`, { fullName: null })).status).toBe(400);
  });

  it('searches by name, native name, employer and skill prefixes, and filters', async () => {
    const tag = `batch-${Math.random().toString(36).slice(2, 8)}`;
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const a = (
      await http().post(
        '/v1/candidates',
        person({
          fullName: 'Xiaoyu Chen',
          nativeName: '陈晓宇',
          currentEmployer: 'Google DeepMind',
          skills: ['jax', 'tpu'],
          skillAreas: ['llm', 'infra'],
          visaStatus: 'o1',
          tags: [tag],
        }),
      )
    ).body;
    const b = (
      await http().post(
        '/v1/candidates',
        person({
          fullName: 'Hao Liu',
          nativeName: '刘浩',
          currentEmployer: 'Waymo',
          skills: ['lidar'],
          skillAreas: ['autonomous-driving'],
          visaStatus: 'green_card',
          tags: [tag],
        }),
      )
    ).body;
    await http().post('/v1/applications', { candidateId: b.id, taskForceId: tf.id });
    const ids = async (qs: string) => (await http().get(`/v1/candidates?tag=${tag}&${qs}`)).body.data.map((c: { id: string }) => c.id);

    expect(await ids('q=xiao')).toEqual([a.id]);
    expect(await ids(`q=${encodeURIComponent('陈晓宇')}`)).toEqual([a.id]);
    expect(await ids('q=deepmind%20chen')).toEqual([a.id]);
    expect(await ids('q=lid')).toEqual([b.id]);
    expect(await ids('skillArea=infra')).toEqual([a.id]);
    expect(await ids('skill=JAX')).toEqual([a.id]);
    expect(await ids('employer=waymo')).toEqual([b.id]);
    expect(await ids('visa=o1')).toEqual([a.id]);
    expect(await ids('stage=sourced')).toEqual([b.id]);
    expect(await ids(`taskForceId=${tf.id}`)).toEqual([b.id]);
    expect(await ids('')).toEqual([a.id, b.id]);
    expect(await ids(`updatedSince=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([]);
    expect((await http().get('/v1/candidates?visa=tourist')).status).toBe(400);
  });

  it('scopes recruiters to their own candidates and those in their task forces', async () => {
    const recruiter = await createUser(http(), 'recruiter');
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    await http().post(`/v1/task-forces/${tf.id}/members`, { userId: recruiter.id });
    const as = { token: recruiter.token };
    const own = (await http().post('/v1/candidates', person(), as)).body;
    expect(own.ownerId).toBe(recruiter.id);
    const inTaskForce = (await http().post('/v1/candidates', person())).body;
    await http().post('/v1/applications', { candidateId: inTaskForce.id, taskForceId: tf.id });
    const elsewhere = (await http().post('/v1/candidates', person())).body;

    const visible = (await http().get('/v1/candidates?limit=200', as)).body.data.map((c: { id: string }) => c.id);
    expect(visible.sort()).toEqual([own.id, inTaskForce.id].sort());
    expect((await http().get(`/v1/candidates/${elsewhere.id}`, as)).status).toBe(404);
    expect((await http().patch(`/v1/candidates/${elsewhere.id}`, { tags: ['x'] }, as)).status).toBe(404);
    expect((await http().get(`/v1/candidates/${elsewhere.id}/notes`, as)).status).toBe(404);
    expect((await http().delete(`/v1/candidates/${inTaskForce.id}`, as)).status).toBe(403);
  });

  it('keeps notes with author and time', async () => {
    const c = (await http().post('/v1/candidates', person())).body;
    const note = await http().post(`/v1/candidates/${c.id}/notes`, { body: 'Met at NeurIPS; open to Sunnyvale.' });
    expect(note.status).toBe(201);
    const me = (await http().get('/v1/me')).body;
    expect(note.body).toMatchObject({ candidateId: c.id, authorId: me.id, body: 'Met at NeurIPS; open to Sunnyvale.' });
    const list = await http().get(`/v1/candidates/${c.id}/notes`);
    expect(list.body.data).toEqual([note.body]);
  });

  it('lists likely duplicates by name and employer', async () => {
    const employer = `Lab ${Math.random().toString(36).slice(2, 8)}`;
    const a = (await http().post('/v1/candidates', person({ fullName: 'Yang  Liu', currentEmployer: employer }))).body;
    const b = (await http().post('/v1/candidates', person({ fullName: 'yang liu', currentEmployer: employer.toUpperCase() }))).body;
    await http().post('/v1/candidates', person({ fullName: 'Yang Liu', currentEmployer: 'Elsewhere Inc' }));
    const groups = [];
    let cursor = '';
    for (;;) {
      const page = await http().get(`/v1/candidates/duplicates?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      groups.push(...page.body.data);
      if (!page.body.nextCursor) break;
      cursor = page.body.nextCursor;
    }
    const group = groups.find((g) => g.currentEmployer === employer.toLowerCase());
    expect(group).toMatchObject({ fullName: 'yang liu', count: 2, countCapped: false });
    expect(group.members.map((m: { id: string }) => m.id)).toEqual([a.id, b.id]);
  });

  it('exports everything held about a person, and audits the export', async () => {
    const c = (await http().post('/v1/candidates', person())).body;
    await http().post(`/v1/candidates/${c.id}/notes`, { body: 'prefers remote first month' });
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const app = (await http().post('/v1/applications', { candidateId: c.id, taskForceId: tf.id })).body;
    await http().post(`/v1/applications/${app.id}/transitions`, { to: 'contacted', comment: 'emailed' });
    const exported = await http().get(`/v1/candidates/${c.id}/export`);
    expect(exported.status).toBe(200);
    expect(exported.body.candidate.id).toBe(c.id);
    expect(exported.body.notes.map((n: { body: string }) => n.body)).toEqual(['prefers remote first month']);
    expect(exported.body.applications[0].history.map((h: { to: string }) => h.to)).toEqual(['sourced', 'contacted']);
    expect(exported.body.identities).toEqual([{ kind: 'email', value: c.emails[0].replace(/\./g, '').replace('@gmailcom', '@gmail.com') }]);
    expect(exported.body.auditTrail.map((a: { action: string }) => a.action)).toEqual(['application.created', 'candidate.exported']);
  });

  it('erases the person from every table for good, keeping anonymous counts', async () => {
    const c = (await http().post('/v1/candidates', person({ phone: '+86 10 5555 0100', tags: ['secret-tag'] }))).body;
    await http().post(`/v1/candidates/${c.id}/notes`, { body: 'private note' });
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const app = (await http().post('/v1/applications', { candidateId: c.id, taskForceId: tf.id })).body;
    await http().post(`/v1/applications/${app.id}/transitions`, { to: 'contacted', comment: 'called his mobile' });

    expect((await http().delete(`/v1/candidates/${c.id}`)).status).toBe(204);
    expect((await http().get(`/v1/candidates/${c.id}`)).status).toBe(404);
    expect((await http().delete(`/v1/candidates/${c.id}`)).status).toBe(404);

    const dump = JSON.stringify(
      await Promise.all([
        suite.db.query(`SELECT * FROM candidates WHERE id = $1`, [c.id]),
        suite.db.query(`SELECT * FROM candidate_identities WHERE candidate_id = $1`, [c.id]),
        suite.db.query(`SELECT * FROM candidate_notes WHERE candidate_id = $1`, [c.id]),
        suite.db.query(`SELECT * FROM application_stage_changes WHERE application_id = $1`, [app.id]),
        suite.db.query(`SELECT * FROM audit_log WHERE entity_id = $1`, [c.id]),
        suite.db.query(`SELECT * FROM idempotency_keys`),
      ]),
    );
    for (const secret of ['Wei Zhang', '张伟', 'Zhang Wei', c.emails[0], '5555', 'secret-tag', 'private note', 'called his mobile', 'Tsinghua', 'OpenAI']) {
      expect(dump).not.toContain(secret);
    }
    const [counts] = await suite.db.query<{ apps: number; changes: number }>(
      `SELECT (SELECT count(*)::int FROM applications WHERE candidate_id = $1) AS apps,
              (SELECT count(*)::int FROM application_stage_changes WHERE application_id = $2) AS changes`,
      [c.id, app.id],
    );
    expect(counts).toEqual({ apps: 1, changes: 2 });
    const audit = await suite.db.query<{ action: string }>(`SELECT action FROM audit_log WHERE entity_id = $1`, [c.id]);
    expect(audit.map((a) => a.action)).toEqual(['application.created', 'candidate.erased']);
    // The person may be sourced again from scratch.
    expect((await http().post('/v1/candidates', person({ emails: c.emails }))).status).toBe(201);
  });

  it('merges a duplicate: applications, notes, tags, identities and history move; audited', async () => {
    const keeper = (await http().post('/v1/candidates', person({ tags: ['a'], phone: null }))).body;
    const dup = (
      await http().post(
        '/v1/candidates',
        person({ fullName: 'W. Zhang', tags: ['b'], phone: '+1 415 555 0199', githubUrl: `https://github.com/wz${Date.now()}` }),
      )
    ).body;
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const app = (await http().post('/v1/applications', { candidateId: dup.id, taskForceId: tf.id })).body;
    await http().post(`/v1/candidates/${dup.id}/notes`, { body: 'referred by Li' });

    const merged = await http().post(`/v1/candidates/${keeper.id}/merge`, { duplicateId: dup.id });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ id: keeper.id, tags: ['a', 'b'], phone: '+1 415 555 0199', githubUrl: dup.githubUrl });
    expect(merged.body.emails).toEqual([...keeper.emails, ...dup.emails]);
    expect(merged.body.applications.map((a: { id: string }) => a.id)).toEqual([app.id]);
    expect((await http().get(`/v1/candidates/${keeper.id}/notes`)).body.data.map((n: { body: string }) => n.body)).toEqual(['referred by Li']);
    expect((await http().get(`/v1/applications/${app.id}`)).body.candidateId).toBe(keeper.id);
    expect((await http().get(`/v1/candidates/${dup.id}`)).status).toBe(404);
    // The duplicate's identities now point at the keeper.
    const again = await http().post('/v1/candidates', person({ emails: dup.emails }));
    expect(again.body.existingCandidateId).toBe(keeper.id);
    const audit = await suite.db.query<{ action: string; details: { duplicateId?: string } }>(`SELECT action, details FROM audit_log WHERE entity_id = $1`, [
      keeper.id,
    ]);
    expect(audit).toEqual([{ action: 'candidate.merged', details: { duplicateId: dup.id, movedApplications: 1, movedNotes: 1 } }]);
  });

  it('refuses to merge two open applications in the same task force, or a candidate into itself', async () => {
    const a = (await http().post('/v1/candidates', person())).body;
    const b = (await http().post('/v1/candidates', person())).body;
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    await http().post('/v1/applications', { candidateId: a.id, taskForceId: tf.id });
    await http().post('/v1/applications', { candidateId: b.id, taskForceId: tf.id });
    const res = await http().post(`/v1/candidates/${a.id}/merge`, { duplicateId: b.id });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'merge_conflicting_applications', taskForceIds: [tf.id] });
    expect((await http().post(`/v1/candidates/${a.id}/merge`, { duplicateId: a.id })).status).toBe(422);
  });
});

describe('candidate CSV import', () => {
  const suite = useApi('import');
  const csv = (body: string) =>
    suite.api.http.post('/v1/candidates/import', undefined, { rawBody: body, headers: { 'content-type': 'text/csv; charset=utf-8' } });

  const FILE = [
    'full_name,native_name,email,other_emails,linkedin_url,current_employer,current_title,years_of_experience,skills,skill_areas,university,degree,graduation_year,visa_status,tags',
    '李明,李明,li.ming@example.com,,https://www.linkedin.com/in/li-ming-ai,Google DeepMind,Research Scientist,6,jax;tpu,llm;infra,Tsinghua University,phd,2018,o1,import-test',
    '"Chen, Xiaoyu",陈晓宇,xiaoyu.chen@example.com,xy.chen@gmail.com,,OpenAI,MTS,4.5,rlhf,llm,,,,h1b,import-test',
    'Bad Email,,not-an-email,,,X,,,,,,,,,import-test',
    'No Identity,,,,,Y,,,,,,,,,import-test',
    'Wrong Visa,,wrong.visa@example.com,,,Z,,,,,,,,tourist,import-test',
    'Li Ming Again,,LI.MING@example.com,,,Google,,,,,,,,,import-test',
  ].join('\n');

  it('creates good rows, reports bad rows and duplicates without aborting, and is idempotent', async () => {
    const first = await csv(FILE);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ rows: 6, created: 2, duplicates: 1, errors: 3 });
    const byLine = Object.fromEntries(first.body.results.map((r: { line: number }) => [r.line, r]));
    expect(byLine[2].outcome).toBe('created');
    expect(byLine[3].outcome).toBe('created');
    expect(byLine[4]).toMatchObject({ outcome: 'error', errors: ['each of emails must be a valid email address'] });
    expect(byLine[5].errors[0]).toMatch(/needs an email/);
    expect(byLine[6].errors[0]).toMatch(/visaStatus must be one of/);
    expect(byLine[7]).toMatchObject({ outcome: 'duplicate', candidateId: byLine[2].candidateId });

    const li = (await suite.api.http.get(`/v1/candidates/${byLine[2].candidateId}`)).body;
    expect(li).toMatchObject({ fullName: '李明', skills: ['jax', 'tpu'], skillAreas: ['llm', 'infra'], yearsOfExperience: 6, visaStatus: 'o1' });
    expect(li.education).toEqual([{ university: 'Tsinghua University', degree: 'phd', year: 2018 }]);
    const chen = (await suite.api.http.get(`/v1/candidates/${byLine[3].candidateId}`)).body;
    expect(chen.emails).toEqual(['xiaoyu.chen@example.com', 'xy.chen@gmail.com']);

    const second = await csv(FILE);
    expect(second.body).toMatchObject({ rows: 6, created: 0, duplicates: 3, errors: 3 });
    const [{ n }] = await suite.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM candidates WHERE 'import-test' = ANY(tags)`);
    expect(n).toBe(2);
  });

  it('refuses unknown columns, empty files, non-CSV bodies and files over 10,000 rows', async () => {
    const unknown = await csv('full_name,email,shoe_size\nA,a@example.com,42\n');
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('invalid_csv_header');
    expect(unknown.body.errors).toEqual([{ field: 'shoe_size', message: 'shoe_size is not a known column' }]);
    expect((await csv('full_name,email\n')).body.code).toBe('empty_csv');
    expect((await csv('full_name,email\n"unterminated,a@example.com\n')).body.code).toBe('invalid_csv');
    expect((await suite.api.http.post('/v1/candidates/import', { full_name: 'x' })).status).toBe(415);
    const rows = Array.from({ length: 10_001 }, (_, i) => `P${i},p${i}@example.com`).join('\n');
    const tooMany = await csv(`full_name,email\n${rows}\n`);
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.code).toBe('too_many_rows');
  });
});
