import { InvalidInputError } from '@app/platform';
import { applyDecorators, CallHandler, ExecutionContext, Injectable, NestInterceptor, Type, UseInterceptors } from '@nestjs/common';
import { ApiBody } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';

/**
 * No body at all, a zero-length one (with or without a Content-Type: the JSON parser reads it as
 * none) and `{}` all say "no parameters". JSON `null` is a body, and not an object.
 */
function isEmptyBody(body: unknown): boolean {
  if (body === undefined || body === '') return true;
  return body !== null && typeof body === 'object' && !Array.isArray(body) && !Buffer.isBuffer(body) && Object.keys(body).length === 0;
}

@Injectable()
class RefuseBodyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!isEmptyBody(request.body)) {
      const body: unknown = request.body;
      const fields = body !== null && typeof body === 'object' && !Array.isArray(body) && !Buffer.isBuffer(body) ? Object.keys(body) : [];
      throw new InvalidInputError(
        'body_not_allowed',
        'This action takes no parameters: send no body (or an empty JSON object).',
        fields.map((field) => ({ field, message: `${field} is not a known field` })),
      );
    }
    return next.handle();
  }
}

@Injectable()
class AbsentBodyAsEmptyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (request.body === undefined || request.body === '') request.body = {};
    return next.handle();
  }
}

/**
 * An action without parameters (pause, resume, stop, resend, ...): a body with anything in it is
 * refused (400 `body_not_allowed`) rather than ignored, as every unknown field is. No body, an
 * empty one and `{}` are the same request, and the document says exactly that: an optional body
 * that is an empty object, so that validating proxies let `{}` through as the API does.
 */
export function NoBody(): MethodDecorator {
  return applyDecorators(
    ApiBody({
      required: false,
      description: 'No parameters: send no body (or an empty JSON object)',
      schema: { type: 'object', maxProperties: 0, additionalProperties: false },
    }),
    UseInterceptors(RefuseBodyInterceptor),
  );
}

/**
 * An action whose parameters are all optional (an offer's `comment`): the requestBody is
 * documented as optional, and no body (or an empty one) is read as `{}` before validation.
 */
export function OptionalBody(type: Type<unknown>, description?: string): MethodDecorator {
  return applyDecorators(ApiBody({ type, required: false, ...(description ? { description } : {}) }), UseInterceptors(AbsentBodyAsEmptyInterceptor));
}
