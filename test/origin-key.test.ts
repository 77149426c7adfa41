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

  it("reads the API's origin alone when given the stage URL, whatever the distribution's other origins send", () => {
    const config = {
      Origins: {
        Quantity: 2,
        Items: [
          { Id: 'partner', DomainName: 'partner.example.com', CustomHeaders: { Quantity: 1, Items: [{ HeaderName: 'x-api-key', HeaderValue: 'partners' }] } },
          { Id: 'api', DomainName: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com', CustomHeaders: { Quantity: 1, Items: [{ HeaderName: 'x-api-key', HeaderValue: 'ours' }] } },
        ],
      },
    } as DistributionConfig;

    expect(originKeyOf(config, 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod')).toBe('ours');
  });
});
