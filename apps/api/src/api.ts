import { AppConfig, runMigrationsLocked } from '@app/platform';
import { UsersService } from '@app/users';
import { clientAddress, createHttpApp, RateLimiter, sendProblem } from '@app/web';
import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { ApiModule } from './api.module';
import { mountQueueBoard } from './queue-board';

/** Builds the API, migrates (under the advisory lock) and bootstraps the first admin. */
export async function buildApiApp(config: AppConfig): Promise<NestFastifyApplication> {
  const app = await createHttpApp(ApiModule.forRoot(config), config);
  const logger = new Logger('Api');
  if (config.MIGRATIONS_RUN_ON_START) {
    const applied = await runMigrationsLocked(app.get(DataSource));
    if (applied.length) logger.log(`applied migrations: ${applied.join(', ')}`);
  }
  const bootstrap = await app.get(UsersService).ensureBootstrapAdmin(config.ADMIN_BOOTSTRAP_TOKEN);
  if (bootstrap === 'created') logger.log('created the bootstrap admin from ADMIN_BOOTSTRAP_TOKEN');

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Overseas hiring API')
      .setDescription(
        'Recruiting pipeline for hiring AI engineers abroad. Every route except /health, /docs and the unsubscribe link needs ' +
          '`Authorization: Bearer <token>`. Errors are `application/problem+json`. Creating POSTs honour `Idempotency-Key`. ' +
          'Lists take `limit` (1-200, default 50) and `cursor`, and answer `{ data, nextCursor }`.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque', description: 'Personal API token (hk_...)' })
      .build(),
  );
  documentCommonHeaders(document);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
  limitDocs(app);
  await mountQueueBoard(app);
  return app;
}

/** The docs are Fastify routes, out of reach of Nest's guards: one public budget for all of /docs*, per client address. */
function limitDocs(app: NestFastifyApplication): void {
  const limiter = app.get(RateLimiter);
  const logger = new Logger('Docs');
  app.getHttpAdapter().getInstance().addHook('onRequest', async (request, reply) => {
    if (!/^\/docs(?:[-/?]|$)/.test(request.url)) return;
    try {
      await limiter.spend('public', `docs:${clientAddress(request)}`, reply);
    } catch (error) {
      sendProblem(request, reply, error, logger);
      return reply;
    }
  });
}

/** What every creating POST and every body-carrying route share, stated once in the document. */
function documentCommonHeaders(document: OpenAPIObject): void {
  const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemSchema' } } };
  for (const operations of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(operations) as [string, { parameters?: unknown[]; requestBody?: unknown; responses: Record<string, unknown> }][]) {
      if (method === 'post') {
        operation.parameters = [
          ...(operation.parameters ?? []),
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            schema: { type: 'string', maxLength: 255 },
            description: 'Replays the first answer for the same key and body for 24 h; another body under the same key is 422',
          },
        ];
      }
      if (operation.requestBody) {
        operation.responses['413'] ??= { description: 'Body over 1 MiB (16 MiB for CSV imports)', content: problem };
        operation.responses['415'] ??= { description: 'Body is not in the accepted media type', content: problem };
      }
    }
  }
}
