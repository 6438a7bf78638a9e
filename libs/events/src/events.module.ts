import { CandidatesModule } from '@app/candidates';
import { Module } from '@nestjs/common';
import { EventFeed } from './event-feed.service';

/** The event feed; later also webhooks. Events themselves are published through platform's DomainEvents. */
@Module({
  imports: [CandidatesModule],
  providers: [EventFeed],
  exports: [EventFeed],
})
export class EventsModule {}
