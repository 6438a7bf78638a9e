import { JobName, JobQueue } from '@app/platform';
import { Injectable, Logger } from '@nestjs/common';

/**
 * A delivery's job id names its attempt: enqueuing the same attempt twice is a no-op while the job
 * is kept, and a delivery that comes back (a retry, a manual redelivery, a reset after its sender
 * died) gets a new one. Postgres, not the job, decides whether an attempt runs.
 */
export const deliveryJobId = (deliveryId: string, attemptsMade: number, suffix = '') => `wh-${deliveryId}-${attemptsMade}${suffix}`;

@Injectable()
export class WebhookJobs {
  private readonly logger = new Logger(WebhookJobs.name);

  constructor(private readonly jobs: JobQueue) {}

  async enqueue(deliveries: { id: string; attempts: number; delayMs?: number; suffix?: string }[]): Promise<void> {
    await this.jobs.enqueueMany(
      JobName.DeliverWebhook,
      deliveries.map((d) => ({ payload: { deliveryId: d.id }, options: { jobId: deliveryJobId(d.id, d.attempts, d.suffix), delayMs: d.delayMs } })),
    );
  }

  /**
   * After a commit (a ping, a redelivery): enqueue, but never fail or hang the caller (Redis may be
   * away, and commands wait for it to return). The reconciler enqueues an overdue delivery whose job is lost.
   */
  async enqueueAfterCommit(deliveries: { id: string; attempts: number; suffix?: string }[], waitMs = 2000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${waitMs} ms`)), waitMs);
    });
    try {
      await Promise.race([this.enqueue(deliveries), timeout]);
    } catch (error) {
      this.logger.warn(`${deliveries.length} webhook delivery(ies) not enqueued now (${(error as Error).message}); the reconciler will enqueue them`);
    } finally {
      clearTimeout(timer);
    }
  }

  presence(deliveries: { id: string; attempts: number }[]) {
    return this.jobs.jobPresence(
      JobName.DeliverWebhook,
      deliveries.map((d) => deliveryJobId(d.id, d.attempts)),
    );
  }
}
