import { AppConfig, DomainError, redisOptionsFromUrl } from '@app/platform';
import { CanActivate, ExecutionContext, Injectable, Logger, Module, OnApplicationShutdown, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { normalizeIp } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Redis from 'ioredis';
import type { AuthenticatedRequest } from './auth';

/**
 * Every budget is counted per minute, in fixed windows that start with a subject's first request.
 * `user` is counted per user, the others per client address.
 */
export type Budget = 'user' | 'auth_failures' | 'unsubscribe' | 'inbound' | 'inbound_rejected' | 'public';

export const RATE_LIMIT_WINDOW_MS = 60_000;

export class RateLimitedError extends DomainError {
  readonly kind = 'rate_limited' as const;
}

const ROUTE_BUDGET = 'rate-limit:budget';
/** Route-level budgets: counted per route and per client address, never shared with another route. */
export const RateLimit = (budget: Exclude<Budget, 'user' | 'auth_failures'>) => SetMetadata(ROUTE_BUDGET, budget);
/** Health probes and metric scrapers call often and must never be refused. */
export const NoRateLimit = () => SetMetadata(ROUTE_BUDGET, 'none');
/** The route's own guard spends its budget (the signed webhook: only once the signature is known to hold). */
export const RateLimitedByRouteGuard = () => SetMetadata(ROUTE_BUDGET, 'route-guard');

/** IPv4 as is; IPv6 by its /64, the block one subscriber usually holds. */
export const clientAddress = (request: FastifyRequest): string => normalizeIp(request.ip ?? 'unknown');

interface Count {
  hits: number;
  msLeft: number;
}

/** Counts ARGV[2] requests at once (a batch a process then hands out itself; see RateLimiter). */
const HIT = `
local hits = redis.call('INCRBY', KEYS[1], ARGV[2])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {hits, ttl}`;

const PEEK = `
local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
return {hits, ttl}`;

type ScriptedRedis = Redis & {
  rateLimitHit(key: string, windowMs: number, units: number): Promise<[number, number]>;
  rateLimitPeek(key: string): Promise<[number, number]>;
};

/**
 * Units of a budget taken from Redis in one round trip and handed out by this process: 1 (every
 * request counted in Redis) up to a budget of 199 per minute, then 1% of the budget, at most 100.
 * The default per-user budget of 1200 takes 12 at a time. docs/rate-limits.md gives the tolerance.
 */
export const batchSize = (limit: number): number => Math.max(1, Math.min(100, Math.floor(limit / 100)));

/** How long a look at an address's failure count is trusted before Redis is asked again. */
export const AUTH_FAILURE_PEEK_MS = 1000;
const MAX_LOCAL_ENTRIES = 10_000;

/** What this process holds of a subject's budget in the current window. */
interface Allowance {
  /** Units reserved in Redis and not yet handed out. */
  left: number;
  /** The window's count in Redis after the last reservation. */
  hits: number;
  windowEnds: number;
  /** A reservation in flight; requests arriving meanwhile wait for it instead of making their own. */
  pending?: Promise<void>;
}

/** The last count this process saw for an address's failed authentications. */
interface Seen {
  hits: number;
  windowEnds: number;
  seenAt: number;
}

/**
 * Counters live in Redis so a budget holds across every API process. If Redis is unreachable the
 * request is let through: losing rate limiting for a moment beats refusing all traffic.
 *
 * Budgets of 200 a minute or more are taken from Redis in batches (batchSize) and spent locally,
 * so a busy user costs one Redis round trip per batch, not per request. A batch never grants past
 * the limit; what a process reserved and did not use by the window's end is lost to the others.
 */
@Injectable()
export class RateLimiter implements OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: ScriptedRedis;
  private readonly limits: Record<Budget, number>;
  private readonly allowances = new Map<string, Allowance>();
  private readonly failuresSeen = new Map<string, Seen>();

  constructor(private readonly config: AppConfig) {
    this.redis = new Redis({
      ...redisOptionsFromUrl(config.REDIS_URL),
      keyPrefix: `${config.QUEUE_PREFIX}:ratelimit:`,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 500,
    }) as ScriptedRedis;
    this.redis.on('error', () => undefined);
    this.redis.defineCommand('rateLimitHit', { numberOfKeys: 1, lua: HIT });
    this.redis.defineCommand('rateLimitPeek', { numberOfKeys: 1, lua: PEEK });
    this.limits = {
      user: config.RATE_LIMIT_PER_MINUTE,
      auth_failures: config.RATE_LIMIT_AUTH_FAILURES_PER_MINUTE,
      unsubscribe: config.RATE_LIMIT_UNSUBSCRIBE_PER_MINUTE,
      inbound: config.RATE_LIMIT_INBOUND_PER_MINUTE,
      inbound_rejected: config.RATE_LIMIT_INBOUND_REJECTED_PER_MINUTE,
      public: config.RATE_LIMIT_PUBLIC_PER_MINUTE,
    };
  }

  get enabled(): boolean {
    return this.config.RATE_LIMIT_PER_MINUTE > 0;
  }

  /**
   * Counts one request against a budget and says so in X-RateLimit-* headers; past the limit it
   * throws a 429 that keeps them and adds Retry-After.
   */
  async spend(budget: Budget, subject: string, reply: FastifyReply): Promise<void> {
    if (!this.enabled) return;
    const limit = this.limits[budget];
    const units = batchSize(limit);
    if (units > 1) return this.spendBatched(budget, subject, limit, units, reply);
    const count = await this.run(() => this.redis.rateLimitHit(`${budget}:${subject}`, RATE_LIMIT_WINDOW_MS, 1));
    if (!count) return;
    if (budget === 'auth_failures') this.sawFailures(subject, count);
    this.describe(reply, limit, Math.max(0, limit - count.hits), count.msLeft);
    if (count.hits > limit) this.refuse(reply, budget, limit, count.msLeft);
  }

  /** Throws the 429 when the budget is already spent, without counting this request. */
  async refuseIfSpent(budget: Budget, subject: string, reply: FastifyReply): Promise<void> {
    if (!this.enabled) return;
    const limit = this.limits[budget];
    const now = Date.now();
    let seen = budget === 'auth_failures' ? this.failuresSeen.get(subject) : undefined;
    // A look stays good within its window: a spent budget until the window ends, one not yet spent
    // for AUTH_FAILURE_PEEK_MS (another process may be spending it meanwhile).
    const stillGood = seen && seen.windowEnds > now && (seen.hits >= limit || seen.seenAt + AUTH_FAILURE_PEEK_MS > now);
    if (!seen || !stillGood) {
      const count = await this.run(() => this.redis.rateLimitPeek(`${budget}:${subject}`));
      if (!count) return;
      if (budget === 'auth_failures') this.sawFailures(subject, count);
      seen = { hits: count.hits, windowEnds: Date.now() + count.msLeft, seenAt: Date.now() };
    }
    if (seen.hits < limit) return;
    const msLeft = Math.max(1, seen.windowEnds - Date.now());
    this.describe(reply, limit, 0, msLeft);
    this.refuse(reply, budget, limit, msLeft);
  }

  /** Spends one unit of what this process holds, reserving a batch in Redis when it holds none. */
  private async spendBatched(budget: Budget, subject: string, limit: number, units: number, reply: FastifyReply): Promise<void> {
    const key = `${budget}:${subject}`;
    for (;;) {
      const now = Date.now();
      let held = this.allowances.get(key);
      if (held && held.windowEnds <= now && !held.pending) {
        this.allowances.delete(key);
        held = undefined;
      }
      if (held?.pending) {
        await held.pending;
        continue;
      }
      if (held && held.left > 0) {
        held.left -= 1;
        this.describe(reply, limit, Math.max(0, limit - held.hits + held.left), held.windowEnds - now);
        return;
      }
      if (held && held.hits >= limit) {
        // Spent here, and Redis said so: no need to ask again before the window ends.
        const msLeft = held.windowEnds - now;
        this.describe(reply, limit, 0, msLeft);
        this.refuse(reply, budget, limit, msLeft);
      }
      const entry: Allowance = held ?? { left: 0, hits: 0, windowEnds: 0 };
      let reachable = true;
      entry.pending = (async () => {
        const count = await this.run(() => this.redis.rateLimitHit(key, RATE_LIMIT_WINDOW_MS, units));
        if (!count) {
          reachable = false;
          this.allowances.delete(key);
          return;
        }
        // The reservation never grants past the limit: of the units it counted, only those within it.
        const granted = Math.max(0, Math.min(units, limit - (count.hits - units)));
        entry.left = granted;
        entry.hits = count.hits;
        entry.windowEnds = Date.now() + count.msLeft;
      })().finally(() => {
        entry.pending = undefined;
      });
      if (!held) this.remember(this.allowances, key, entry);
      await entry.pending;
      if (!reachable) return;
      if (entry.left === 0) {
        const msLeft = Math.max(1, entry.windowEnds - Date.now());
        this.describe(reply, limit, 0, msLeft);
        this.refuse(reply, budget, limit, msLeft);
      }
    }
  }

  private sawFailures(subject: string, count: Count): void {
    this.remember(this.failuresSeen, subject, { hits: count.hits, windowEnds: Date.now() + count.msLeft, seenAt: Date.now() });
  }

  /** Keeps a local map bounded: past its size, entries whose window has ended go, then the oldest. */
  private remember<T extends { windowEnds: number }>(map: Map<string, T>, key: string, value: T): void {
    if (map.size >= MAX_LOCAL_ENTRIES && !map.has(key)) {
      const now = Date.now();
      for (const [k, v] of map) if (v.windowEnds <= now) map.delete(k);
      if (map.size >= MAX_LOCAL_ENTRIES) map.delete(map.keys().next().value!);
    }
    map.set(key, value);
  }

  private async run(script: () => Promise<[number, number]>): Promise<Count | null> {
    try {
      const [hits, msLeft] = await script();
      return { hits, msLeft: msLeft > 0 ? msLeft : RATE_LIMIT_WINDOW_MS };
    } catch (error) {
      this.logger.warn(`rate limiting skipped: ${(error as Error).message}`);
      return null;
    }
  }

  private describe(reply: FastifyReply, limit: number, remaining: number, msLeft: number): void {
    void reply
      .header('x-ratelimit-limit', limit)
      .header('x-ratelimit-remaining', remaining)
      .header('x-ratelimit-reset', Math.ceil(msLeft / 1000));
  }

  private refuse(reply: FastifyReply, budget: Budget, limit: number, msLeft: number): never {
    const seconds = Math.ceil(msLeft / 1000);
    void reply.header('retry-after', seconds);
    throw new RateLimitedError('rate_limited', `${DESCRIPTIONS[budget](limit)}; retry after ${seconds} s (Retry-After).`, { budget });
  }

  /** After the HTTP server has drained, so in-flight requests still have Redis. */
  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}

