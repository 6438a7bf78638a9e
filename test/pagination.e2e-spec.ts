import { HttpResult, taskForceBody, useApi } from './support/harness';

describe('cursor pagination', () => {
  const suite = useApi('pages');

  beforeAll(async () => {
    for (let i = 0; i < 23; i++) expect((await suite.api.http.post('/v1/task-forces', taskForceBody({ name: `tf-${i}` }))).status).toBe(201);
  });

  it('defaults to 50, caps at 200 and says when there is no more', async () => {
    const all = await suite.api.http.get('/v1/task-forces');
    expect(all.status).toBe(200);
    expect(all.body.data).toHaveLength(23);
    expect(all.body.nextCursor).toBeNull();
    expect((await suite.api.http.get('/v1/task-forces?limit=201')).status).toBe(400);
    expect((await suite.api.http.get('/v1/task-forces?limit=200')).status).toBe(200);
  });

  it('returns every row exactly once, in a stable order, while rows are being inserted', async () => {
    const before = (await suite.api.http.get('/v1/task-forces?limit=200')).body.data.map((t: { id: string }) => t.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let inserted = 0;
    let pages = 0;
    do {
      const res: HttpResult<{ data: { id: string }[]; nextCursor: string | null }> = await suite.api.http.get(
        `/v1/task-forces?limit=4${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(4);
      seen.push(...res.body.data.map((t: { id: string }) => t.id));
      cursor = res.body.nextCursor;
      // Writers keep adding rows between page reads.
      await suite.api.http.post('/v1/task-forces', taskForceBody({ name: `late-${inserted++}` }));
      pages++;
    } while (cursor && pages < 100);

    expect(new Set(seen).size).toBe(seen.length);
    for (const id of before) expect(seen).toContain(id);
    expect(seen.slice(0, before.length)).toEqual(before);
    expect(seen.length).toBeGreaterThan(before.length);
  });

  it('filters combine with paging', async () => {
    await suite.api.http.post('/v1/task-forces', taskForceBody({ name: 'closed-a', status: 'closed' }));
    await suite.api.http.post('/v1/task-forces', taskForceBody({ name: 'closed-b', status: 'closed' }));
    await suite.api.http.post('/v1/task-forces', taskForceBody({ name: 'closed-c', status: 'closed' }));
    const first = await suite.api.http.get('/v1/task-forces?status=closed&limit=2');
    expect(first.body.data.map((t: { name: string }) => t.name)).toEqual(['closed-a', 'closed-b']);
    const second = await suite.api.http.get(`/v1/task-forces?status=closed&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.data.map((t: { name: string }) => t.name)).toEqual(['closed-c']);
    expect(second.body.nextCursor).toBeNull();
  });

  it('refuses a forged cursor', async () => {
    const forged = Buffer.from("v1:' OR 1=1 --").toString('base64url');
    const res = await suite.api.http.get(`/v1/task-forces?cursor=${forged}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('invalid_cursor');
  });
});
