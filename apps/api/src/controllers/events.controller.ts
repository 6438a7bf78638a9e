import { EventFeed, EventListQuery, EventPage } from '@app/events';
import { Actor } from '@app/users';
import { CurrentActor } from '@app/web';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../openapi/decorators';

@ApiTags('events')
@ApiBearerAuth()
@Controller('v1/events')
export class EventsController {
  constructor(private readonly feed: EventFeed) {}

  @Get()
  @ApiOperation({
    summary:
      "Domain events in the order their transactions ran, for consumers that poll: continue with ?after=<nextCursor>; recruiters see their task forces' events and those about candidates they see",
  })
  @ApiOkResponse({ type: EventPage })
  @ApiProblems(400, 401)
  list(@CurrentActor() actor: Actor, @Query() query: EventListQuery) {
    return this.feed.list(actor, query);
  }
}
