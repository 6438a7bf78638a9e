export * from './webhook-delivery.service';
export * from './webhook-http';
export * from './webhook-targets';
export * from './webhooks.dto';
export * from './webhooks.module';
export * from './webhooks.service';
