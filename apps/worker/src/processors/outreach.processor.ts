import { AppConfig, JobName, JobPayloads, QueueName } from '@app/platform';
import { OutreachSender, SendOutcome } from '@app/outreach';
import { scrubText } from '@app/web';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import DataLoader from 'dataloader';

type OutreachJob = Job<JobPayloads[JobName.SendOutreachStep], SendOutcome, JobName>;

/**
 * Sends outreach steps. Thin: the sender decides everything; an early job waits for its time.
 * Jobs stay one per step, and the steps of jobs running at the same moment are sent as one batch
 * (a few milliseconds' wait gathers them), which costs Postgres a handful of statements per batch
 * instead of per step. A dead worker's jobs come back after a 10 s lock instead of BullMQ's 30 s,
 * and may stall several times (Postgres, not the stall count, keeps a step from going out twice).
 */
@Processor(QueueName.Outreach, { lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 5 })
export class OutreachProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(OutreachProcessor.name);
  private readonly batches: DataLoader<string, SendOutcome>;

  constructor(
    private readonly sender: OutreachSender,
    private readonly config: AppConfig,
  ) {
    super();
    this.batches = new DataLoader((ids) => this.sender.sendMany(ids), {
      cache: false,
      maxBatchSize: config.OUTREACH_BATCH_SIZE,
      batchScheduleFn: (dispatch) => setTimeout(dispatch, config.OUTREACH_BATCH_WAIT_MS),
    });
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.OUTREACH_CONCURRENCY;
  }

  async process(job: OutreachJob, token?: string): Promise<SendOutcome | { skipped: string }> {
    if (job.name !== JobName.SendOutreachStep) return { skipped: `unknown job ${String(job.name)}` };
    const outcome = await this.batches.load(job.data.outreachMessageId);
    if (outcome.result === 'not_due') {
      // This machine's clock is behind the one that planned the step: wait, keeping the job.
      await job.moveToDelayed(outcome.dueAt.getTime(), token);
      throw new DelayedError();
    }
    // The result is kept in Redis (and its events stream), beyond erasure's reach; an SMTP answer names the recipient.
    return 'reason' in outcome ? { ...outcome, reason: scrubText(outcome.reason) } : outcome;
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn(`outreach worker: ${error.message}`);
  }

  @OnWorkerEvent('failed')
  onFailed(job: OutreachJob | undefined, error: Error): void {
    this.logger.error({ jobId: job?.id, attempts: job?.attemptsMade, err: error }, 'outreach job failed');
  }
}
