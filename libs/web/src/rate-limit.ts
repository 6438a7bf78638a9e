import { AppConfig, redisOptionsFromUrl } from '@app/platform';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { ExecutionContext, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerModule, ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import Redis from 'ioredis';
import type { AuthenticatedRequest } from './auth';

/**
 * Counters live in Redis so the limit holds across every API process. If Redis is unreachable
 * the request is let through: losing rate limiting for a moment beats refusing all traffic.
 */
@Injectable()
export class FailOpenRedisThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: Redis;
  private readonly inner: ThrottlerStorageRedisService;

  constructor(config: AppConfig) {
    this.redis = new Redis({
      ...redisOptionsFromUrl(config.REDIS_URL),
      keyPrefix: `${config.QUEUE_PREFIX}:ratelimit:`,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 500,
    });
    this.redis.on('error', () => undefined);
    this.inner = new ThrottlerStorageRedisService(this.redis);
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, name: string): Promise<ThrottlerStorageRecord> {
    try {
      return await this.inner.increment(key, ttl, limit, blockDuration, name);
    } catch (error) {
      this.logger.warn(`rate limiting skipped: ${(error as Error).message}`);
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  /** After the HTTP server has drained, so in-flight requests still have Redis. */
  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}

/** Counts per token across all routes (the caller is known: this guard runs after authentication). */
@Injectable()
export class PerTokenThrottlerGuard extends ThrottlerGuard {
  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const request = req as unknown as AuthenticatedRequest;
    return request.actor ? `token:${request.actor.tokenId}` : `ip:${request.ip}`;
  }
}

@Module({ providers: [FailOpenRedisThrottlerStorage], exports: [FailOpenRedisThrottlerStorage] })
class RateLimitStorageModule {}

export const rateLimitModule = () =>
  ThrottlerModule.forRootAsync({
    imports: [RateLimitStorageModule],
    inject: [AppConfig, FailOpenRedisThrottlerStorage],
    useFactory: (config: AppConfig, storage: FailOpenRedisThrottlerStorage) => ({
      throttlers: [{ name: 'default', ttl: 60_000, limit: Math.max(1, config.RATE_LIMIT_PER_MINUTE) }],
      skipIf: () => config.RATE_LIMIT_PER_MINUTE === 0,
      storage,
      errorMessage: `Rate limit of ${config.RATE_LIMIT_PER_MINUTE} requests per minute exceeded; retry after the number of seconds in Retry-After.`,
    }),
  });
