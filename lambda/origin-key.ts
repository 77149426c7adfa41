// The origin key as CloudFront holds it, and how it is compared without being shown: by the
// first 8 hex digits of its SHA-256 digest. Shared by the verifier and the CLI's status.
import type { DistributionConfig } from '@aws-sdk/client-cloudfront';
import { createHash } from 'node:crypto';

export const fingerprintOf = (value = '') => createHash('sha256').update(value).digest('hex').slice(0, 8);

/**
 * The x-api-key value CloudFront adds to requests to the API: of the first origin whose domain is
 * that of `apiStageUrl` (the ApiStageURL output), or of any origin when it is not given. A
 * distribution the stack did not create (DistributionId) may have other origins with headers of
 * their own.
 */
export function originKeyOf(config: DistributionConfig | undefined, apiStageUrl?: string): string | undefined {
  const domain = apiStageUrl && new URL(apiStageUrl).hostname;
  return config?.Origins?.Items?.filter((o) => !domain || o.DomainName?.toLowerCase() === domain)
    .flatMap((o) => o.CustomHeaders?.Items ?? []).find((h) => h.HeaderName?.toLowerCase() === 'x-api-key')?.HeaderValue;
}
