import { Clock, JobName, JobQueue } from '@app/platform';
import { Injectable, Logger } from '@nestjs/common';

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
  private readonly logger = new Logger(OutreachJobs.name);

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

  /**
   * After a commit: enqueue, but never fail or hang the caller (Redis may be away, and commands
   * wait for it to return). A step whose job is lost is found by the reconciler once it is due.
   */
  async enqueueAfterCommit(steps: { id: string; dueAt: Date; jobId?: string }[], waitMs = 2000): Promise<void> {
    if (!steps.length) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${waitMs} ms`)), waitMs);
    });
    try {
      await Promise.race([this.enqueue(steps), timeout]);
    } catch (error) {
      this.logger.warn(`${steps.length} step(s) not enqueued now (${(error as Error).message}); the reconciler will enqueue them when due`);
    } finally {
      clearTimeout(timer);
    }
  }

  async presence(steps: { id: string; dueAt: Date }[]): Promise<('missing' | 'finished' | 'pending')[]> {
    return this.jobs.jobPresence(
      JobName.SendOutreachStep,
      steps.map((s) => sendJobId(s.id, s.dueAt)),
    );
  }
}
