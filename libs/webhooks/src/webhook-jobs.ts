import { JobName, JobQueue } from '@app/platform';
import { Injectable } from '@nestjs/common';

/**
 * A delivery's job id names its attempt: enqueuing the same attempt twice is a no-op while the job
 * is kept, and a delivery that comes back (a retry, a manual redelivery, a reset after its sender
 * died) gets a new one. Postgres, not the job, decides whether an attempt runs.
 */
export const deliveryJobId = (deliveryId: string, attemptsMade: number, suffix = '') => `wh-${deliveryId}-${attemptsMade}${suffix}`;

@Injectable()
export class WebhookJobs {
  constructor(private readonly jobs: JobQueue) {}

  async enqueue(deliveries: { id: string; attempts: number; delayMs?: number; suffix?: string }[]): Promise<void> {
    await this.jobs.enqueueMany(
      JobName.DeliverWebhook,
      deliveries.map((d) => ({ payload: { deliveryId: d.id }, options: { jobId: deliveryJobId(d.id, d.attempts, d.suffix), delayMs: d.delayMs } })),
    );
  }

  /** After a commit (a ping, a redelivery): never fails or hangs the caller; the reconciler enqueues an overdue delivery whose job is lost. */
  async enqueueAfterCommit(deliveries: { id: string; attempts: number; suffix?: string }[]): Promise<void> {
    await this.jobs.enqueueAfterCommit(`${deliveries.length} webhook delivery(ies)`, () => this.enqueue(deliveries));
  }

  presence(deliveries: { id: string; attempts: number }[]) {
    return this.jobs.jobPresence(
      JobName.DeliverWebhook,
      deliveries.map((d) => deliveryJobId(d.id, d.attempts)),
    );
  }
}
