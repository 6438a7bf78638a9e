import { displayPrefix, generateToken, hashToken } from './tokens';

describe('tokens', () => {
  it('are long, random and recognisable', () => {
    const a = generateToken();
    const b = generateToken();
    expect(a).toMatch(/^hk_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(displayPrefix(a)).toBe(a.slice(0, 9));
  });

  it('hash deterministically without revealing the secret', () => {
    const token = generateToken();
    expect(hashToken(token)).toBe(hashToken(token));
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(`${token}x`)).not.toBe(hashToken(token));
  });
});
