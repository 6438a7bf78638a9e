import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';

/**
 * An outreach batch holds one connection from before its claim to its commit, across its SMTP
 * exchanges. Full batches overlap about twice over; smaller ones wait for a connection before
 * claiming anything, which delays them and loses nothing.
 */
function outreachConnections(config: AppConfig): number {
  return Math.ceil(config.OUTREACH_CONCURRENCY / config.OUTREACH_BATCH_SIZE) * 2 + 2;
}

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config.DATABASE_URL),
        extra: {
          max: Math.max(config.DATABASE_POOL_SIZE, outreachConnections(config) + config.WORKER_CONCURRENCY + 4),
          connectionTimeoutMillis: 5000,
          // A transaction left open (a process hung mid-send) is ended by Postgres, freeing its row locks.
          // No JIT: its 25-40 ms of compiling per costly statement is more than the reports it would speed up ever save.
          options: `-c idle_in_transaction_session_timeout=${config.SMTP_TIMEOUT_MS * 3 + 10_000} -c jit=off`,
        },
        autoLoadEntities: true,
        retryAttempts: 3,
        retryDelay: 1000,
      }),
    }),
  ],
})
export class DatabaseModule {}
