import { AppConfig } from '@app/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { batchSize, clientAddress, RateLimitedError, RateLimiter } from './rate-limit';

const address = (ip: string) => clientAddress({ ip } as FastifyRequest);

describe('clientAddress', () => {
  it('keeps IPv4 as it is, including when it arrives IPv4-mapped', () => {
    expect(address('203.0.113.7')).toBe('203.0.113.7');
    expect(address('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts IPv6 by its /64, so one subscriber cannot rotate through addresses for fresh budgets', () => {
    expect(address('2001:db8:1:2:aaaa::1')).toBe(address('2001:db8:1:2:ffff:ffff:ffff:fffe'));
    expect(address('2001:db8:1:2::1')).not.toBe(address('2001:db8:1:3::1'));
  });
});

describe('RateLimiter batches', () => {
  /** One Redis shared by several "processes": the HIT and PEEK scripts, in memory. */
  function fakeRedis() {
    const counts = new Map<string, number>();
    const calls = { hit: 0, peek: 0 };
    return {
      calls,
      counts,
      rateLimitHit: async (key: string, _windowMs: number, units: number): Promise<[number, number]> => {
        calls.hit += 1;
        counts.set(key, (counts.get(key) ?? 0) + units);
        return [counts.get(key)!, 60_000];
      },
      rateLimitPeek: async (key: string): Promise<[number, number]> => {
        calls.peek += 1;
        return [counts.get(key) ?? 0, 60_000];
      },
      disconnect: () => undefined,
    };
  }

  function limiter(redis: ReturnType<typeof fakeRedis>, perMinute: number, authFailures = 30): RateLimiter {
    const config = Object.assign(new AppConfig(), {
      RATE_LIMIT_PER_MINUTE: perMinute,
      RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: authFailures,
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    const made = new RateLimiter(config);
    (made as unknown as { redis: { disconnect(): void } }).redis.disconnect();
    Object.assign(made, { redis });
    return made;
  }

  function reply() {
    const headers: Record<string, unknown> = {};
    const r = { headers, header: (name: string, value: unknown) => ((headers[name] = value), r) };
    return r as typeof r & FastifyReply;
  }

  const attempt = async (l: RateLimiter, subject = 'u1') => {
    const r = reply();
    try {
      await l.spend('user', subject, r);
      return { ok: true, headers: r.headers };
    } catch (error) {
      expect(error).toBeInstanceOf(RateLimitedError);
      return { ok: false, headers: r.headers };
    }
  };

  it('takes 1 unit per round trip below 200 a minute, then 1% of the budget, at most 100', () => {
    expect([5, 199, 200, 1200, 10_000, 1e9].map(batchSize)).toEqual([1, 1, 2, 12, 100, 100]);
  });

  it('in one process, grants exactly the budget and counts Remaining down by one', async () => {
    const redis = fakeRedis();
    const l = limiter(redis, 1200);
    const results = [];
    for (let i = 0; i < 1205; i++) results.push(await attempt(l));
    expect(results.filter((r) => r.ok)).toHaveLength(1200);
    expect(results.slice(0, 1200).every((r) => r.ok)).toBe(true);
    expect(results.slice(0, 3).map((r) => r.headers['x-ratelimit-remaining'])).toEqual([1199, 1198, 1197]);
    expect(results[1200].headers['x-ratelimit-remaining']).toBe(0);
    expect(results[1200].headers['retry-after']).toBeGreaterThan(0);
    // 100 reservations of 12; once Redis said the budget was gone, it is not asked again this window.
    expect(redis.calls.hit).toBeLessThanOrEqual(101);
  });

  it('across processes never grants past the budget, and loses at most a batch per other process', async () => {
    const redis = fakeRedis();
    const processes = [limiter(redis, 1200), limiter(redis, 1200), limiter(redis, 1200)];
    let granted = 0;
    for (let i = 0; i < 1500; i++) if ((await attempt(processes[i % 3])).ok) granted += 1;
    expect(granted).toBeLessThanOrEqual(1200);
    expect(granted).toBeGreaterThanOrEqual(1200 - 2 * batchSize(1200));
  });

  it('concurrent requests wait for one reservation instead of each making one', async () => {
    const redis = fakeRedis();
    const l = limiter(redis, 1200);
    const results = await Promise.all(Array.from({ length: 12 }, () => attempt(l)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(redis.calls.hit).toBe(1);
  });

  it('looks at an address that failed nothing at most once a second, and refuses a spent one without asking Redis', async () => {
    const redis = fakeRedis();
    const l = limiter(redis, 1200, 2);
    for (let i = 0; i < 5; i++) await l.refuseIfSpent('auth_failures', '203.0.113.7', reply());
    expect(redis.calls.peek).toBe(1);
    await expect(l.spend('auth_failures', '203.0.113.7', reply())).resolves.toBeUndefined();
    await expect(l.spend('auth_failures', '203.0.113.7', reply())).resolves.toBeUndefined();
    await expect(l.refuseIfSpent('auth_failures', '203.0.113.7', reply())).rejects.toBeInstanceOf(RateLimitedError);
    expect(redis.calls.peek).toBe(1);
    // Another process that saw nothing yet asks Redis, and refuses too.
    await expect(limiter(redis, 1200, 2).refuseIfSpent('auth_failures', '203.0.113.7', reply())).rejects.toBeInstanceOf(RateLimitedError);
  });
});
