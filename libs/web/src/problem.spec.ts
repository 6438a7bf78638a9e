import { ConflictError, InvalidInputError, NotFoundError, RuleViolationError, UnauthenticatedError } from '@app/platform';
import { BadRequestException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { toProblem } from './problem';

describe('toProblem', () => {
  it.each([
    [new InvalidInputError('validation_failed', 'bad', [{ field: 'a', message: 'a is required' }]), 400, 'validation_failed'],
    [new UnauthenticatedError('missing_token', 'no token'), 401, 'missing_token'],
    [new NotFoundError('Task force', 'x'), 404, 'task_force_not_found'],
    [new ConflictError('email_taken', 'taken'), 409, 'email_taken'],
    [new RuleViolationError('headcount_exceeded', 'too many', { headcountTarget: 3 }), 422, 'headcount_exceeded'],
    [new NotFoundException('Cannot GET /x'), 404, 'route_not_found'],
    [new PayloadTooLargeException(), 413, 'payload_too_large'],
    [new BadRequestException("Body is not valid JSON but content-type is set to 'application/json'"), 400, 'malformed_json'],
  ])('maps %p to %d %s', (error, status, code) => {
    const { problem, unexpected } = toProblem(error);
    expect(problem).toMatchObject({ status, code, type: `urn:problem-type:hiring:${code}` });
    expect(unexpected).toBe(false);
  });

  it('carries field errors and extra members', () => {
    expect(toProblem(new InvalidInputError('validation_failed', 'bad', [{ field: 'a', message: 'm' }])).problem.errors).toEqual([{ field: 'a', message: 'm' }]);
    expect(toProblem(new RuleViolationError('headcount_exceeded', 'x', { headcountTarget: 3 })).problem.headcountTarget).toBe(3);
  });

  it('never lets extension members overwrite the standard ones', () => {
    const { problem } = toProblem(new RuleViolationError('x', 'y', { status: 'draft', code: 'other', type: 't' }));
    expect(problem).toMatchObject({ status: 422, code: 'x', type: 'urn:problem-type:hiring:x' });
  });

  it("maps the router's own errors without repeating the URL that instance already names", () => {
    const badUrl = Object.assign(new URIError("'/v1/x/%E0%A4%A' is not a valid url component"), { code: 'FST_ERR_BAD_URL', statusCode: 400 });
    const longParam = Object.assign(new URIError(`'/v1/x/${'a'.repeat(150)}' is exceeding the max param length`), {
      code: 'FST_ERR_MAX_PARAM_LENGTH',
      statusCode: 414,
    });
    expect(toProblem(badUrl).problem).toMatchObject({ status: 400, code: 'malformed_url', title: 'Bad Request' });
    expect(toProblem(longParam).problem).toMatchObject({ status: 414, code: 'uri_too_long', title: 'URI Too Long' });
    expect(toProblem(badUrl).problem.detail).not.toContain('/v1/x');
    expect(toProblem(longParam).problem.detail).not.toContain('/v1/x');
  });

  it('hides everything about unexpected errors', () => {
    const { problem, unexpected } = toProblem(new Error('relation "secret_table" does not exist'));
    expect(unexpected).toBe(true);
    expect(problem.status).toBe(500);
    expect(JSON.stringify(problem)).not.toContain('secret_table');
  });
});
