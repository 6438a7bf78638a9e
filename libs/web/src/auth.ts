import { ForbiddenError, UnauthenticatedError } from '@app/platform';
import { Actor, hashToken, UsersService } from '@app/users';
import { CanActivate, createParamDecorator, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clientAddress, RateLimiter } from './rate-limit';
import { TokenCache } from './token-cache';

const PUBLIC = 'route:public';
/** Routes anyone may call: health, the unsubscribe link, the signed webhook. Everything else needs a bearer token. */
export const Public = () => SetMetadata(PUBLIC, true);

const FOR_INTERVIEWERS = 'route:interviewers';
/**
 * Routes a user with the interviewer role may call (their interviews, scorecards and calendar).
 * Every other route refuses them with 403, whatever its own checks would say.
 */
export const ForInterviewers = () => SetMetadata(FOR_INTERVIEWERS, true);

export type AuthenticatedRequest = FastifyRequest & { actor?: Actor };

/**
 * Resolves the bearer token to an Actor, or 401. Every failure spends the client address's
 * auth-failure budget, and once it is spent the address is refused (429) before its token is even
 * looked up, a right one included: otherwise guessing tokens would go on at full speed.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly users: UsersService,
    private readonly cache: TokenCache,
    private readonly limiter: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const reply = http.getResponse<FastifyReply>();
    const address = clientAddress(request);
    await this.limiter.refuseIfSpent('auth_failures', address, reply);
    try {
      request.actor = await this.authenticate(request.headers.authorization);
    } catch (error) {
      if (error instanceof UnauthenticatedError) await this.limiter.spend('auth_failures', address, reply);
      throw error;
    }
    if (request.actor.role === 'interviewer' && !this.reflector.getAllAndOverride<boolean>(FOR_INTERVIEWERS, [context.getHandler(), context.getClass()])) {
      throw new ForbiddenError('interviewer_not_allowed', 'Interviewers may use only the interview routes (their interviews, scorecards and blocked times)');
    }
    return true;
  }

  private async authenticate(header: string | undefined): Promise<Actor> {
    if (!header) throw new UnauthenticatedError('missing_token', 'Send Authorization: Bearer <token>');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new UnauthenticatedError('malformed_authorization', 'The Authorization header must be "Bearer <token>"');
    const actor = await actorForToken(this.users, this.cache, match[1]);
    if (!actor) throw new UnauthenticatedError('invalid_token', 'The token is unknown, revoked or expired');
    return actor;
  }
}

/** The token's user, through the per-process cache; null when the token is unknown, revoked or expired. */
export async function actorForToken(users: UsersService, cache: TokenCache, token: string): Promise<Actor | null> {
  const tokenHash = hashToken(token);
  const cached = cache.lookup(tokenHash);
  if (cached) return cached;
  const found = await users.authenticate(token);
  if (!found) return null;
  cache.remember(tokenHash, found.actor, found.expiresAt);
  return found.actor;
}

export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<AuthenticatedRequest>().actor;
  if (!actor) throw new UnauthenticatedError('missing_token', 'Send Authorization: Bearer <token>');
  return actor;
});
