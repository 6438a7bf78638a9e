import { DynamicModule, Global, Module } from '@nestjs/common';
import { AuditLog } from './audit/audit';
import { DomainEvents } from './events/domain-events';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { Clock } from './clock/clock';
import { DatabaseModule } from './database/database.module';
import { HealthService } from './health/health.service';
import { IdempotencyService } from './idempotency/idempotency.service';
import { Mailer } from './mail/mailer';
import { MetricsService } from './metrics/metrics.service';
import { QueueModule } from './queue/queue.module';

/** Config, database, queues, clock, health and metrics: what every process needs. */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(config?: AppConfig): DynamicModule {
    return {
      module: PlatformModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule, QueueModule],
      providers: [Clock, HealthService, MetricsService, IdempotencyService, AuditLog, Mailer, DomainEvents],
      exports: [Clock, HealthService, MetricsService, IdempotencyService, AuditLog, Mailer, DomainEvents],
    };
  }
}
