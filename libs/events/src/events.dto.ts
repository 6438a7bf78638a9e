import { EVENT_TYPES, PageQuery } from '@app/platform';
import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

export const MAX_EVENT_TYPES_PER_QUERY = 20;

/** `limit` as every list takes it; `after` instead of `cursor`, since the feed's cursor is a position, always returned. */
export class EventListQuery extends PickType(PageQuery, ['limit'] as const) {
  @ApiPropertyOptional({ description: "Where to continue: the previous answer's nextCursor. Without it the feed starts at its oldest kept event." })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  after?: string;

  @ApiPropertyOptional({
    description: `Only these event types, comma-separated (at most ${MAX_EVENT_TYPES_PER_QUERY}).`,
    type: String,
    example: 'application.stage_changed,application.hired',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',').map((t) => t.trim()) : value))
  @ArrayMaxSize(MAX_EVENT_TYPES_PER_QUERY)
  @IsIn(EVENT_TYPES, { each: true, message: `type must be among: ${EVENT_TYPES.join(', ')}` })
  type?: string[];
}

export class EventView {
  @ApiProperty({ format: 'uuid', description: 'Stable: the same event always has the same id, so consumers can deduplicate.' })
  id!: string;

  @ApiProperty({ enum: EVENT_TYPES })
  type!: string;

  @ApiProperty({ description: 'Version of the payload shape for this type.', example: 1 })
  version!: number;

  @ApiProperty({ format: 'date-time' })
  occurredAt!: string;

  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Who made the change; null for the system (outreach, schedules).' })
  actorId!: string | null;

  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The task force the event belongs to, if any.' })
  taskForceId!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Ids and the facts of the change (docs/events.md lists each type).' })
  data!: Record<string, unknown>;
}

export class EventPage {
  @ApiProperty({ type: [EventView] })
  data!: EventView[];

  @ApiProperty({ description: 'Where to continue; always set, also when nothing new has happened yet (poll again with it later).' })
  nextCursor!: string;

  @ApiProperty({ description: 'Whether more events are already waiting after nextCursor.' })
  hasMore!: boolean;
}
