import { UnrecoverableError } from 'bullmq';
import { DomainError } from '../errors/domain-error';

/**
 * The one rule for what a failed job may retry: a domain refusal (missing entity, broken rule)
 * will fail the same way every time, so it is final; anything else (database or network trouble)
 * is retried with the queue's backoff. The original error is never swallowed.
 */
export async function withRetryPolicy<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof DomainError) throw new UnrecoverableError(`${error.code}: ${error.message}`);
    throw error;
  }
}
