import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_PREFIX = 'hk_';

/** 256 random bits: hashing with SHA-256 is enough, a slow KDF adds nothing for such secrets. */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function displayPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX.length + 6);
}
