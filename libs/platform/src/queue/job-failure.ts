import { UnrecoverableError } from 'bullmq';
import { DomainError } from '../errors/domain-error';
import { scrubText } from '../logging/scrub';

/**
 * The one rule for what a failed job may retry: a domain refusal (missing entity, broken rule)
 * will fail the same way every time, so it is final; anything else (database or network trouble)
 * is retried with the queue's backoff. The original error is never swallowed, but BullMQ keeps
 * its message and stack in Redis for days, so both are scrubbed of personal data first.
 */
export async function withRetryPolicy<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof DomainError) throw new UnrecoverableError(scrubText(`${error.code}: ${error.message}`));
    if (error instanceof Error) {
      error.message = scrubText(error.message);
      if (error.stack) error.stack = scrubText(error.stack);
    }
    throw error;
  }
}
