import { AppConfig, UnauthenticatedError } from '@app/platform';
import { applyDecorators, CanActivate, ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Public } from './auth';
import { clientAddress, RateLimitedByRouteGuard, RateLimiter } from './rate-limit';

export const SIGNATURE_HEADER = 'x-hiring-signature';
/** How far the signed timestamp may be from this machine's clock: replays of old posts are refused. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, the scheme Stripe and others use. */
export function signWebhook(secret: string, rawBody: Buffer | string, unixSeconds = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.`).update(rawBody).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** Null when the signature holds; otherwise why not. */
export function checkWebhookSignature(secret: string, header: string | undefined, rawBody: Buffer, nowSeconds = Math.floor(Date.now() / 1000)): string | null {
  if (!header) return `the ${SIGNATURE_HEADER} header is missing`;
  const parts = new Map(header.split(',').map((p) => p.trim().split('=', 2) as [string, string]));
  const t = Number(parts.get('t'));
  const given = parts.get('v1') ?? '';
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/i.test(given)) return `${SIGNATURE_HEADER} must look like t=<unix seconds>,v1=<hex HMAC-SHA256>`;
  if (Math.abs(nowSeconds - t) > SIGNATURE_TOLERANCE_SECONDS) return `the signed timestamp is more than ${SIGNATURE_TOLERANCE_SECONDS} s from now`;
  const expected = Buffer.from(signWebhook(secret, rawBody, t).split('v1=')[1], 'hex');
  return timingSafeEqual(expected, Buffer.from(given, 'hex')) ? null : 'the signature does not match the body';
}

/**
 * Admits a request only when its raw body carries the inbound webhook's HMAC signature. Only
 * signed posts spend the webhook's budget; the others spend one of their own, so no amount of
 * unsigned traffic can make the mail provider's posts answer 429.
 */
@Injectable()
export class WebhookSignatureGuard implements CanActivate {
  constructor(
    private readonly config: AppConfig,
    private readonly limiter: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { rawBody?: Buffer }>();
    const reply = http.getResponse<FastifyReply>();
    const header = request.headers[SIGNATURE_HEADER];
    const problem = checkWebhookSignature(this.config.INBOUND_WEBHOOK_SECRET, Array.isArray(header) ? header[0] : header, request.rawBody ?? Buffer.alloc(0));
    await this.limiter.spend(problem ? 'inbound_rejected' : 'inbound', clientAddress(request), reply);
    if (problem) throw new UnauthenticatedError('invalid_signature', problem);
    return true;
  }
}

/** A public route admitted by the inbound webhook signature, with the webhook's budgets. */
export const SignedWebhook = () => applyDecorators(Public(), RateLimitedByRouteGuard(), UseGuards(WebhookSignatureGuard));
