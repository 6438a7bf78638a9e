export * from './event-feed.service';
export * from './events.dto';
export * from './events.module';
