import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config.DATABASE_URL),
        // A sending job holds a connection for the length of its SMTP exchange: never fewer than the jobs that may run at once.
        extra: {
          max: Math.max(config.DATABASE_POOL_SIZE, config.OUTREACH_CONCURRENCY + config.WORKER_CONCURRENCY + 4),
          connectionTimeoutMillis: 5000,
          // A transaction left open (a process hung mid-send) is ended by Postgres, freeing its row locks.
          options: `-c idle_in_transaction_session_timeout=${config.SMTP_TIMEOUT_MS * 3 + 10_000}`,
        },
        autoLoadEntities: true,
        retryAttempts: 3,
        retryDelay: 1000,
      }),
    }),
  ],
})
export class DatabaseModule {}
