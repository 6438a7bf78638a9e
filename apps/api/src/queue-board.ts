import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BoardAdapter } from '@bull-board/fastify';
import { ALL_QUEUES, ForbiddenError, UnauthenticatedError } from '@app/platform';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { isAdmin, UsersService } from '@app/users';
import { actorForToken, clientAddress, RateLimiter, sendProblem, TokenCache } from '@app/web';
import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const QUEUE_BOARD_PATH = '/admin/queues';
const logger = new Logger('QueueBoard');

/** A bearer token, or the password of HTTP Basic so that a browser can open the board. */
function tokenFrom(authorization: string | undefined): string | null {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!basic) return null;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  return decoded.includes(':') ? decoded.slice(decoded.indexOf(':') + 1) : null;
}

/** Bull Board for every queue, for admins only (any user name, an admin's token as the password). */
export async function mountQueueBoard(app: NestFastifyApplication): Promise<void> {
  const board = new BoardAdapter();
  const queues = ALL_QUEUES.map((name) => new BullMQAdapter(app.get<Queue>(getQueueToken(name), { strict: false })));
  createBullBoard({ queues, serverAdapter: board });
  board.setBasePath(QUEUE_BOARD_PATH);
  const users = app.get(UsersService);
  const cache = app.get(TokenCache);
  const limiter = app.get(RateLimiter);
  await app.register(async (scope: FastifyInstance) => {
    // A password prompt is as good a place to guess tokens as the API: it spends the same budget.
    scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const address = clientAddress(request);
      try {
        await limiter.refuseIfSpent('auth_failures', address, reply);
        const token = tokenFrom(request.headers.authorization);
        const actor = token ? await actorForToken(users, cache, token) : null;
        if (actor && isAdmin(actor)) {
          // The board is one more route of the admin's: it spends the same per-user budget.
          await limiter.spend('user', actor.userId, reply);
          return;
        }
        if (actor) throw new ForbiddenError('admin_required', 'Only admins may open the queue board');
        void reply.header('www-authenticate', 'Basic realm="queues", charset="UTF-8"');
        await limiter.spend('auth_failures', address, reply);
        throw token
          ? new UnauthenticatedError('invalid_token', 'The token is unknown, revoked or expired')
          : new UnauthenticatedError('missing_token', 'The queue board is for admins: any user name, an admin token as the password');
      } catch (error) {
        sendProblem(request, reply, error, logger);
        return reply;
      }
    });
    await scope.register(board.registerPlugin(), { prefix: QUEUE_BOARD_PATH });
  });
}
