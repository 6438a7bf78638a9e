import { IdempotencyService, InvalidInputError } from '@app/platform';
import { applyDecorators, CallHandler, ExecutionContext, HttpStatus, Injectable, NestInterceptor, Post, UseInterceptors } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { from, Observable, of, throwError } from 'rxjs';
import { catchError, mergeMap } from 'rxjs/operators';
import type { AuthenticatedRequest } from './auth';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * Honours `Idempotency-Key` on a POST: the first answer is stored and replayed for retries
 * with the same body (marked `Idempotent-Replayed: true`). Declared on each POST route by
 * `IdempotentPost`, not globally, so reads do not pay for an interceptor they never use.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const rawKey = request.headers['idempotency-key'];
    if (request.method !== 'POST' || rawKey === undefined) return next.handle();
    const key = Array.isArray(rawKey) ? rawKey[0] : rawKey;
    if (!KEY_PATTERN.test(key)) {
      return throwError(
        () =>
          new InvalidInputError('invalid_idempotency_key', 'Idempotency-Key must be 1-255 visible ASCII characters', [
            { field: 'Idempotency-Key', message: 'invalid header' },
          ]),
      );
    }
    // Public routes (the signed webhook, unsubscribe) have no user to key replays by; they are
    // idempotent by themselves, so a valid key is accepted and not stored.
    if (!request.actor) return next.handle();
    const userId = request.actor.userId;
    const reply = http.getResponse<FastifyReply>();
    const status = this.reflector.get<number>(HTTP_CODE_METADATA, context.getHandler()) ?? HttpStatus.CREATED;
    const req = { userId, key, method: request.method, path: request.url.split('?')[0], body: request.body ?? null };

    return from(this.idempotency.begin(req)).pipe(
      mergeMap((outcome) => {
        if (outcome.kind === 'replay') {
          void reply.status(outcome.statusCode).header('idempotent-replayed', 'true');
          return of(outcome.body);
        }
        return next.handle().pipe(
          mergeMap((body) => from(this.idempotency.complete(userId, key, status, body).then(() => body))),
          catchError((error) => from(this.idempotency.abandon(userId, key)).pipe(mergeMap(() => throwError(() => error)))),
        );
      }),
    );
  }
}

/**
 * `@Post` with `Idempotency-Key` honoured. Every POST route of the API is declared with it (the
 * lint configuration refuses `Post` from @nestjs/common there, and a test checks every route).
 */
export const IdempotentPost = (path?: string | string[]) => applyDecorators(Post(path), UseInterceptors(IdempotencyInterceptor));
