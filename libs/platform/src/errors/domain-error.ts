/**
 * Errors raised by domain rules. They know nothing of HTTP: the `kind` says what went wrong and the
 * HTTP layer maps it to a status once (see ProblemFilter). `code` is stable and documented in
 * docs/errors.md; clients branch on it, not on the human-readable message.
 */
export type DomainErrorKind = 'invalid' | 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'rule_violation' | 'rate_limited';

export interface FieldProblem {
  field: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly kind: DomainErrorKind;
  constructor(
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidInputError extends DomainError {
  readonly kind = 'invalid' as const;
  constructor(
    code: string,
    message: string,
    readonly errors: FieldProblem[] = [],
    extra: Record<string, unknown> = {},
  ) {
    super(code, message, extra);
  }
}

export class UnauthenticatedError extends DomainError {
  readonly kind = 'unauthenticated' as const;
}

export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden' as const;
}

export class NotFoundError extends DomainError {
  readonly kind = 'not_found' as const;
  constructor(resource: string, id?: string) {
    super(
      `${resource.replace(/\s+/g, '_').toLowerCase()}_not_found`,
      id ? `${resource} ${id} does not exist` : `${resource} does not exist`,
      id ? { resource, id } : { resource },
    );
  }
}

export class ConflictError extends DomainError {
  readonly kind = 'conflict' as const;
}

/** Well-formed input that the rules refuse (an illegal transition, a reused idempotency key...). */
export class RuleViolationError extends DomainError {
  readonly kind = 'rule_violation' as const;
}
