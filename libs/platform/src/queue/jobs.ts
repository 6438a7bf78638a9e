/** Every queue the system runs. One worker per queue; handlers dispatch on the job name. */
export enum QueueName {
  Maintenance = 'maintenance',
  Outreach = 'outreach',
  Webhooks = 'webhooks',
}

export enum JobName {
  PurgeExpiredIdempotencyKeys = 'purge-expired-idempotency-keys',
  ExpireOffers = 'expire-offers',
  ReconcileOutreach = 'reconcile-outreach',
  PurgeOldEvents = 'purge-old-events',
  SendOutreachStep = 'send-outreach-step',
  DispatchWebhooks = 'dispatch-webhooks',
  DeliverWebhook = 'deliver-webhook',
  ReconcileWebhooks = 'reconcile-webhooks',
  RecheckOfferRate = 'recheck-offer-rate',
  ProjectInsight = 'project-insight',
  RefreshMarket = 'refresh-market',
  SendInterviewMails = 'send-interview-mails',
}

/** Payloads carry ids and small scalars only; state is re-read from Postgres when a job runs. */
export interface JobPayloads {
  [JobName.PurgeExpiredIdempotencyKeys]: Record<string, never>;
  [JobName.ExpireOffers]: Record<string, never>;
  [JobName.ReconcileOutreach]: Record<string, never>;
  [JobName.PurgeOldEvents]: Record<string, never>;
  [JobName.SendOutreachStep]: { outreachMessageId: string };
  [JobName.DispatchWebhooks]: Record<string, never>;
  [JobName.DeliverWebhook]: { deliveryId: string };
  [JobName.ReconcileWebhooks]: Record<string, never>;
  [JobName.RecheckOfferRate]: { offerId: string };
  [JobName.ProjectInsight]: Record<string, never>;
  [JobName.RefreshMarket]: Record<string, never>;
  [JobName.SendInterviewMails]: Record<string, never>;
}

// Reconciling runs beside the other housekeeping, not behind a long queue of sends.
export const JOB_QUEUE: { [J in JobName]: QueueName } = {
  [JobName.PurgeExpiredIdempotencyKeys]: QueueName.Maintenance,
  [JobName.ExpireOffers]: QueueName.Maintenance,
  [JobName.ReconcileOutreach]: QueueName.Maintenance,
  [JobName.PurgeOldEvents]: QueueName.Maintenance,
  [JobName.SendOutreachStep]: QueueName.Outreach,
  [JobName.DispatchWebhooks]: QueueName.Webhooks,
  [JobName.DeliverWebhook]: QueueName.Webhooks,
  [JobName.ReconcileWebhooks]: QueueName.Maintenance,
  [JobName.RecheckOfferRate]: QueueName.Maintenance,
  [JobName.ProjectInsight]: QueueName.Maintenance,
  [JobName.RefreshMarket]: QueueName.Maintenance,
  [JobName.SendInterviewMails]: QueueName.Maintenance,
};

export const ALL_QUEUES = Object.values(QueueName);
