// The origin key as CloudFront holds it, and how it is compared without being shown: by the
// first 8 hex digits of its SHA-256 digest. Shared by the verifier and the CLI's status.
import type { DistributionConfig } from '@aws-sdk/client-cloudfront';
import { createHash } from 'node:crypto';

export const fingerprintOf = (value = '') => createHash('sha256').update(value).digest('hex').slice(0, 8);

export const KEY_HEADER = 'x-api-key';

/** Whether a custom header is the key's, whatever its case (header names are case-insensitive). */
export const isKeyHeader = (header: { HeaderName?: string }) => header.HeaderName?.toLowerCase() === KEY_HEADER;

/** Whether an origin is served from `domain`, an API stage's `<api>.execute-api.<region>.amazonaws.com`. */
export const isOriginOf = (domain: string) => (origin: { DomainName?: string }) => origin.DomainName?.toLowerCase() === domain.toLowerCase();

/**
 * The x-api-key value CloudFront adds to requests to the API: of the first origin whose domain is
 * that of `apiStageUrl` (the ApiStageURL output), or of any origin when it is not given. A
 * distribution the stack did not create (DistributionId) may have other origins with headers of
 * their own.
 */
export function originKeyOf(config: DistributionConfig | undefined, apiStageUrl?: string): string | undefined {
  const origins = config?.Origins?.Items ?? [];
  return (apiStageUrl ? origins.filter(isOriginOf(new URL(apiStageUrl).hostname)) : origins)
    .flatMap((o) => o.CustomHeaders?.Items ?? []).find(isKeyHeader)?.HeaderValue;
}
