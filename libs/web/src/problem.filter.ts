import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem';

/** The one place errors become HTTP responses. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(error: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    sendProblem(ctx.getRequest<FastifyRequest>(), ctx.getResponse<FastifyReply>(), error, this.logger);
  }
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: unknown, logger: Logger): void {
  const { problem, unexpected } = toProblem(error);
  problem.instance = request.url.split('?')[0];
  problem.correlationId = String(request.id);
  // Set here, not only in the onSend hook: replies Fastify's router makes skip the app's hooks.
  void reply.header('x-request-id', problem.correlationId);
  if (unexpected) {
    logger.error({ err: error, reqId: request.id, url: request.url, method: request.method }, 'unhandled error');
  }
  if (reply.sent) return;
  void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}
