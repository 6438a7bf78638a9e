import type { FastifyRequest } from 'fastify';
import { clientAddress } from './rate-limit';

const address = (ip: string) => clientAddress({ ip } as FastifyRequest);

describe('clientAddress', () => {
  it('keeps IPv4 as it is, including when it arrives IPv4-mapped', () => {
    expect(address('203.0.113.7')).toBe('203.0.113.7');
    expect(address('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts IPv6 by its /64, so one subscriber cannot rotate through addresses for fresh budgets', () => {
    expect(address('2001:db8:1:2:aaaa::1')).toBe(address('2001:db8:1:2:ffff:ffff:ffff:fffe'));
    expect(address('2001:db8:1:2::1')).not.toBe(address('2001:db8:1:3::1'));
  });
});
