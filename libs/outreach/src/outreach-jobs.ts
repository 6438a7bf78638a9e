import { Clock, JobName, JobQueue } from '@app/platform';
import { Injectable } from '@nestjs/common';

/** Deterministic per step and due time: a re-enqueue of the same plan is a no-op in BullMQ. */
export function sendJobId(outreachMessageId: string, dueAt: Date): string {
  return `send-${outreachMessageId}-${dueAt.getTime()}`;
}

/** Deterministic, so a retried send of the same step can be recognised by any mail system. */
export function messageIdFor(enrollmentId: string, step: number, publicBaseUrl: string): string {
  return `<${enrollmentId}.${step}@${new URL(publicBaseUrl).hostname}>`;
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
    for (let i = 0; i < steps.length; i += 1000) {
      await this.jobs.enqueueMany(
        JobName.SendOutreachStep,
        steps.slice(i, i + 1000).map((s) => ({
          payload: { outreachMessageId: s.id },
          options: { jobId: s.jobId ?? sendJobId(s.id, s.dueAt), delayMs: Math.max(0, s.dueAt.getTime() - now) },
        })),
      );
    }
  }

  async presence(steps: { id: string; dueAt: Date }[]): Promise<('missing' | 'finished' | 'pending')[]> {
    return this.jobs.jobPresence(
      JobName.SendOutreachStep,
      steps.map((s) => sendJobId(s.id, s.dueAt)),
    );
  }
}
