import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { ALL_QUEUES } from './jobs';
import { JobQueue } from './job-queue';

/**
 * The single place where retention, attempts and backoff are decided for every job. Call sites
 * pass a name and a payload; nothing else.
 */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 50_000 },
} as const;

@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // Reconnect within two seconds after Redis returns (BullMQ's own backoff waits up to 20 s).
        connection: { url: config.REDIS_URL, maxRetriesPerRequest: null, retryStrategy: (times: number) => Math.min(200 * times, 2000) },
        prefix: config.QUEUE_PREFIX,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }),
    }),
    BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name }))),
  ],
  providers: [JobQueue],
  exports: [BullModule, JobQueue],
})
export class QueueModule {}
