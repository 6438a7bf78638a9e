import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { redisOptionsFromUrl } from '../queue/redis-connection';

export interface HealthReport {
  status: 'ok' | 'unavailable';
  checks: { database: CheckResult; redis: CheckResult };
}
export interface CheckResult {
  status: 'up' | 'down';
  latencyMs?: number;
  error?: string;
}

const CHECK_TIMEOUT_MS = 1500;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e) => (clearTimeout(timer), reject(e)),
    );
  });
}

@Injectable()
export class HealthService implements OnApplicationShutdown {
  /** A connection of its own that fails fast instead of queueing commands while Redis is away. */
  private readonly redis: Redis;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.redis = new Redis({
      ...redisOptionsFromUrl(config.REDIS_URL),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: CHECK_TIMEOUT_MS,
      retryStrategy: () => 500,
      lazyConnect: false,
    });
    this.redis.on('error', () => undefined);
  }

  async check(): Promise<HealthReport> {
    const [database, redis] = await Promise.all([this.probe(() => this.dataSource.query('SELECT 1')), this.probe(() => this.redis.ping())]);
    return { status: database.status === 'up' && redis.status === 'up' ? 'ok' : 'unavailable', checks: { database, redis } };
  }

  private async probe(fn: () => Promise<unknown>): Promise<CheckResult> {
    const started = performance.now();
    try {
      await withTimeout(fn(), CHECK_TIMEOUT_MS);
      return { status: 'up', latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    } catch (error) {
      return { status: 'down', error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** After the HTTP server has drained, so in-flight requests still have Redis. */
  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
