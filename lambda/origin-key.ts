// The origin key as CloudFront holds it, and how it is compared without being shown: by the
// first 8 hex digits of its SHA-256 digest. Shared by the verifier and the CLI's status.
import type { DistributionConfig } from '@aws-sdk/client-cloudfront';
import { createHash } from 'node:crypto';

export const fingerprintOf = (value = '') => createHash('sha256').update(value).digest('hex').slice(0, 8);

/** The x-api-key value CloudFront adds to requests to the distribution's origins. */
export function originKeyOf(config: DistributionConfig | undefined): string | undefined {
  return config?.Origins?.Items?.flatMap((o) => o.CustomHeaders?.Items ?? []).find((h) => h.HeaderName?.toLowerCase() === 'x-api-key')?.HeaderValue;
}
