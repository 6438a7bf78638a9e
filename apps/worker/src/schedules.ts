import { AppConfig, JobName, JobQueue } from '@app/platform';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';

/**
 * Declares the repeating jobs. Upserts are idempotent, so every worker process declares them at
 * start and BullMQ still runs each occurrence once.
 */
@Injectable()
export class Schedules implements OnApplicationBootstrap {
  private readonly logger = new Logger(Schedules.name);

  constructor(
    private readonly jobs: JobQueue,
    private readonly config: AppConfig,
  ) {}

  /** Not awaited: with Redis away the worker still starts (and reports 503) instead of hanging. */
  onApplicationBootstrap(): void {
    this.jobs
      .schedule('purge-expired-idempotency-keys', JobName.PurgeExpiredIdempotencyKeys, {}, this.config.MAINTENANCE_INTERVAL_MS)
      .then(() => this.logger.log(`scheduled ${JobName.PurgeExpiredIdempotencyKeys} every ${this.config.MAINTENANCE_INTERVAL_MS} ms`))
      .catch((e: Error) => this.logger.warn(`scheduling failed, will retry when Redis is ready: ${e.message}`));
  }
}
