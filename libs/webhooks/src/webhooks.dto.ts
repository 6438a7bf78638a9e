import { EVENT_TYPES, IsUniqueArray, NULLABLE_FIELDS, PageQuery, Trim } from '@app/platform';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Max, MaxLength, Min } from 'class-validator';
import { MAX_ALLOWED_NETWORKS, MAX_URL_LENGTH } from './webhook-targets';

/** The events an endpoint can ask for: every published type but the test ping, which goes to one endpoint only. */
export const SUBSCRIBABLE_EVENT_TYPES = EVENT_TYPES.filter((t) => t !== 'webhook.test');
export const MAX_TASK_FORCES_PER_ENDPOINT = 100;
export const MAX_ENDPOINTS = 50;
export const DELIVERY_STATUSES = ['pending', 'delivering', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 24 * 3600;
export const MAX_ROTATION_OVERLAP_SECONDS = 7 * 24 * 3600;

/** Optional fields a client may send as null: no description, every event type, every task force. */
const WEBHOOK_NULLABLE = ['description', 'eventTypes', 'taskForceIds'] as const;

export class CreateWebhookDto {
  static readonly [NULLABLE_FIELDS]: readonly string[] = WEBHOOK_NULLABLE;

  @ApiProperty({
    example: 'https://hris.example.com/hooks/recruiting',
    maxLength: MAX_URL_LENGTH,
    description: 'http or https; must not resolve to a private address unless webhook settings allow its network',
  })
  @Trim()
  @IsString()
  @Length(1, MAX_URL_LENGTH)
  url: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'HRIS sync', maxLength: 500 })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional({
    enum: SUBSCRIBABLE_EVENT_TYPES,
    isArray: true,
    nullable: true,
    description: 'The event types to deliver; null or absent: every type',
    example: ['application.hired', 'offer.accepted'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SUBSCRIBABLE_EVENT_TYPES.length)
  @IsUniqueArray()
  @IsIn(SUBSCRIBABLE_EVENT_TYPES, { each: true, message: `each event type must be one of ${SUBSCRIBABLE_EVENT_TYPES.join(', ')}` })
  eventTypes?: string[] | null;

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    nullable: true,
    description:
      'Only events of these task forces; null or absent: every event, also those without a task force (rates, bands). With a list, events without a task force are not delivered.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_TASK_FORCES_PER_ENDPOINT)
  @IsUniqueArray()
  @IsUUID('all', { each: true, message: 'each task force id must be a UUID' })
  taskForceIds?: string[] | null;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateWebhookDto extends PartialType(CreateWebhookDto) {
  static readonly [NULLABLE_FIELDS]: readonly string[] = WEBHOOK_NULLABLE;

  @ApiPropertyOptional({ description: 'The version you read; a 409 if the endpoint changed since', minimum: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}

export class RotateSecretDto {
  @ApiPropertyOptional({
    description: 'How long the previous secret keeps signing beside the new one (each request then carries both signatures)',
    default: DEFAULT_ROTATION_OVERLAP_SECONDS,
    minimum: 0,
    maximum: MAX_ROTATION_OVERLAP_SECONDS,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_ROTATION_OVERLAP_SECONDS)
  overlapSeconds?: number;
}

export class WebhookSettingsDto {
  @ApiProperty({
    type: [String],
    example: ['10.20.0.0/16', '127.0.0.1'],
    maxItems: MAX_ALLOWED_NETWORKS,
    description: 'Private networks (CIDR, or single addresses) webhooks may reach; every other private, loopback, link-local or metadata address is refused',
  })
  @IsArray()
  @ArrayMaxSize(MAX_ALLOWED_NETWORKS)
  @IsUniqueArray()
  @IsString({ each: true })
  @Length(1, 64, { each: true })
  allowedNetworks: string[];
}

export class WebhookSettingsView extends WebhookSettingsDto {
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) updatedAt: string | null;
}

export class DeliveryListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES, { message: `status must be one of ${DELIVERY_STATUSES.join(', ')}` })
  status?: DeliveryStatus;
}

export class WebhookView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() url: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ enum: SUBSCRIBABLE_EVENT_TYPES, isArray: true, nullable: true, description: 'null: every type' }) eventTypes: string[] | null;
  @ApiProperty({ type: [String], format: 'uuid', nullable: true, description: 'null: every task force' }) taskForceIds: string[] | null;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'Why the endpoint was disabled (by an admin, or because it kept failing)' }) disabledReason:
    string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) disabledAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'The first failed attempt since the last success; null while healthy' })
  failingSince: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'While a rotation overlaps: until when the previous secret also signs' })
  previousSecretExpiresAt: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty() version: number;
}

export class WebhookWithSecretView extends WebhookView {
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'The signing secret (Standard Webhooks: whsec_ and base64). Shown only in this answer: store it now. null in an Idempotency-Key replay, which never holds secrets',
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  })
  secret: string | null;
}

export class DeliveryAttemptView {
  @ApiProperty() attempt: number;
  @ApiProperty({ format: 'date-time' }) startedAt: string;
  @ApiProperty({ description: 'Milliseconds from the start of the request to the answer (or the failure)' }) durationMs: number;
  @ApiProperty({ nullable: true, type: Number, description: "The endpoint's HTTP status; null when no answer came" }) status: number | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The first 1,000 characters of the answer' }) responseExcerpt: string | null;
}

export class DeliveryView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) endpointId: string;
  @ApiProperty({ format: 'uuid', description: 'The event delivered; also the webhook-id header of every attempt' }) eventId: string;
  @ApiProperty({ enum: EVENT_TYPES }) eventType: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status: DeliveryStatus;
  @ApiProperty() attempts: number;
  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'When the next attempt is due, while pending' }) nextAttemptAt: string | null;
  @ApiProperty({ nullable: true, type: Number }) lastStatus: number | null;
  @ApiProperty({ nullable: true, type: String }) lastError: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) finishedAt: string | null;
}

export class DeliveryDetailView extends DeliveryView {
  @ApiProperty({ type: [DeliveryAttemptView], description: 'The last 50 attempts, oldest first' }) attemptLog: DeliveryAttemptView[];
}

export class DeliveryQueuedView {
  @ApiProperty({ format: 'uuid' }) deliveryId: string;
  @ApiProperty({ format: 'uuid' }) eventId: string;
}
