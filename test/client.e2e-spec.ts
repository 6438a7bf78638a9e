import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createHiringClient, type HiringClient, type Schemas } from '../libs/api-client/src';
import { ApiContract } from './support/contract';
import { ADMIN_TOKEN, useApi } from './support/harness';

/**
 * The typed client (libs/api-client) against a real API: what an integration partner writes. The
 * calls are written as the OpenAPI document should type them; the document is also checked against
 * the committed client by scripts/check-client.sh.
 */
describe('typed client', () => {
  const suite = useApi('client');
  const tag = randomBytes(3).toString('hex');
  let admin: HiringClient;
  let recruiter: HiringClient;
  let recruiterToken: string;
  let taskForce: Schemas['TaskForceView'];
  let candidate: Schemas['CandidateView'];
  const requests: string[] = [];

  /** The typed client's answers are held to the served document too, like every other suite's. */
  const checkedFetch = async (request: Request): Promise<Response> => {
    const response = await fetch(request);
    const url = new URL(request.url);
    const text = await response.clone().text();
    const contentType = response.headers.get('content-type') ?? '';
    const contract = await (contractLoad ??= ApiContract.load(suite.api.url));
    const violation = contract.violation({
      method: request.method,
      path: url.pathname + url.search,
      status: response.status,
      contentType,
      body: contentType.includes('json') && text ? JSON.parse(text) : text,
    });
    if (violation) throw new Error(`the answer breaks the API's OpenAPI contract: ${violation}`);
    return response;
  };
  let contractLoad: Promise<ApiContract> | undefined;

  beforeAll(async () => {
    admin = createHiringClient({ baseUrl: suite.api.url, token: ADMIN_TOKEN, fetch: checkedFetch });
    const {
      data: user,
      error,
      response,
    } = await admin.POST('/v1/users', {
      body: { email: `recruiter.${tag}@example.com`, name: `Recruiter ${tag}`, role: 'recruiter' },
    });
    expect(error).toBeUndefined();
    expect(response.status).toBe(201);
    expect(user).toMatchObject({ role: 'recruiter', email: `recruiter.${tag}@example.com` });
    // The secret is null only in an Idempotency-Key replay; a first answer always holds it.
    expect(user!.initialToken.token).toMatch(/^hk_/);
    recruiterToken = user!.initialToken.token!;
    // A fetch of one's own sees every request the client makes.
    recruiter = createHiringClient({
      baseUrl: `${suite.api.url}/`,
      token: recruiterToken,
      fetch: (request: Request) => {
        requests.push(`${request.method} ${new URL(request.url).pathname}`);
        return checkedFetch(request);
      },
    });

    const created = await admin.POST('/v1/task-forces', {
      body: {
        name: `Moonshot / Kimi ${tag}`,
        company: 'Moonshot AI',
        location: 'Palo Alto, CA',
        timeZone: 'America/Los_Angeles',
        focusAreas: ['llm', 'infra'],
        headcountTarget: 4,
        targetEmployers: ['OpenAI', 'Google DeepMind'],
      },
    });
    expect(created.response.status).toBe(201);
    taskForce = created.data!;
    expect(taskForce).toMatchObject({ company: 'Moonshot AI', status: 'active', headcountTarget: 4, hiredCount: 0, openHeadcount: 4 });

    const member = await admin.POST('/v1/task-forces/{id}/members', { params: { path: { id: taskForce.id } }, body: { userId: user!.id } });
    expect(member.response.status).toBe(201);
    expect(member.data).toMatchObject({ userId: user!.id, role: 'recruiter' });
  });

  it('creates a candidate with a Chinese name and a null field, and reads it back', async () => {
    const { data, error, response } = await recruiter.POST('/v1/candidates', {
      body: {
        fullName: 'Wei Zhang',
        nativeName: '张伟',
        nativeNamePinyin: 'Zhang Wei',
        emails: [`wei.zhang.${tag}@gmail.com`],
        currentEmployer: 'OpenAI',
        currentTitle: null,
        skills: ['PyTorch', 'RLHF'],
        skillAreas: ['llm'],
        visaStatus: 'h1b',
      },
    });
    expect(error).toBeUndefined();
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    candidate = data!;
    expect(candidate).toMatchObject({
      fullName: 'Wei Zhang',
      nativeName: '张伟',
      currentTitle: null,
      currentEmployer: 'OpenAI',
      skills: ['pytorch', 'rlhf'],
      visaStatus: 'h1b',
      consentState: 'unknown',
      version: 1,
    });
    expect(candidate.primaryEmail).toBe(`wei.zhang.${tag}@gmail.com`);

    const read = await recruiter.GET('/v1/candidates/{id}', { params: { path: { id: candidate.id } } });
    expect(read.response.status).toBe(200);
    const nativeName: string | null = read.data!.nativeName;
    expect(nativeName).toBe('张伟');
    expect(read.data!.applications).toEqual([]);
  });

  it('puts the candidate into the task force and moves the application one stage', async () => {
    const { data: application, response } = await recruiter.POST('/v1/applications', { body: { candidateId: candidate.id, taskForceId: taskForce.id } });
    expect(response.status).toBe(201);
    expect(application).toMatchObject({ candidateId: candidate.id, taskForceId: taskForce.id, openingId: null, stage: 'sourced', version: 1 });
    expect(application!.allowedMoves).toContain('contacted');

    const moved = await recruiter.POST('/v1/applications/{id}/transitions', {
      params: { path: { id: application!.id } },
      body: { to: 'contacted', comment: 'first message sent', expectedVersion: application!.version },
    });
    expect(moved.error).toBeUndefined();
    expect(moved.data).toMatchObject({ id: application!.id, stage: 'contacted', version: 2 });

    const stale = await recruiter.POST('/v1/applications/{id}/transitions', {
      params: { path: { id: application!.id } },
      body: { to: 'replied', expectedVersion: 1 },
    });
    expect(stale.response.status).toBe(409);
    expect(stale.data).toBeUndefined();
    expect(stale.error).toMatchObject({ status: 409, title: 'Conflict' });

    const read = await recruiter.GET('/v1/candidates/{id}', { params: { path: { id: candidate.id } } });
    expect(read.data!.applications).toEqual([{ id: application!.id, taskForceId: taskForce.id, openingId: null, stage: 'contacted' }]);
  });

  it('pages through candidates with limit and cursor', async () => {
    for (const name of ['Li Ming', 'Chen Jing']) {
      const { response } = await recruiter.POST('/v1/candidates', {
        body: { fullName: name, emails: [`${name.replace(' ', '.').toLowerCase()}.${tag}@example.com`] },
      });
      expect(response.status).toBe(201);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { data, error } = await recruiter.GET('/v1/candidates', { params: { query: { limit: 1, cursor } } });
      expect(error).toBeUndefined();
      expect(data!.data.length).toBeLessThanOrEqual(1);
      seen.push(...data!.data.map((c) => c.fullName));
      cursor = data!.nextCursor ?? undefined;
      pages += 1;
    } while (cursor && pages < 10);
    expect(cursor).toBeUndefined();
    expect(seen.sort()).toEqual(['Chen Jing', 'Li Ming', 'Wei Zhang']);
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('reads problem answers through error, for a missing candidate and a duplicate', async () => {
    const missing = randomUUID();
    const notFound = await recruiter.GET('/v1/candidates/{id}', { params: { path: { id: missing } } });
    expect(notFound.data).toBeUndefined();
    expect(notFound.response.status).toBe(404);
    expect(notFound.response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem: Schemas['ProblemSchema'] = notFound.error!;
    expect(problem).toMatchObject({ status: 404, code: 'candidate_not_found', title: 'Not Found', instance: `/v1/candidates/${missing}` });
    expect(problem.detail).toContain(missing);

    const dup = await recruiter.POST('/v1/candidates', { body: { fullName: 'W. Zhang', emails: [`Wei.Zhang.${tag}@GMAIL.com`] } });
    expect(dup.response.status).toBe(409);
    expect(dup.error?.code).toBe('duplicate_candidate');
    expect(dup.error?.existingCandidateId).toBe(candidate.id);

    const invalid = await recruiter.POST('/v1/candidates', { body: { fullName: 'X', emails: ['not-an-email'] } });
    expect(invalid.response.status).toBe(400);
    expect(invalid.error?.code).toBe('validation_failed');
    expect(invalid.error?.errors?.map((e) => e.field)).toEqual(['emails']);
  });

  it('sends the token and the paths through the fetch it was given', () => {
    expect(requests).toEqual(
      expect.arrayContaining(['POST /v1/candidates', 'POST /v1/applications', `GET /v1/candidates/${candidate.id}`, 'GET /v1/candidates']),
    );
  });

  it('runs the example (libs/api-client/examples/pipeline.ts) against the API with the recruiter token', async () => {
    const { stdout } = await promisify(execFile)('npm', ['--prefix', join(__dirname, '..', 'libs', 'api-client'), 'run', '-s', 'example'], {
      env: { ...process.env, API_URL: suite.api.url, API_TOKEN: recruiterToken },
      timeout: 120_000,
    });
    const lines = stdout.trim().split('\n');
    expect(lines).toContain(`task force ${taskForce.id}  Moonshot / Kimi ${tag}  (Moonshot AI, active, 0/4 hired)`);
    expect(lines).toContain('1 task force(s)');
    expect(lines).toContain(`candidate ${candidate.id}  Wei Zhang / 张伟  (OpenAI)  skills: pytorch, rlhf`);
    expect(lines.filter((l) => l.startsWith('candidate '))).toHaveLength(3);
    expect(lines).toContain('3 candidate(s)');
  }, 180_000);
});
