import { AppConfig, redisOptionsFromUrl } from '@app/platform';
import { Actor } from '@app/users';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';

const MAX_ENTRIES = 10_000;

/**
 * Tokens this process has recently checked, so a busy client does not cost a database lookup on
 * every request. Entries live TOKEN_CACHE_TTL_MS at most (never past the token's own expiry),
 * and a revocation is published over Redis so every process forgets the token at once.
 */
@Injectable()
export class TokenCache implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(TokenCache.name);
  private readonly entries = new Map<string, { actor: Actor; until: number }>();
  private readonly channel: string;
  private publisher?: Redis;
  private subscriber?: Redis;

  constructor(private readonly config: AppConfig) {
    this.channel = `${config.QUEUE_PREFIX}:token-revoked`;
  }

  get enabled(): boolean {
    return this.config.TOKEN_CACHE_TTL_MS > 0;
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    const options = { ...redisOptionsFromUrl(this.config.REDIS_URL), retryStrategy: () => 500, maxRetriesPerRequest: 1 };
    this.publisher = new Redis(options);
    this.subscriber = new Redis(options);
    for (const client of [this.publisher, this.subscriber]) client.on('error', () => undefined);
    // While the subscription is down a revocation could be missed: trust nothing cached then.
    this.subscriber.on('close', () => this.entries.clear());
    this.subscriber.on('ready', () => void this.subscriber!.subscribe(this.channel).catch(() => undefined));
    this.subscriber.on('message', (_channel, tokenId: string) => this.forget(tokenId));
  }

  lookup(tokenHash: string): Actor | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (entry.until <= Date.now()) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return entry.actor;
  }

  remember(tokenHash: string, actor: Actor, tokenExpiresAt: Date | null): void {
    if (!this.enabled || this.subscriber?.status !== 'ready') return;
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    const until = Math.min(Date.now() + this.config.TOKEN_CACHE_TTL_MS, tokenExpiresAt?.getTime() ?? Infinity);
    this.entries.set(tokenHash, { actor, until });
  }

  /** Forgets the token here and tells every other process to do the same. */
  async revoked(tokenId: string): Promise<void> {
    this.forget(tokenId);
    if (!this.publisher) return;
    await this.publisher.publish(this.channel, tokenId).catch((e: Error) => this.logger.warn(`revocation not broadcast: ${e.message}`));
  }

  private forget(tokenId: string): void {
    for (const [hash, entry] of this.entries) if (entry.actor.tokenId === tokenId) this.entries.delete(hash);
  }

  onApplicationShutdown(): void {
    this.publisher?.disconnect();
    this.subscriber?.disconnect();
  }
}
