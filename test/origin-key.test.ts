import type { DistributionConfig } from '@aws-sdk/client-cloudfront';
import { fingerprintOf, originKeyOf } from '../lambda/origin-key';

const withHeaders = (...headers: Array<[string, string]>) =>
  ({
    Origins: {
      Quantity: 1,
      Items: [{ Id: 'api', DomainName: 'x', CustomHeaders: { Quantity: headers.length, Items: headers.map(([HeaderName, HeaderValue]) => ({ HeaderName, HeaderValue })) } }],
    },
  }) as DistributionConfig;

describe('fingerprintOf', () => {
  it('is the first 8 hex digits of the SHA-256 digest', () => {
    expect(fingerprintOf('abc')).toBe('ba7816bf');
  });
});

describe('originKeyOf', () => {
  it.each([
    ['x-api-key', withHeaders(['x-api-key', 'k1'], ['x-other', 'o']), 'k1'],
    ['the header name in any case', withHeaders(['X-API-Key', 'k2']), 'k2'],
    ['no such header', withHeaders(['x-other', 'o']), undefined],
    ['no configuration', undefined, undefined],
  ])('reads %s', (_case, config, value) => {
    expect(originKeyOf(config)).toBe(value);
  });
});
