import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { JobsOptions, Queue } from 'bullmq';
import { ALL_QUEUES, JOB_QUEUE, JobName, JobPayloads, QueueName } from './jobs';

export interface EnqueueOptions {
  /** Deterministic id: enqueuing the same id twice is a no-op while the first job is kept. */
  jobId?: string;
  delayMs?: number;
}

/** Typed producer: the job name fixes both the queue and the payload's shape. */
@Injectable()
export class JobQueue implements OnModuleInit {
  private readonly logger = new Logger(JobQueue.name);
  private readonly queues = new Map<QueueName, Queue>();
  private readonly schedules = new Map<string, () => Promise<unknown>>();

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    for (const name of ALL_QUEUES) {
      const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      // An unhandled 'error' event would crash the process while Redis is away; log it instead.
      queue.on('error', (err) => this.logger.warn(`queue ${name}: ${err.message}`));
      this.queues.set(name, queue);
      // A Redis that comes back empty (restart without persistence, FLUSHALL) has lost the
      // schedulers: declare them again whenever the connection becomes ready.
      void queue.backend.client.then((client) =>
        client.on('ready', () => {
          for (const [id, declare] of this.schedules) declare().catch((e: Error) => this.logger.warn(`re-declaring ${id}: ${e.message}`));
        }),
      );
    }
  }

  queue(name: QueueName): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`queue ${name} is not registered`);
    return queue;
  }

  all(): Queue[] {
    return [...this.queues.values()];
  }

  async enqueue<J extends JobName>(name: J, payload: JobPayloads[J], options: EnqueueOptions = {}): Promise<void> {
    const opts: JobsOptions = {};
    if (options.jobId) opts.jobId = options.jobId;
    if (options.delayMs) opts.delay = options.delayMs;
    await this.queue(JOB_QUEUE[name]).add(name, payload, opts);
  }

  /** Declares a repeating job. Upserting is idempotent, so every worker may call it at start. */
  async schedule<J extends JobName>(schedulerId: string, name: J, payload: JobPayloads[J], everyMs: number): Promise<void> {
    const declare = () => this.queue(JOB_QUEUE[name]).upsertJobScheduler(schedulerId, { every: everyMs }, { name, data: payload });
    this.schedules.set(schedulerId, declare);
    await declare();
  }
}
