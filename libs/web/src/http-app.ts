import { AppConfig, MetricsService } from '@app/platform';
import { DynamicModule, INestApplication, Type } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { Logger as PinoLogger } from 'nestjs-pino';
import { ProblemFilter } from './problem.filter';
import { strictValidationPipe } from './validation';

export const MAX_BODY_BYTES = 1024 * 1024;
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Builds a Fastify-backed Nest app with what every HTTP surface shares: request ids, structured
 * logs, problem+json errors (including those Fastify raises before Nest sees a request), strict
 * validation, the latency histogram and clean shutdown.
 */
export async function createHttpApp(module: Type<unknown> | DynamicModule, options: { bufferLogs?: boolean } = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: MAX_BODY_BYTES,
    trustProxy: true,
    genReqId: (req: IncomingMessage) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      (req as unknown as { id: string }).id = id;
      return id;
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { bufferLogs: options.bufferLogs ?? true, abortOnError: false });
  app.useLogger(app.get(PinoLogger));

  const fastify = app.getHttpAdapter().getInstance();
  // JSON only: a text body on a JSON route is a 415, not a confusing validation error.
  fastify.removeContentTypeParser(['text/plain']);
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  const metrics = app.get(MetricsService);
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalPipes(strictValidationPipe());
  app.enableShutdownHooks();
  return app;
}

export async function listen(app: INestApplication, port: number, host: string): Promise<string> {
  await app.listen(port, host);
  return app.getUrl();
}

export function configOf(app: INestApplication): AppConfig {
  return app.get(AppConfig);
}
