import { canonicalJson, withoutSecrets } from './idempotency.service';

describe('idempotency fingerprints', () => {
  it('ignore key order at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe(canonicalJson({ a: { c: null, d: [1, { y: 2, z: 1 }] }, b: 1 }));
  });

  it('keep array order and value types significant', () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
    expect(canonicalJson(undefined)).toBe(canonicalJson(null));
  });

  it('never store token secrets', () => {
    expect(withoutSecrets({ id: 'u', initialToken: { id: 't', token: 'hk_secret', prefix: 'hk_sec' }, list: [{ token: 'hk_x' }] })).toEqual({
      id: 'u',
      initialToken: { id: 't', token: null, prefix: 'hk_sec' },
      list: [{ token: null }],
    });
  });
});
