// What the verifier checks after an update that rotated the key. Only fingerprints (the first 8
// hex digits of a SHA-256 digest) of key values ever leave this module.
import { APIGatewayClient, CloudFrontClient, GetApiKeyCommand, GetDistributionConfigCommand, GetUsagePlanKeysCommand } from './aws';
import { fingerprintOf, originKeyOf } from './origin-key';

export interface CheckDependencies {
  apigateway: APIGatewayClient;
  cloudfront: CloudFrontClient;
  /** GET a URL; the Lambda passes the runtime's fetch. */
  get: (url: string) => Promise<{ status: number }>;
  healthCheckPath: string;
}

export interface Verification {
  keyId: string;
  keyName: string;
  fingerprint: string;
  problems: string[];
}

/** The HTTP status of a GET; a request that fails outright counts as status 0. */
export const statusAt = (get: CheckDependencies['get'], url: string) => get(url).then((response) => response.status, () => 0);

/** The stack's outputs by key. */
export type Outputs = Record<string, string>;

/**
 * The usage plan holds exactly the active key; CloudFront sends it; the health-check path answers
 * 2xx through CloudFront; the API stage refuses a request without a key.
 */
export async function verifyKey(deps: CheckDependencies, outputs: Outputs): Promise<Verification> {
  const { apigateway, cloudfront, get, healthCheckPath } = deps;
  const keyId = outputs.ApiKeyId;
  const [key, plan, distribution] = await Promise.all([
    apigateway.send(new GetApiKeyCommand({ apiKey: keyId, includeValue: true })),
    apigateway.send(new GetUsagePlanKeysCommand({ usagePlanId: outputs.UsagePlanId })),
    cloudfront.send(new GetDistributionConfigCommand({ Id: outputs.DistributionId })),
  ]);
  const problems: string[] = [];
  const planKeys = (plan.items ?? []).map((k) => k.id);
  if (planKeys.join() !== keyId) problems.push(`The usage plan holds ${planKeys.join(', ')}, not just the active key.`);
  const fingerprint = fingerprintOf(key.value);
  const header = fingerprintOf(originKeyOf(distribution.DistributionConfig, outputs.ApiStageURL));
  if (header !== fingerprint) problems.push(`CloudFront sends x-api-key ${header}, not the active key.`);
  const edge = `${outputs.DistributionURL}${healthCheckPath}`;
  const viaEdge = await statusAt(get, edge);
  if (viaEdge < 200 || viaEdge > 299) problems.push(`GET ${edge} through CloudFront answered ${viaEdge || 'nothing'}.`);
  const stage = `${outputs.ApiStageURL}${healthCheckPath}`;
  const direct = await statusAt(get, stage);
  if (direct !== 403) problems.push(`GET ${stage} without a key answered ${direct || 'nothing'}, not 403.`);
  return { keyId, keyName: key.name ?? '', fingerprint, problems };
}
