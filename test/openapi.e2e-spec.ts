import { useApi } from './support/harness';

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
        'POST /v1/salary-bands',
        'GET /v1/salary-bands',
        'GET /v1/salary-bands/{id}',
        'PATCH /v1/salary-bands/{id}',
        'GET /v1/salary-bands/{id}/versions',
        'GET /v1/salary-bands/{id}/versions/{version}',
        'PUT /v1/fx-rates/{base}/{quote}',
        'GET /v1/fx-rates',
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
      for (const [method, op] of Object.entries(operations as Record<string, { summary?: string; parameters: { name: string }[]; requestBody?: unknown; responses: Record<string, unknown> }>)) {
        expect(`${method} ${path}: ${op.summary ?? ''}`).toMatch(/: \S/);
        if (method === 'post') expect(op.parameters.map((p: { name: string }) => p.name)).toContain('Idempotency-Key');
        if (op.requestBody) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '413', '415']));
      }
    }
  });

  it('records request latency by route pattern', async () => {
    await suite.api.http.get('/v1/task-forces');
    const text = (await suite.api.http.get('/metrics')).text;
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/v1\/task-forces",status="200"\} [1-9]/);
    expect(text).toMatch(/queue_jobs\{queue="maintenance",state="waiting"\} \d+/);
  });
});
