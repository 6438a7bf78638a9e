import { CandidatesModule } from '@app/candidates';
import { CompensationModule } from '@app/compensation';
import { EventsModule } from '@app/events';
import { WebhooksModule } from '@app/webhooks';
import { InsightModule } from '@app/insight';
import { InterviewsModule } from '@app/interviews';
import { OutreachModule } from '@app/outreach';
import { AppConfig, PlatformModule } from '@app/platform';
import { TaskForcesModule } from '@app/task-forces';
import { UsersModule } from '@app/users';
import { BearerAuthGuard, TokenCache, HealthController, loggingModule, MetricsController, RateLimitGuard, RateLimitModule } from '@app/web';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApplicationsController } from './controllers/applications.controller';
import { CandidatesController } from './controllers/candidates.controller';
import { EventsController } from './controllers/events.controller';
import { InsightController } from './controllers/insight.controller';
import { InterviewsController } from './controllers/interviews.controller';
import { FxRatesController, OffersController, SalaryBandsController } from './controllers/compensation.controller';
import { EnrollmentsController, SequencesController } from './controllers/sequences.controller';
import { InboundController, UnsubscribeController } from './controllers/outreach.controller';
import { ScorecardsController } from './controllers/scorecards.controller';
import { SuppressionsController } from './controllers/suppressions.controller';
import { TaskForcesController } from './controllers/task-forces.controller';
import { UsersController } from './controllers/users.controller';
import { WebhookSettingsController, WebhooksController } from './controllers/webhooks.controller';

@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        PlatformModule.forRoot(config),
        loggingModule(),
        RateLimitModule,
        UsersModule,
        TaskForcesModule,
        CandidatesModule,
        CompensationModule,
        OutreachModule,
        EventsModule,
        WebhooksModule,
        InsightModule,
        InterviewsModule,
      ],
      controllers: [
        HealthController,
        MetricsController,
        UsersController,
        TaskForcesController,
        CandidatesController,
        ApplicationsController,
        SalaryBandsController,
        FxRatesController,
        OffersController,
        SequencesController,
        EnrollmentsController,
        InboundController,
        SuppressionsController,
        UnsubscribeController,
        EventsController,
        InsightController,
        InterviewsController,
        WebhooksController,
        WebhookSettingsController,
        ScorecardsController,
      ],
      providers: [
        // Order matters: authenticate first, so rate limits count per user.
        TokenCache,
        { provide: APP_GUARD, useClass: BearerAuthGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
      ],
    };
  }
}
