import { AppConfig, runMigrationsLocked } from '@app/platform';
import { UsersService } from '@app/users';
import { createHttpApp } from '@app/web';
import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { ApiModule } from './api.module';

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
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Personal API token (hk_...)' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml' });
  return app;
}
