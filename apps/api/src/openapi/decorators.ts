import { applyDecorators, Type } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, ApiSchema, getSchemaPath } from '@nestjs/swagger';

export class FieldProblemSchema {
  @ApiProperty({ example: 'timeZone' }) field: string;
  @ApiProperty({ example: 'timeZone must be an IANA time zone such as America/Los_Angeles' }) message: string;
}

/** RFC 9457 problem details; extension members beyond the named ones may be added (docs/errors.md). */
@ApiSchema({ name: 'ProblemSchema', description: 'RFC 9457 problem details with a stable code; some problems add extension members (docs/errors.md)' })
export class ProblemSchema {
  @ApiProperty({ example: 'urn:problem-type:hiring:validation_failed' }) type: string;
  @ApiProperty({ example: 'Bad Request' }) title: string;
  @ApiProperty({ example: 400 }) status: number;
  @ApiProperty({ example: 'timeZone must be an IANA time zone such as America/Los_Angeles' }) detail: string;
  @ApiProperty({ example: 'validation_failed', description: 'Stable machine-readable code (docs/errors.md)' }) code: string;
  @ApiPropertyOptional({ example: '/v1/task-forces' }) instance?: string;
  @ApiPropertyOptional({ description: 'Request id; also in the x-request-id header and the logs' }) correlationId?: string;
  @ApiPropertyOptional({ type: [FieldProblemSchema] }) errors?: FieldProblemSchema[];
  @ApiPropertyOptional({ format: 'uuid', description: 'duplicate_candidate: the candidate already holding the email or profile, when the caller may see it' })
  existingCandidateId?: string;
  @ApiPropertyOptional({ description: 'stale_version: the version the resource is at now' }) currentVersion?: number;
  @ApiPropertyOptional({ description: 'idempotency_request_in_progress: when to retry' }) retryAfterSeconds?: number;
}

export const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed input (validation_failed, malformed_json, invalid_id, invalid_cursor)',
  401: 'Missing, malformed, unknown, revoked or expired token',
  403: 'The role may not do this',
  404: 'Not found, or not visible to the caller',
  409: 'Conflicts with the current state',
  413: 'Body larger than 1 MiB',
  414: 'URL or a path parameter too long',
  415: 'Body is not in the accepted media type',
  431: 'URL and headers together too long',
  422: 'Well-formed but refused by a rule',
  429: 'Rate limit exceeded; see Retry-After',
};

/**
 * Documents problem+json answers for the listed statuses. Every route that takes a token may
 * answer 403: a user with the interviewer role reaches only the routes made for them.
 */
export const ApiProblems = (...statuses: number[]) =>
  applyDecorators(
    ApiExtraModels(ProblemSchema),
    ...[...new Set([...statuses, ...(statuses.includes(401) ? [403] : []), 429])]
      .sort((a, b) => a - b)
      .map((status) =>
        ApiResponse({
          status,
          description: PROBLEM_DESCRIPTIONS[status],
          content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemSchema) } } },
        }),
      ),
  );

/** Documents a cursor page of `model` (of any of `models`, for a page whose items take one of several shapes). */
export const ApiPage = (...models: Type<unknown>[]) =>
  applyDecorators(
    ApiExtraModels(...models),
    ApiResponse({
      status: 200,
      description: 'A page; pass nextCursor as ?cursor= for the next one (null on the last page)',
      schema: {
        type: 'object',
        required: ['data', 'nextCursor'],
        properties: {
          data: { type: 'array', items: models.length === 1 ? { $ref: getSchemaPath(models[0]) } : { anyOf: models.map((m) => ({ $ref: getSchemaPath(m) })) } },
          nextCursor: { type: 'string', nullable: true },
        },
      },
    }),
  );
