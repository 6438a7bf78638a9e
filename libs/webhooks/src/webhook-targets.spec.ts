import { checkNetworkWidths, checkTarget, checkTargetUrl, parseNetworks, refusedAddress } from './webhook-targets';

describe('webhook targets', () => {
  const none = parseNetworks([]);

  it.each([
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.0.10', 'private'],
    ['127.0.0.1', 'loopback'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fd00::1', 'uniqueLocal'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['[::1]', 'loopback'],
  ])('refuses %s (%s)', (address, range) => {
    expect(refusedAddress(address, none)).toContain(`is a ${range} address`);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:2800:220:1:248:1893:25c8:1946', '::ffff:8.8.8.8'])('allows the public address %s', (address) => {
    expect(refusedAddress(address, none)).toBeNull();
  });

  it('allows exactly the networks an admin listed', () => {
    const allowed = parseNetworks(['10.20.0.0/16', '127.0.0.1', 'fd12::/16']);
    expect(refusedAddress('10.20.255.1', allowed)).toBeNull();
    expect(refusedAddress('10.21.0.1', allowed)).toContain('private');
    expect(refusedAddress('127.0.0.1', allowed)).toBeNull();
    expect(refusedAddress('127.0.0.2', allowed)).toContain('loopback');
    expect(refusedAddress('fd12::5', allowed)).toBeNull();
    expect(refusedAddress('::ffff:10.20.0.9', allowed)).toBeNull();
  });

  it('refuses allow-lists wide enough to switch the refusal off', () => {
    expect(() => checkNetworkWidths(parseNetworks(['10.0.0.0/8', '0.0.0.0/0']))).toThrow(
      expect.objectContaining({ code: 'network_too_wide', errors: [expect.objectContaining({ field: 'allowedNetworks[1]' })] }),
    );
    expect(() => checkNetworkWidths(parseNetworks(['::/0']))).toThrow(expect.objectContaining({ code: 'network_too_wide' }));
    expect(() => checkNetworkWidths(parseNetworks(['10.0.0.0/8', '169.254.169.254', 'fd00::/16', '::ffff:10.1.0.0/112']))).not.toThrow();
  });

  it('names a bad network entry by its place', () => {
    expect(() => parseNetworks(['10.0.0.0/8', '10.0.0.0/33'])).toThrow(
      expect.objectContaining({ code: 'invalid_network', errors: [expect.objectContaining({ field: 'allowedNetworks[1]' })] }),
    );
    expect(() => parseNetworks(['example.com'])).toThrow(expect.objectContaining({ code: 'invalid_network' }));
  });

  it.each([
    ['ftp://example.com/', 'must use http or https'],
    ['javascript:alert(1)', 'must use http or https'],
    ['http://user:pw@example.com/', 'user name or password'],
    ['https://example.com/#x', 'fragment'],
    ['/relative', 'absolute'],
  ])('refuses the URL %s', (url, message) => {
    expect(() => checkTargetUrl(url)).toThrow(expect.objectContaining({ code: 'invalid_webhook_url', message: expect.stringContaining(message) }));
  });

  it('reads numeric host spellings as the addresses they are', async () => {
    for (const url of ['http://2130706433/', 'http://0x7f000001/', 'http://127.1/', 'http://017700000001/', 'HTTP://LOCALHOST/']) {
      expect(await checkTarget(checkTargetUrl(url), none)).toMatch(/loopback|resolves to/);
    }
    // A trailing dot is refused too: either it resolves to loopback or it does not resolve.
    expect(await checkTarget(checkTargetUrl('http://localhost./'), none)).not.toBeNull();
  });
});
