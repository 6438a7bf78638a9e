import { TaskForcesModule } from '@app/task-forces';
import { Module } from '@nestjs/common';
import { WebhookDelivery } from './webhook-delivery.service';
import { WebhookJobs } from './webhook-jobs';
import { WebhooksService } from './webhooks.service';

/** Outbound webhooks: endpoints and their log (API), dispatch and delivery (worker). Owns the webhook_* tables. */
@Module({
  imports: [TaskForcesModule],
  providers: [WebhooksService, WebhookDelivery, WebhookJobs],
  exports: [WebhooksService, WebhookDelivery],
})
export class WebhooksModule {}
