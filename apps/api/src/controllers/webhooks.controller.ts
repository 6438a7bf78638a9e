import { decodeCursor, PageQuery } from '@app/platform';
import { Actor } from '@app/users';
import { CurrentActor, IdempotentPost, NoBody, OptionalBody, UuidPipe } from '@app/web';
import {
  CreateWebhookDto,
  DeliveryDetailView,
  DeliveryListQuery,
  DeliveryQueuedView,
  DeliveryView,
  RotateSecretDto,
  UpdateWebhookDto,
  WebhookSettingsDto,
  WebhookSettingsView,
  WebhooksService,
  WebhookView,
  WebhookWithSecretView,
} from '@app/webhooks';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Put, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPage, ApiProblems } from '../openapi/decorators';

@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('v1/webhook-settings')
export class WebhookSettingsController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get()
  @ApiOperation({
    summary: 'Which private networks webhooks may reach (every other private, loopback, link-local or metadata address is refused); admins only',
  })
  @ApiOkResponse({ type: WebhookSettingsView })
  @ApiProblems(401, 403)
  get(@CurrentActor() actor: Actor) {
    return this.webhooks.settings(actor);
  }

  @Put()
  @ApiOperation({ summary: 'Set the private networks webhooks may reach (audited); admins only' })
  @ApiOkResponse({ type: WebhookSettingsView })
  @ApiProblems(400, 401, 403)
  put(@CurrentActor() actor: Actor, @Body() dto: WebhookSettingsDto) {
    return this.webhooks.updateSettings(actor, dto);
  }
}

@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @IdempotentPost()
  @ApiOperation({ summary: 'Register an endpoint for signed event deliveries (Standard Webhooks); the answer shows its secret, once; admins only' })
  @ApiCreatedResponse({ type: WebhookWithSecretView })
  @ApiProblems(400, 401, 403, 409, 422)
  create(@CurrentActor() actor: Actor, @Body() dto: CreateWebhookDto) {
    return this.webhooks.create(actor, dto);
  }

  @Get()
  @ApiOperation({ summary: 'Registered endpoints, oldest first (never their secrets); admins only' })
  @ApiPage(WebhookView)
  @ApiProblems(400, 401, 403)
  list(@CurrentActor() actor: Actor, @Query() query: PageQuery) {
    return this.webhooks.list(actor, query.limit, decodeCursor(query.cursor));
  }

  @Get(':id')
  @ApiOperation({ summary: 'An endpoint: what it receives, whether it is enabled and why not, since when it is failing; admins only' })
  @ApiOkResponse({ type: WebhookView })
  @ApiProblems(400, 401, 403, 404)
  get(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    return this.webhooks.get(actor, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change an endpoint, or enable or disable it (enabling sends what was held meanwhile); admins only' })
  @ApiOkResponse({ type: WebhookView })
  @ApiProblems(400, 401, 403, 404, 409)
  update(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Body() dto: UpdateWebhookDto) {
    return this.webhooks.update(actor, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an endpoint and its delivery log (audited); admins only' })
  @ApiNoContentResponse()
  @ApiProblems(400, 401, 403, 404)
  async remove(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    await this.webhooks.remove(actor, id);
  }

  @IdempotentPost(':id/rotate-secret')
  @HttpCode(200)
  @OptionalBody(RotateSecretDto, 'Optional: no body, or {} for the default overlap of a day')
  @ApiOperation({ summary: 'A new signing secret, shown once; the previous one keeps signing beside it for overlapSeconds; admins only' })
  @ApiOkResponse({ type: WebhookWithSecretView })
  @ApiProblems(400, 401, 403, 404, 409)
  rotate(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Body() dto: RotateSecretDto) {
    return this.webhooks.rotateSecret(actor, id, dto);
  }

  @IdempotentPost(':id/test')
  @HttpCode(202)
  @NoBody()
  @ApiOperation({ summary: 'Send the endpoint a signed webhook.test event now (also while disabled); follow the delivery for the outcome; admins only' })
  @ApiAcceptedResponse({ type: DeliveryQueuedView })
  @ApiProblems(400, 401, 403, 404, 409)
  test(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    return this.webhooks.ping(actor, id);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: "The endpoint's deliveries, newest first: status, attempts, the last answer; admins only" })
  @ApiPage(DeliveryView)
  @ApiProblems(400, 401, 403, 404)
  deliveries(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Query() query: DeliveryListQuery) {
    return this.webhooks.deliveries(actor, id, query, decodeCursor(query.cursor));
  }

  @Get(':id/deliveries/:deliveryId')
  @ApiOperation({ summary: 'A delivery with its attempts: when, how long, the status and an excerpt of each answer; admins only' })
  @ApiOkResponse({ type: DeliveryDetailView })
  @ApiProblems(400, 401, 403, 404)
  delivery(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Param('deliveryId', UuidPipe) deliveryId: string) {
    return this.webhooks.delivery(actor, id, deliveryId);
  }

  @IdempotentPost(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(202)
  @NoBody()
  @ApiOperation({ summary: 'Attempt a delivery again now, with the same event id (webhook-id); admins only' })
  @ApiAcceptedResponse({ type: DeliveryQueuedView })
  @ApiProblems(400, 401, 403, 404, 409)
  redeliver(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Param('deliveryId', UuidPipe) deliveryId: string) {
    return this.webhooks.redeliver(actor, id, deliveryId);
  }
}
