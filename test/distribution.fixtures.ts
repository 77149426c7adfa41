// What a header change may leave of a distribution's configuration, for the tests that compare
// the whole configuration before and after one.
import type { DistributionConfig } from '@aws-sdk/client-cloudfront';

/** `config` with the origin `originId`'s custom headers set to `headers`, and nothing else changed. */
export function withOriginHeaders(config: DistributionConfig, originId: string, headers: Array<{ HeaderName: string; HeaderValue: string }>): DistributionConfig {
  const Items = config.Origins!.Items!.map((origin) => (origin.Id === originId ? { ...origin, CustomHeaders: { Quantity: headers.length, Items: headers } } : origin));
  return { ...config, Origins: { ...config.Origins!, Items } };
}

/** `config` with its origin `api` sending `value` as x-api-key, and no custom header for undefined. */
export const withApiKeyHeader = (config: DistributionConfig, value: string | undefined) =>
  withOriginHeaders(config, 'api', value === undefined ? [] : [{ HeaderName: 'x-api-key', HeaderValue: value }]);
