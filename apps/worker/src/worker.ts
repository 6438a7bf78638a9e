import { AppConfig, runMigrationsLocked } from '@app/platform';
import { createHttpApp } from '@app/web';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { WorkerModule } from './worker.module';

export async function buildWorkerApp(config: AppConfig): Promise<NestFastifyApplication> {
  const app = await createHttpApp(WorkerModule.forRoot(config), config, { requestLogging: false });
  if (config.MIGRATIONS_RUN_ON_START) await runMigrationsLocked(app.get(DataSource));
  return app;
}
