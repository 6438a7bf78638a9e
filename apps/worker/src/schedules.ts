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
    this.declare('purge-expired-idempotency-keys', JobName.PurgeExpiredIdempotencyKeys, this.config.MAINTENANCE_INTERVAL_MS);
    this.declare('expire-offers', JobName.ExpireOffers, this.config.OFFER_EXPIRY_INTERVAL_MS);
    this.declare('reconcile-outreach', JobName.ReconcileOutreach, this.config.OUTREACH_RECONCILE_INTERVAL_MS);
    this.declare('purge-old-events', JobName.PurgeOldEvents, this.config.MAINTENANCE_INTERVAL_MS);
    this.declare('dispatch-webhooks', JobName.DispatchWebhooks, this.config.WEBHOOK_DISPATCH_INTERVAL_MS);
    this.declare('reconcile-webhooks', JobName.ReconcileWebhooks, this.config.WEBHOOK_RECONCILE_INTERVAL_MS);
    this.declare('project-insight', JobName.ProjectInsight, this.config.INSIGHT_PROJECTION_INTERVAL_MS);
    this.declare('refresh-market', JobName.RefreshMarket, this.config.INSIGHT_MARKET_INTERVAL_MS);
    this.declare('send-interview-mails', JobName.SendInterviewMails, this.config.INTERVIEW_MAIL_INTERVAL_MS);
    this.jobs.watchSchedules(Math.min(10_000, this.config.OUTREACH_RECONCILE_INTERVAL_MS * 2));
  }

  private declare(
    id: string,
    job:
      | JobName.PurgeExpiredIdempotencyKeys
      | JobName.ExpireOffers
      | JobName.ReconcileOutreach
      | JobName.PurgeOldEvents
      | JobName.DispatchWebhooks
      | JobName.ReconcileWebhooks
      | JobName.ProjectInsight
      | JobName.RefreshMarket
      | JobName.SendInterviewMails,
    everyMs: number,
  ): void {
    this.jobs
      .schedule(id, job, {}, everyMs)
      .then(() => this.logger.log(`scheduled ${job} every ${everyMs} ms`))
      .catch((e: Error) => this.logger.warn(`scheduling ${job} failed, will retry when Redis is ready: ${e.message}`));
  }
}
