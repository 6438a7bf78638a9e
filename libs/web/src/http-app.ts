import { AppConfig, MetricsService } from '@app/platform';
import { DynamicModule, Logger, Type } from '@nestjs/common';
import { maxHeaderSize, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { checkInputShape } from './input-shape';
import { installRequestLogging, scrubUrl } from './logging';
import { sendProblem } from './problem.filter';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TITLES, ProblemDetails, problemType } from './problem';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import { ProblemFilter } from './problem.filter';
import { strictValidationPipe } from './validation';

export const MAX_BODY_BYTES = 1024 * 1024;
const frameworkLogger = new Logger('Http');
export const MAX_CSV_BYTES = 16 * 1024 * 1024;
const REQUEST_ID = /^[\w.:-]{1,128}$/;

const MAX_INSTANCE_LENGTH = 2048;

/**
 * The path of a request line Node refused, when it can be read without guessing: a method, then a
 * path of visible characters ending at the query or at " HTTP/x.y". Otherwise undefined.
 */
function refusedPath(packet: Buffer | undefined): string | undefined {
  if (!packet) return undefined;
  const head = packet.subarray(0, MAX_INSTANCE_LENGTH + 64).toString('latin1');
  const match = /^[A-Z]{1,20} (\/[\x21-\x3e\x40-\x7e]{0,2048})(?:\?| HTTP\/\d\.\d\r?\n)/.exec(head);
  return match?.[1];
}

/**
 * Requests Node's HTTP parser rejects (bad bytes in the URL or headers, a head over
 * http.maxHeaderSize) still get a problem, with an id of their own in the body, the
 * x-request-id header and the log.
 */
function rawClientError(error: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const id = randomUUID();
  const packet = Buffer.isBuffer(error.rawPacket) ? error.rawPacket : undefined;
  const lineEnd = packet ? packet.indexOf('\r\n') : -1;
  let status = 400;
  let code = 'malformed_request';
  let detail = 'The request could not be parsed; check for unencoded characters in the URL or headers.';
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    [status, code, detail] = [408, 'request_timeout', 'The request took too long to arrive.'];
  } else if (error.code === 'HPE_HEADER_OVERFLOW' && (lineEnd < 0 || lineEnd >= maxHeaderSize)) {
    [status, code, detail] = [414, 'uri_too_long', `The URL is longer than ${maxHeaderSize / 1024} KiB.`];
  } else if (error.code === 'HPE_HEADER_OVERFLOW') {
    [status, code, detail] = [431, 'headers_too_large', `The URL and headers together are longer than ${maxHeaderSize / 1024} KiB.`];
  }
  const problem: ProblemDetails = {
    type: problemType(code),
    title: PROBLEM_TITLES[status],
    status,
    detail,
    code,
    instance: refusedPath(packet) ?? `urn:uuid:${id}`,
    correlationId: id,
  };
  frameworkLogger.log({ reqId: id, status, code, parserError: error.code, path: scrubUrl(problem.instance) }, 'request refused by the HTTP parser');
  const body = JSON.stringify(problem);
  socket.end(
    `HTTP/1.1 ${status} ${problem.title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${id}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Builds a Fastify-backed Nest app with what every HTTP surface shares: request ids, structured
 * logs, problem+json errors (including those Fastify raises before Nest sees a request), strict
 * validation, the latency histogram and clean shutdown.
 */
export async function createHttpApp(
  module: Type<unknown> | DynamicModule,
  config: AppConfig,
  options: { requestLogging?: boolean } = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: MAX_BODY_BYTES,
    clientErrorHandler: rawClientError,
    trustProxy: config.TRUST_PROXY > 0 ? config.TRUST_PROXY : false,
    // Router-level errors (a malformed URL, an overlong parameter) are problems too.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      // Nest's request logging never sees these requests; this line is their only trace.
      const path = request.url.split('?')[0].slice(0, MAX_INSTANCE_LENGTH);
      frameworkLogger.log(
        { reqId: request.id, method: request.method, path: scrubUrl(path), frameworkError: (error as { code?: string }).code },
        'request refused by the router',
      );
      sendProblem(request, reply, error, frameworkLogger);
    },
    genReqId: (req: IncomingMessage) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      (req as unknown as { id: string }).id = id;
      return id;
    },
  });
  // rawBody: signed webhooks are checked against the exact bytes that were sent.
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { bufferLogs: true, abortOnError: false, rawBody: true });
  app.useLogger(app.get(NestPinoLogger));

  const fastify = app.getHttpAdapter().getInstance();
  // A process whose listener serves only /health and /metrics (the worker) logs no requests and
  // enters no request context: the first AsyncLocalStorage context a process enters turns on
  // Node's promise hooks for good, and every promise its jobs create would pay for them.
  if (options.requestLogging !== false) installRequestLogging(fastify, await app.resolve(PinoLogger));
  // JSON only: a text body on a JSON route is a 415, not a confusing validation error.
  fastify.removeContentTypeParser(['text/plain']);
  // Nest's JSON and form parsers (raw bytes kept for signed webhooks), except that a zero-length
  // body sent with a JSON Content-Type is no body, as clients send for an action without
  // parameters, rather than a parse error.
  adapter.registerParserMiddleware(undefined, true);
  fastify.removeContentTypeParser(['application/json']);
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  adapter.useBodyParser('application/json', true, { bodyLimit: MAX_BODY_BYTES }, (request, body, done) =>
    body.length === 0 ? done(null, undefined) : parseJson(request, body.toString('utf8'), done),
  );
  // CSV imports (up to 10,000 rows) are the one body allowed past the 1 MiB limit.
  fastify.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string', bodyLimit: MAX_CSV_BYTES }, (_req, body, done) => done(null, body));
  // RFC 8058 one-click unsubscribe may post multipart/form-data (urlencoded forms Nest parses with rawBody on).
  fastify.addContentTypeParser(['multipart/form-data'], { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('x-request-id', request.id);
    done(null, payload);
  });
  fastify.addHook('preValidation', (request, _reply, done) => {
    try {
      checkInputShape(request.body, 'body');
      checkInputShape(request.query, 'query');
      checkInputShape(request.params, 'path');
    } catch (error) {
      return done(error as Error);
    }
    done();
  });
  const metrics = app.get(MetricsService);
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });

  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalPipes(strictValidationPipe());
  app.enableShutdownHooks();
  return app;
}
