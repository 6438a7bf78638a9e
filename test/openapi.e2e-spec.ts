import { ApiContract } from './support/contract';
import { useApi } from './support/harness';

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
}

describe('OpenAPI document and metrics', () => {
  const suite = useApi('openapi');

  it('describes every route, with the bearer scheme and problem responses', async () => {
    const doc = (await suite.api.http.get('/docs-json', { token: null })).body;
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${path}`));
    expect(routes.sort()).toEqual(
      [
        'GET /health',
        'GET /metrics',
        'POST /v1/users',
        'GET /v1/users',
        'GET /v1/me',
        'POST /v1/users/{id}/tokens',
        'GET /v1/users/{id}/tokens',
        'DELETE /v1/tokens/{id}',
        'POST /v1/task-forces',
        'GET /v1/task-forces',
        'GET /v1/task-forces/{id}',
        'PATCH /v1/task-forces/{id}',
        'GET /v1/task-forces/{id}/members',
        'POST /v1/task-forces/{id}/members',
        'DELETE /v1/task-forces/{id}/members/{userId}',
        'POST /v1/task-forces/{id}/openings',
        'GET /v1/task-forces/{id}/openings',
        'GET /v1/task-forces/{id}/openings/{openingId}',
        'PATCH /v1/task-forces/{id}/openings/{openingId}',
        'POST /v1/candidates',
        'GET /v1/candidates',
        'GET /v1/candidates/duplicates',
        'GET /v1/candidates/duplicates/{group}/members',
        'POST /v1/candidates/import',
        'GET /v1/candidates/{id}',
        'PATCH /v1/candidates/{id}',
        'DELETE /v1/candidates/{id}',
        'GET /v1/candidates/{id}/export',
        'GET /v1/candidates/{id}/export/{section}',
        'POST /v1/candidates/{id}/merge',
        'POST /v1/candidates/{id}/notes',
        'GET /v1/candidates/{id}/notes',
        'POST /v1/applications',
        'GET /v1/applications',
        'GET /v1/applications/{id}',
        'POST /v1/applications/{id}/transitions',
        'POST /v1/interviews/{id}/scorecards',
        'GET /v1/interviews/{id}/scorecards',
        'GET /v1/applications/{id}/scorecards',
        'GET /v1/scorecards/{id}/versions',
        'GET /v1/applications/{id}/interview-progress',
        'POST /v1/salary-bands',
        'GET /v1/salary-bands',
        'GET /v1/salary-bands/{id}',
        'PATCH /v1/salary-bands/{id}',
        'GET /v1/salary-bands/{id}/versions',
        'GET /v1/salary-bands/{id}/versions/{version}',
        'PUT /v1/fx-rates/{base}/{quote}',
        'GET /v1/fx-rates',
        'GET /v1/insight/funnel',
        'GET /v1/insight/funnel/openings',
        'GET /v1/insight/market',
        'GET /v1/insight/offers',
        'GET /v1/insight/outreach',
        'POST /v1/offers',
        'GET /v1/offers/{id}',
        'PATCH /v1/offers/{id}',
        'POST /v1/offers/{id}/{action}',
        'GET /v1/offers/{id}/history',
        'GET /v1/offers/{id}/versions/{version}',
        'POST /v1/applications/{id}/competing-offers',
        'GET /v1/applications/{id}/competing-offers',
        'POST /v1/sequences',
        'GET /v1/sequences',
        'GET /v1/sequences/{id}',
        'PATCH /v1/sequences/{id}',
        'GET /v1/sequences/{id}/versions/{version}',
        'POST /v1/sequences/{id}/preview',
        'POST /v1/sequences/{id}/enrollments',
        'GET /v1/sequences/{id}/enrollments',
        'GET /v1/enrollments/{id}',
        'GET /v1/events',
        'POST /v1/enrollments/{id}/pause',
        'POST /v1/enrollments/{id}/resume',
        'POST /v1/enrollments/{id}/stop',
        'POST /v1/enrollments/{id}/steps/{step}/resend',
        'POST /v1/enrollments/{id}/steps/{step}/mark-sent',
        'GET /v1/sequences/{id}/stats',
        'POST /v1/outreach/inbound',
        'GET /v1/outreach/inbound',
        'GET /v1/outreach/suppressions',
        'GET /v1/outreach/suppressions/{id}',
        'DELETE /v1/outreach/suppressions/{id}',
        'GET /v1/unsubscribe',
        'POST /v1/unsubscribe',
        'POST /v1/webhooks',
        'GET /v1/webhooks',
        'GET /v1/webhooks/{id}',
        'PATCH /v1/webhooks/{id}',
        'DELETE /v1/webhooks/{id}',
        'POST /v1/webhooks/{id}/rotate-secret',
        'POST /v1/webhooks/{id}/test',
        'GET /v1/webhooks/{id}/deliveries',
        'GET /v1/webhooks/{id}/deliveries/{deliveryId}',
        'POST /v1/webhooks/{id}/deliveries/{deliveryId}/redeliver',
        'GET /v1/webhook-settings',
        'PUT /v1/webhook-settings',
        'PUT /v1/interviewers/{userId}',
        'GET /v1/interviewers',
        'GET /v1/interviewers/{userId}',
        'POST /v1/interviewers/{userId}/blocks',
        'GET /v1/interviewers/{userId}/blocks',
        'DELETE /v1/interviewers/{userId}/blocks/{blockId}',
        'PUT /v1/openings/{id}/interview-plan',
        'GET /v1/openings/{id}/interview-plan',
        'POST /v1/applications/{id}/interview-slots',
        'POST /v1/applications/{id}/interviews',
        'GET /v1/applications/{id}/interviews',
        'GET /v1/me/interviews',
        'GET /v1/interviews/{id}',
        'PATCH /v1/interviews/{id}',
        'POST /v1/interviews/{id}/cancel',
        'GET /v1/interviews/{id}/mails',
        'POST /v1/interview-mails/{id}/resend',
        'POST /v1/interview-mails/{id}/mark-sent',
      ].sort(),
    );
    const create = doc.paths['/v1/task-forces'].post;
    expect(create.security).toEqual([{ bearer: [] }]);
    expect(create.responses['400'].content['application/problem+json']).toBeDefined();
    const schema = doc.components.schemas.CreateTaskForceDto;
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'company', 'location', 'timeZone', 'focusAreas', 'headcountTarget']));
    expect(schema.properties.focusAreas.items.enum).toContain('autonomous-driving');
    expect(doc.components.schemas.UpdateTaskForceDto.required ?? []).toEqual([]);
    expect((await suite.api.http.get('/docs', { token: null })).status).toBe(200);
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(
        operations as Record<string, { summary?: string; parameters: { name: string }[]; requestBody?: unknown; responses: Record<string, unknown> }>,
      )) {
        expect(`${method} ${path}: ${op.summary ?? ''}`).toMatch(/: \S/);
        if (method === 'post') expect(op.parameters.map((p: { name: string }) => p.name)).toContain('Idempotency-Key');
        if (op.requestBody) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '413', '415']));
      }
    }
  });

  it('declares security, servers, a license, tags and descriptions the way API tools expect', async () => {
    const doc = (await suite.api.http.get('/docs-json', { token: null })).body;
    expect(doc.openapi).toMatch(/^3\.0\./);
    expect(doc.servers).toEqual([expect.objectContaining({ url: suite.config.PUBLIC_BASE_URL })]);
    expect(doc.info.license.name).toBeTruthy();
    expect(doc.security).toEqual([{ bearer: [] }]);
    const declaredTags = new Set(doc.tags.map((t: { name: string; description: string }) => (expect(t.description).toBeTruthy(), t.name)));
    const publicRoutes: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations as Record<string, Operation>)) {
        const route = `${method.toUpperCase()} ${path}`;
        if (Array.isArray(op.security) && op.security.length === 0) publicRoutes.push(route);
        else expect({ route, security: op.security ?? doc.security }).toEqual({ route, security: [{ bearer: [] }] });
        expect({ route, tags: op.tags?.length }).toEqual({ route, tags: 1 });
        expect(declaredTags.has(op.tags![0])).toBe(true);
        expect({ route, description: typeof op.description }).toEqual({ route, description: 'string' });
        const statuses = Object.keys(op.responses);
        expect({ route, success: statuses.some((s) => s.startsWith('2')) }).toEqual({ route, success: true });
        expect({ route, shared: statuses.filter((s) => ['400', '414', '431'].includes(s)) }).toEqual({ route, shared: ['400', '414', '431'] });
        for (const [status, response] of Object.entries(op.responses as Record<string, { headers?: Record<string, unknown> }>)) {
          expect({ route, status, requestId: response.headers?.['X-Request-Id'] }).toEqual({
            route,
            status,
            requestId: { $ref: '#/components/headers/X-Request-Id' },
          });
          if (status === '429') expect(response.headers?.['Retry-After']).toBeDefined();
        }
        if (!publicRoutes.includes(route)) expect(statuses).toContain('401');
        if (method === 'post' && !publicRoutes.includes(route))
          expect({ route, idempotency: statuses.filter((s) => s === '409' || s === '422') }).toEqual({ route, idempotency: ['409', '422'] });
      }
    }
    expect(publicRoutes.sort()).toEqual(['GET /health', 'GET /v1/unsubscribe', 'POST /v1/outreach/inbound', 'POST /v1/unsubscribe']);
  });

  it('states nullable fields as nullable scalars and nullable references as "that or null", never as bare objects', async () => {
    const doc = (await suite.api.http.get('/docs-json', { token: null })).body;
    const loose: string[] = [];
    const visit = (where: string, schema: Record<string, unknown> | undefined) => {
      if (!schema || typeof schema !== 'object') return;
      if (schema.type === 'object' && !schema.properties && !schema.additionalProperties && !schema.enum) loose.push(where);
      if (schema.nullable && Array.isArray(schema.enum) && !schema.enum.includes(null)) loose.push(`${where} (nullable enum without null)`);
      if (schema.nullable && schema.allOf) loose.push(`${where} (nullable allOf)`);
      for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, Record<string, unknown>>)) visit(`${where}.${name}`, property);
      visit(`${where}[]`, schema.items as Record<string, unknown> | undefined);
    };
    for (const [name, schema] of Object.entries(doc.components.schemas)) visit(name, schema as Record<string, unknown>);
    expect(loose).toEqual([]);
    const candidate = doc.components.schemas.CreateCandidateDto.properties;
    expect(candidate.nativeName).toMatchObject({ type: 'string', nullable: true });
    expect(candidate.yearsOfExperience).toMatchObject({ type: 'number', nullable: true });
    expect(doc.components.schemas.UpdateTaskForceDto.properties.status.default).toBeUndefined();
    expect(doc.components.schemas.OfferView.properties.strongestCompetingOffer.anyOf).toEqual([
      { $ref: '#/components/schemas/CompetingGap' },
      { type: 'object', nullable: true, enum: [null] },
    ]);
  });

  it('catches an answer that drifts from the document', async () => {
    const contract = await ApiContract.load(suite.api.url);
    const candidate = { method: 'GET', path: `/v1/candidates/${'0'.repeat(8)}-0000-7000-8000-${'0'.repeat(12)}`, contentType: 'application/json' };
    expect(contract.violation({ ...candidate, status: 200, body: { id: 'x' } })).toMatch(/does not match the documented schema/);
    expect(contract.violation({ ...candidate, status: 418, body: {} })).toMatch(/status 418 is not documented/);
    expect(contract.violation({ ...candidate, status: 404, contentType: 'text/plain', body: 'gone' })).toMatch(/sent text\/plain/);
    const problem = { type: 'urn:problem-type:hiring:candidate_not_found', title: 'Not Found', status: 404, detail: 'gone', code: 'candidate_not_found' };
    expect(contract.violation({ ...candidate, status: 404, contentType: 'application/problem+json', body: problem })).toBeUndefined();
    expect(contract.violation({ ...candidate, status: 404, contentType: 'application/problem+json', body: { ...problem, code: 7 } })).toMatch(
      /code must be string/,
    );
    const page = { method: 'GET', path: '/v1/task-forces?limit=1', status: 200, contentType: 'application/json; charset=utf-8' };
    expect(contract.violation({ ...page, body: { data: [], nextCursor: null } })).toBeUndefined();
    expect(contract.violation({ ...page, body: { data: [], nextCursor: null, total: 0 } })).toMatch(/must NOT have additional properties/);
    const extended = { ...problem, existingCandidateId: '01a231ed-bbd9-7134-a3d6-368d88fb818e', hint: 'problems may carry extension members' };
    expect(contract.violation({ ...candidate, status: 404, contentType: 'application/problem+json', body: extended })).toBeUndefined();
    expect(
      contract.violation({ method: 'GET', path: '/v1/no-such-route', status: 404, contentType: 'application/problem+json', body: problem }),
    ).toBeUndefined();
  });

  it('records request latency by route pattern', async () => {
    await suite.api.http.get('/v1/task-forces');
    const text = (await suite.api.http.get('/metrics')).text;
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/v1\/task-forces",status="200"\} [1-9]/);
    expect(text).toMatch(/queue_jobs\{queue="maintenance",state="waiting"\} \d+/);
  });
});
