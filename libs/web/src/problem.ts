import { HttpException, HttpStatus } from '@nestjs/common';
import { DomainError, DomainErrorKind, FieldProblem, InvalidInputError } from '@app/platform';

/** RFC 9457 problem details, plus a stable `code` and the request's correlation id. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  correlationId?: string;
  errors?: FieldProblem[];
  [extra: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

const STATUS_BY_KIND: Record<DomainErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rule_violation: 422,
  rate_limited: 429,
};

export const PROBLEM_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  408: 'Request Timeout',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Codes for errors raised by Fastify itself before a handler runs. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
  FST_ERR_BAD_URL: 'malformed_url',
  FST_ERR_MAX_PARAM_LENGTH: 'uri_too_long',
};

/** Fastify's own messages quote the URL, which `instance` already names. */
const FASTIFY_DETAILS: Record<string, string> = {
  malformed_json: 'The request body is not valid JSON.',
  malformed_url: 'The URL is not validly percent-encoded.',
  uri_too_long: 'A segment of the path is longer than 100 characters.',
};

export const problemType = (code: string) => `urn:problem-type:hiring:${code}`;

function make(status: number, code: string, detail: string, extra: Record<string, unknown> = {}): ProblemDetails {
  // Extension members never overwrite the standard ones.
  return { ...extra, type: problemType(code), title: PROBLEM_TITLES[status] ?? HttpStatus[status] ?? 'Error', status, detail, code };
}

/** Maps any thrown value to a problem. Unknown errors become a bare 500 that reveals nothing. */
export function toProblem(error: unknown): { problem: ProblemDetails; unexpected: boolean } {
  if (error instanceof DomainError) {
    const status = STATUS_BY_KIND[error.kind];
    const extra: Record<string, unknown> = { ...error.extra };
    if (error instanceof InvalidInputError && error.errors.length > 0) extra.errors = error.errors;
    return { problem: make(status, error.code, error.message, extra), unexpected: false };
  }
  const driverCode = (error as { driverError?: { code?: string } })?.driverError?.code;
  if (driverCode === '22021' || driverCode === '22P05' || driverCode === '54000') {
    // Text PostgreSQL cannot store or index (bad encoding, NUL, an oversized index row).
    return {
      problem: make(400, 'unstorable_text', 'The request holds text that cannot be stored; remove control characters or shorten it.'),
      unexpected: false,
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const message = typeof response === 'string' ? response : ((response as { message?: unknown }).message ?? error.message);
    const detail = Array.isArray(message) ? message.join('; ') : String(message);
    if (status >= 500) return { problem: make(500, 'internal_error', 'An unexpected error occurred.'), unexpected: true };
    // Fastify's body-parser errors reach us wrapped by Nest; recognise them by their message.
    if (status === 400 && /JSON/.test(detail)) return { problem: make(400, 'malformed_json', 'The request body is not valid JSON.'), unexpected: false };
    const code = status === 404 ? 'route_not_found' : status === 429 ? 'rate_limited' : (HttpStatus[status] ?? 'error').toLowerCase();
    return { problem: make(status, code, detail), unexpected: false };
  }
  const candidate = error as { statusCode?: unknown; code?: unknown; message?: unknown };
  if (typeof candidate?.statusCode === 'number' && candidate.statusCode >= 400 && candidate.statusCode < 500) {
    const fastifyCode = typeof candidate.code === 'string' ? FASTIFY_CODES[candidate.code] : undefined;
    const status = candidate.statusCode;
    const code = fastifyCode ?? (status === 400 ? 'bad_request' : (HttpStatus[status] ?? 'error').toLowerCase());
    const detail = (fastifyCode && FASTIFY_DETAILS[fastifyCode]) ?? String(candidate.message ?? PROBLEM_TITLES[status] ?? 'Bad request');
    return { problem: make(status, code, detail), unexpected: false };
  }
  return { problem: make(500, 'internal_error', 'An unexpected error occurred. Quote the correlationId when reporting it.'), unexpected: true };
}
