import { Clock, JobName, JobQueue } from '@app/platform';
import { Injectable } from '@nestjs/common';

/** Deterministic per step and due time: a re-enqueue of the same plan is a no-op in BullMQ. */
export function sendJobId(outreachMessageId: string, dueAt: Date): string {
  return `send-${outreachMessageId}-${dueAt.getTime()}`;
}

const hostnames = new Map<string, string>();

/** Deterministic, so a retried send of the same step can be recognised by any mail system. */
export function messageIdFor(enrollmentId: string, step: number, publicBaseUrl: string): string {
  let hostname = hostnames.get(publicBaseUrl);
  if (hostname === undefined) hostnames.set(publicBaseUrl, (hostname = new URL(publicBaseUrl).hostname));
  return `<${enrollmentId}.${step}@${hostname}>`;
}

/** Puts steps on the outreach queue for their due time. Jobs carry the step's id only. */
@Injectable()
export class OutreachJobs {
  constructor(
    private readonly jobs: JobQueue,
    private readonly clock: Clock,
  ) {}

  async enqueue(steps: { id: string; dueAt: Date; jobId?: string }[]): Promise<void> {
    const now = this.clock.now().getTime();
    await this.jobs.enqueueMany(
      JobName.SendOutreachStep,
      steps.map((s) => ({
        payload: { outreachMessageId: s.id },
        options: { jobId: s.jobId ?? sendJobId(s.id, s.dueAt), delayMs: Math.max(0, s.dueAt.getTime() - now) },
      })),
    );
  }

  /** After a commit: never fails or hangs the caller; a step whose job is lost is found by the reconciler once it is due. */
  async enqueueAfterCommit(steps: { id: string; dueAt: Date; jobId?: string }[]): Promise<void> {
    if (steps.length) await this.jobs.enqueueAfterCommit(`${steps.length} outreach step(s)`, () => this.enqueue(steps));
  }

  async presence(steps: { id: string; dueAt: Date }[]): Promise<('missing' | 'finished' | 'pending')[]> {
    return this.jobs.jobPresence(
      JobName.SendOutreachStep,
      steps.map((s) => sendJobId(s.id, s.dueAt)),
    );
  }
}
