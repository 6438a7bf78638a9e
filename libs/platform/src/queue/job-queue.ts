import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { JobsOptions, Queue } from 'bullmq';
import { ALL_QUEUES, JOB_QUEUE, JobName, JobPayloads, QueueName } from './jobs';

export interface EnqueueOptions {
  /** Deterministic id: enqueuing the same id twice is a no-op while the first job is kept. */
  jobId?: string;
  delayMs?: number;
}

/** Typed producer: the job name fixes both the queue and the payload's shape. */
const ENQUEUE_CHUNK = 1000;
const AFTER_COMMIT_WAIT_MS = 2000;

@Injectable()
export class JobQueue implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(JobQueue.name);
  private readonly queues = new Map<QueueName, Queue>();
  private readonly schedules = new Map<string, () => Promise<unknown>>();
  private readonly scheduleQueues = new Map<string, QueueName>();
  private watch?: NodeJS.Timeout;
  private checking = false;

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

  /** Many jobs of one name, a thousand per round trip; deterministic ids make repeats no-ops. */
  async enqueueMany<J extends JobName>(name: J, jobs: { payload: JobPayloads[J]; options?: EnqueueOptions }[]): Promise<void> {
    for (let i = 0; i < jobs.length; i += ENQUEUE_CHUNK) {
      await this.queue(JOB_QUEUE[name]).addBulk(
        jobs.slice(i, i + ENQUEUE_CHUNK).map(({ payload, options = {} }) => ({
          name,
          data: payload,
          opts: { ...(options.jobId ? { jobId: options.jobId } : {}), ...(options.delayMs ? { delay: options.delayMs } : {}) },
        })),
      );
    }
  }

  /**
   * Enqueues after a commit, for a request that must neither fail nor hang because Redis is away
   * (its commands wait for it to return): waits at most `waitMs`, then logs and returns false. The
   * state is in Postgres already, and the caller's reconciler enqueues what did not make it.
   */
  async enqueueAfterCommit(what: string, enqueue: () => Promise<void>, waitMs = AFTER_COMMIT_WAIT_MS): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${waitMs} ms`)), waitMs);
    });
    try {
      await Promise.race([enqueue(), timeout]);
      return true;
    } catch (error) {
      this.logger.warn(`${what} not enqueued now (${(error as Error).message}); the reconciler will enqueue them`);
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Per job id: `missing` (Redis holds no such job), `finished` (completed or failed, still kept)
   * or `pending`. One round trip and O(1) per id; BullMQ's getJobState scans the waiting list,
   * which is O(n) per call on a long queue.
   */
  async jobPresence(name: JobName, jobIds: string[]): Promise<('missing' | 'finished' | 'pending')[]> {
    if (!jobIds.length) return [];
    const queue = this.queue(JOB_QUEUE[name]);
    const pipeline = (await queue.backend.client).pipeline();
    for (const id of jobIds) pipeline.runCommand('hmget', [queue.toKey(id), 'timestamp', 'finishedOn']);
    const results = (await pipeline.exec()) ?? [];
    return results.map(([error, value]: [Error | null, unknown]) => {
      if (error) throw error;
      const [createdAt, finishedOn] = value as (string | null)[];
      return createdAt === null ? 'missing' : finishedOn !== null ? 'finished' : 'pending';
    });
  }

  /** Declares a repeating job. Upserting is idempotent, so every worker may call it at start. */
  async schedule<J extends JobName>(schedulerId: string, name: J, payload: JobPayloads[J], everyMs: number): Promise<void> {
    const declare = () => this.queue(JOB_QUEUE[name]).upsertJobScheduler(schedulerId, { every: everyMs }, { name, data: payload });
    this.schedules.set(schedulerId, declare);
    this.scheduleQueues.set(schedulerId, JOB_QUEUE[name]);
    await declare();
  }

  /**
   * Redis can also lose the schedulers while the connection stays up (FLUSHALL, a failover to an
   * empty replica): look for them every so often and declare any that are gone.
   */
  watchSchedules(everyMs: number): void {
    clearInterval(this.watch);
    this.watch = setInterval(() => void this.redeclareMissing(), everyMs);
    this.watch.unref();
  }

  private async redeclareMissing(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      for (const [id, declare] of this.schedules) {
        const existing = await this.queue(this.scheduleQueues.get(id)!).getJobScheduler(id);
        if (!existing) {
          this.logger.warn(`job scheduler ${id} is missing from Redis; declaring it again`);
          await declare();
        }
      }
    } catch (e) {
      this.logger.warn(`checking job schedulers: ${(e as Error).message}`);
    } finally {
      this.checking = false;
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.watch);
  }
}
