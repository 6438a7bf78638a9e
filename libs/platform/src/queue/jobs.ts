/** Every queue the system runs. One worker per queue; handlers dispatch on the job name. */
export enum QueueName {
  Maintenance = 'maintenance',
}

export enum JobName {
  PurgeExpiredIdempotencyKeys = 'purge-expired-idempotency-keys',
  ExpireOffers = 'expire-offers',
}

/** Payloads carry ids and small scalars only; state is re-read from Postgres when a job runs. */
export interface JobPayloads {
  [JobName.PurgeExpiredIdempotencyKeys]: Record<string, never>;
  [JobName.ExpireOffers]: Record<string, never>;
}

export const JOB_QUEUE: { [J in JobName]: QueueName } = {
  [JobName.PurgeExpiredIdempotencyKeys]: QueueName.Maintenance,
  [JobName.ExpireOffers]: QueueName.Maintenance,
};

export const ALL_QUEUES = Object.values(QueueName);