const DESCRIPTIONS: Record<Budget, (limit: number) => string> = {
  user: (n) => `Rate limit of ${n} requests per minute per user exceeded`,
  auth_failures: (n) => `More than ${n} requests a minute from this address failed authentication; requests needing a token are refused from it for now`,
  unsubscribe: (n) => `Rate limit of ${n} unsubscribe requests per minute from this address exceeded`,
  inbound: (n) => `Rate limit of ${n} signed inbound events per minute exceeded`,
  inbound_rejected: (n) => `More than ${n} inbound posts a minute from this address had no valid signature`,
  public: (n) => `Rate limit of ${n} requests per minute from this address to this route exceeded`,
};

/**
 * Runs after BearerAuthGuard: a caller with a token spends their user's budget (shared by all of
 * the user's tokens, so minting more does not raise it); a public route spends its own budget per
 * client address.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.limiter.enabled) return true;
    const declared = this.reflector.getAllAndOverride<Budget | 'none' | 'route-guard' | undefined>(ROUTE_BUDGET, [context.getHandler(), context.getClass()]);
    if (declared === 'none' || declared === 'route-guard') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (request.actor) {
      await this.limiter.spend('user', request.actor.userId, reply);
    } else {
      const route = `${context.getClass().name}.${context.getHandler().name}`;
      await this.limiter.spend(declared ?? 'public', `${route}:${clientAddress(request)}`, reply);
    }
    return true;
  }
}

@Module({ providers: [RateLimiter], exports: [RateLimiter] })
export class RateLimitModule {}
