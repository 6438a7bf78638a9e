import { createHash } from 'node:crypto';

/**
 * The recipient domain in a daily-cap counter's key. Hashed, so a counter never names a
 * person's own domain (wei@weizhang.dev); the same domain always gives the same key, which is all
 * the cap needs. Migration 1765000200000-Privacy rewrites older keys with the same formula in SQL.
 */
export function capDomainKey(domain: string): string {
  return createHash('sha256').update(domain, 'utf8').digest('hex').slice(0, 32);
}
