import { CompensationModule } from '@app/compensation';
import { OutreachModule } from '@app/outreach';
import { AppConfig, PlatformModule } from '@app/platform';
import { UsersModule } from '@app/users';
import { WebhooksModule } from '@app/webhooks';
import { InsightModule } from '@app/insight';
import { InterviewsModule } from '@app/interviews';
import { BearerAuthGuard, TokenCache, HealthController, loggingModule, MetricsController, RateLimitModule } from '@app/web';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { MaintenanceProcessor } from './processors/maintenance.processor';
import { OutreachProcessor } from './processors/outreach.processor';
import { WebhooksProcessor } from './processors/webhooks.processor';
import { Schedules } from './schedules';

/** The worker: BullMQ processors and schedules; its HTTP listener serves /health and /metrics only. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        PlatformModule.forRoot(config),
        loggingModule(),
        RateLimitModule,
        UsersModule,
        CompensationModule,
        OutreachModule,
        WebhooksModule,
        InsightModule,
        InterviewsModule,
      ],
      controllers: [HealthController, MetricsController],
      providers: [TokenCache, { provide: APP_GUARD, useClass: BearerAuthGuard }, MaintenanceProcessor, OutreachProcessor, WebhooksProcessor, Schedules],
    };
  }
}
