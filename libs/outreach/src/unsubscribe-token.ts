import { AppConfig } from '@app/platform';
import { createHmac, timingSafeEqual } from 'node:crypto';

const SIGNATURE_CHARS = 22; // 128 bits of HMAC-SHA256, base64url

function signature(secret: string, enrollmentId: string): string {
  return createHmac('sha256', secret).update(`unsubscribe:${enrollmentId}`).digest('base64url').slice(0, SIGNATURE_CHARS);
}

/** "<enrollment id>.<signature>": names what to stop without a lookup table, and cannot be forged. */
export function unsubscribeToken(secret: string, enrollmentId: string): string {
  return `${enrollmentId}.${signature(secret, enrollmentId)}`;
}

/** The enrollment id a token was issued for, or null when the token is malformed or not ours. */
export function verifyUnsubscribeToken(secret: string, token: string): string | null {
  const match = /^([0-9a-f-]{36})\.([\w-]{22})$/i.exec(token);
  if (!match) return null;
  const expected = Buffer.from(signature(secret, match[1].toLowerCase()));
  const given = Buffer.from(match[2]);
  return expected.length === given.length && timingSafeEqual(expected, given) ? match[1].toLowerCase() : null;
}

export function unsubscribeUrl(config: AppConfig, token: string): string {
  return `${config.PUBLIC_BASE_URL.replace(/\/$/, '')}/v1/unsubscribe?token=${encodeURIComponent(token)}`;
}
