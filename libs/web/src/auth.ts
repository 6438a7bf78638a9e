import { UnauthenticatedError } from '@app/platform';
import { Actor, hashToken, UsersService } from '@app/users';
import { CanActivate, createParamDecorator, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { TokenCache } from './token-cache';

const PUBLIC = 'route:public';
/** Routes anyone may call: health, the unsubscribe link. Everything else needs a bearer token. */
export const Public = () => SetMetadata(PUBLIC, true);

export type AuthenticatedRequest = FastifyRequest & { actor?: Actor };

@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly users: UsersService,
    private readonly cache: TokenCache,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    if (!header) throw new UnauthenticatedError('missing_token', 'Send Authorization: Bearer <token>');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new UnauthenticatedError('malformed_authorization', 'The Authorization header must be "Bearer <token>"');
    const actor = await actorForToken(this.users, this.cache, match[1]);
    if (!actor) throw new UnauthenticatedError('invalid_token', 'The token is unknown, revoked or expired');
    request.actor = actor;
    return true;
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
