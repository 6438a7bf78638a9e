import { checkWebhookSignature, signWebhook } from './webhook-signature';

describe('inbound webhook signatures', () => {
  const secret = 'a-webhook-secret-of-at-least-32-characters';
  const body = Buffer.from('{"kind":"reply","from":"wei@example.com"}');
  const now = 1_800_000_000;

  it('accepts the HMAC of the timestamp and the exact raw body', () => {
    expect(checkWebhookSignature(secret, signWebhook(secret, body, now), body, now + 10)).toBeNull();
  });

  it('refuses another body, another secret, an old timestamp and a malformed header, saying why', () => {
    const header = signWebhook(secret, body, now);
    expect(checkWebhookSignature(secret, header, Buffer.from(body.toString().replace('wei', 'lei')), now)).toMatch(/does not match/);
    expect(checkWebhookSignature('another-secret-of-at-least-32-characters!', header, body, now)).toMatch(/does not match/);
    expect(checkWebhookSignature(secret, header, body, now + 301)).toMatch(/more than 300 s/);
    expect(checkWebhookSignature(secret, undefined, body, now)).toMatch(/missing/);
    expect(checkWebhookSignature(secret, 'sha256=abc', body, now)).toMatch(/must look like/);
  });
});
