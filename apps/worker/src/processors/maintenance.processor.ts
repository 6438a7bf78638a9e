import { OffersService } from '@app/compensation';
import { OutreachReconciler } from '@app/outreach';
import { AppConfig, DomainEvents, IdempotencyService, JobName, JobPayloads, QueueName, withRetryPolicy } from '@app/platform';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import { WebhookDelivery } from '@app/webhooks';
import { InsightProjection } from '@app/insight';
import { InterviewMails } from '@app/interviews';

type MaintenanceJob = Job<
  JobPayloads[
    | JobName.PurgeExpiredIdempotencyKeys
    | JobName.ExpireOffers
    | JobName.ReconcileOutreach
    | JobName.PurgeOldEvents
    | JobName.ReconcileWebhooks
    | JobName.RecheckOfferRate
    | JobName.ProjectInsight
    | JobName.RefreshMarket
    | JobName.SendInterviewMails],
  unknown,
  JobName
>;

/** Housekeeping on a schedule. Thin: each job name maps to one service call. */
@Processor(QueueName.Maintenance)
export class MaintenanceProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceProcessor.name);

  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly offers: OffersService,
    private readonly reconciler: OutreachReconciler,
    private readonly events: DomainEvents,
    private readonly webhooks: WebhookDelivery,
    private readonly insight: InsightProjection,
    private readonly interviewMails: InterviewMails,
    private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.WORKER_CONCURRENCY;
  }

  async process(job: MaintenanceJob): Promise<unknown> {
    return withRetryPolicy(async () => {
      switch (job.name) {
        case JobName.PurgeExpiredIdempotencyKeys:
          return { purged: await this.idempotency.purgeExpired() };
        case JobName.ExpireOffers:
          return { expired: await this.offers.expireDue(), rateChecksRequeued: await this.offers.requeueRateChecks() };
        case JobName.RecheckOfferRate:
          return { result: await this.offers.recheckRate((job.data as JobPayloads[JobName.RecheckOfferRate]).offerId) };
        case JobName.ReconcileOutreach:
          return this.reconciler.reconcile();
        case JobName.PurgeOldEvents:
          return { purged: await this.events.purgeExpired() };
        case JobName.ReconcileWebhooks:
          return this.webhooks.reconcile();
        case JobName.ProjectInsight:
          return this.insight.project();
        case JobName.RefreshMarket:
          return this.insight.refreshMarket();
        case JobName.SendInterviewMails:
          return this.interviewMails.sendDue();
        default:
          return { skipped: `unknown job ${String(job.name)}` };
      }
    });
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn(`maintenance worker: ${error.message}`);
  }

  @OnWorkerEvent('failed')
  onFailed(job: MaintenanceJob | undefined, error: Error): void {
    this.logger.error({ jobId: job?.id, job: job?.name, attempts: job?.attemptsMade, err: error }, 'maintenance job failed');
  }
}
