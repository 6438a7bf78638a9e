import { AppConfig, JobName, JobPayloads, QueueName } from '@app/platform';
import { DeliveryOutcome, WebhookDelivery } from '@app/webhooks';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';

type WebhookJob = Job<JobPayloads[JobName.DispatchWebhooks | JobName.DeliverWebhook], unknown, JobName>;

/**
 * Webhooks: the scheduled dispatch of new events into deliveries, and one job per delivery
 * attempt. Thin: WebhookDelivery decides; Postgres, not the job, says whether an attempt runs.
 * A dead worker's jobs come back after a 10 s lock, not BullMQ's 30 s: the schedule's next
 * dispatch waits for the one the dead worker held.
 */
@Processor(QueueName.Webhooks, { lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 5 })
export class WebhooksProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhooksProcessor.name);

  constructor(
    private readonly delivery: WebhookDelivery,
    private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.WEBHOOK_CONCURRENCY;
  }

  async process(job: WebhookJob, token?: string): Promise<unknown> {
    switch (job.name) {
      case JobName.DispatchWebhooks:
        return this.delivery.dispatch();
      case JobName.DeliverWebhook: {
        const outcome: DeliveryOutcome = await this.delivery.deliver((job.data as JobPayloads[JobName.DeliverWebhook]).deliveryId);
        if (outcome.result === 'not_due') {
          // This machine's clock is behind the one that planned the attempt: wait, keeping the job.
          await job.moveToDelayed(outcome.dueAt.getTime(), token);
          throw new DelayedError();
        }
        return outcome;
      }
      default:
        return { skipped: `unknown job ${String(job.name)}` };
    }
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn(`webhooks worker: ${error.message}`);
  }

  @OnWorkerEvent('failed')
  onFailed(job: WebhookJob | undefined, error: Error): void {
    this.logger.error({ jobId: job?.id, job: job?.name, attempts: job?.attemptsMade, err: error }, 'webhooks job failed');
  }
}
