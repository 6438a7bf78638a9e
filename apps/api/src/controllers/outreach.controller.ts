import { decodeCursor } from '@app/platform';
import { InboundEventDto, InboundEventView, InboundListQuery, OutreachResponses } from '@app/outreach';
import { Actor, requireAdmin } from '@app/users';
import { CurrentActor, IdempotentPost, Public, RateLimit, SIGNATURE_HEADER, SignedWebhook } from '@app/web';
import { Body, Controller, Get, Header, HttpCode, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiPage, ApiProblems } from '../openapi/decorators';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title></head>` +
  `<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem"><h1>${title}</h1>${body}</body></html>`;

@ApiTags('outreach')
@Controller('v1/outreach/inbound')
export class InboundController {
  constructor(private readonly responses: OutreachResponses) {}

  @IdempotentPost()
  @SignedWebhook()
  @HttpCode(200)
  @ApiOperation({
    summary: 'A reply, bounce or unsubscribe from the mail provider',
    description:
      'Authenticated by an HMAC-SHA256 signature over the raw body (no user token). Matched by Message-ID (In-Reply-To, References), then by sender to a running enrollment. ' +
      'Auto-replies are recorded but do not stop anything; unmatched events are kept. Posting the same body again returns the first answer.',
  })
  @ApiHeader({ name: SIGNATURE_HEADER, required: true, description: 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>"> with INBOUND_WEBHOOK_SECRET' })
  @ApiOkResponse({ type: InboundEventView })
  @ApiProblems(400, 401)
  receive(@Req() request: FastifyRequest & { rawBody?: Buffer }, @Body() dto: InboundEventDto) {
    return this.responses.inbound(request.rawBody ?? Buffer.from(JSON.stringify(dto)), dto);
  }

  @Get()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Inbound events, newest last (?outcome=unmatched for what matched nothing); admins only' })
  @ApiPage(InboundEventView)
  @ApiProblems(400, 401, 403)
  list(@CurrentActor() actor: Actor, @Query() query: InboundListQuery) {
    requireAdmin(actor);
    return this.responses.list(query, decodeCursor(query.cursor));
  }
}

@ApiTags('outreach')
@Controller('v1/unsubscribe')
export class UnsubscribeController {
  constructor(private readonly responses: OutreachResponses) {}

  /** Mail scanners follow links: a GET only asks, the POST (or the mail client's one-click POST) acts. */
  @Get()
  @Public()
  @RateLimit('unsubscribe')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'The page behind the unsubscribe link: a one-button confirmation (link scanners do not unsubscribe anyone)' })
  @ApiQuery({ name: 'token', required: true })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'A page with one button that posts the unsubscribe', content: { 'text/html': { schema: { type: 'string' } } } })
  @ApiProblems(400)
  confirm(@Query('token') token: string | undefined) {
    this.responses.checkUnsubscribeToken(token);
    const action = `/v1/unsubscribe?token=${encodeURIComponent(token!)}`;
    return page(
      'Unsubscribe',
      `<p>Stop all recruiting email to this address?</p><form method="post" action="${escapeHtml(action)}">` +
        `<input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
    );
  }

  @IdempotentPost()
  @Public()
  @RateLimit('unsubscribe')
  @HttpCode(200)
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Unsubscribe (RFC 8058 one-click): the candidate is opted out and every running sequence stops' })
  @ApiQuery({ name: 'token', required: true })
  @ApiConsumes('application/x-www-form-urlencoded', 'multipart/form-data')
  @ApiBody({
    required: false,
    description:
      'What mail clients send (RFC 8058), or nothing. The token in the query is what acts: the body is not read, so no variant a mail client sends can keep a person subscribed.',
    schema: { type: 'object', properties: { 'List-Unsubscribe': { type: 'string', enum: ['One-Click'] } } },
  })
  @ApiOkResponse({
    description: 'Unsubscribed (also when already unsubscribed); a page for browsers that accept text/html',
    content: {
      'application/json': { schema: { type: 'object', required: ['unsubscribed'], properties: { unsubscribed: { type: 'boolean', enum: [true] } } } },
      'text/html': { schema: { type: 'string' } },
    },
  })
  @ApiProblems(400)
  async unsubscribe(@Query('token') token: string | undefined, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.responses.unsubscribe(this.responses.checkUnsubscribeToken(token));
    if ((request.headers.accept ?? '').includes('text/html')) {
      void reply.header('content-type', 'text/html; charset=utf-8');
      return page('Unsubscribed', '<p>You will not receive further recruiting email from us.</p>');
    }
    return { unsubscribed: true };
  }
}
