import { AppConfig, runMigrationsLocked } from '@app/platform';
import { UsersService } from '@app/users';
import { clientAddress, createHttpApp, RateLimiter, sendProblem } from '@app/web';
import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { ApiModule } from './api.module';
import { mountDashboard } from './dashboard';
import { describeApi } from './openapi/document';
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

  const document = describeApi(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
  limitDocs(app);
  await mountQueueBoard(app);
  await mountDashboard(app);
  return app;
}

/** The docs are Fastify routes, out of reach of Nest's guards: one public budget for all of /docs*, per client address. */
function limitDocs(app: NestFastifyApplication): void {
  const limiter = app.get(RateLimiter);
  const logger = new Logger('Docs');
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', async (request, reply) => {
      if (!/^\/docs(?:[-/?]|$)/.test(request.url)) return;
      try {
        await limiter.spend('public', `docs:${clientAddress(request)}`, reply);
      } catch (error) {
        sendProblem(request, reply, error, logger);
        return reply;
      }
    });
}
