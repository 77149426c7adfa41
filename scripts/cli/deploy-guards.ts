// What `deploy` checks before it changes anything, besides that an existing stack is one of this
// template's (checkOwnStack, which the rotation shares): that CloudFront is re-pointed at another
// origin only when the user says so, and, where one cheap read can tell, that --api-url names a
// stage that exists in this Region.
import { type APIGatewayClient, GetStageCommand } from '@aws-sdk/client-api-gateway';
import type { Stack } from '@aws-sdk/client-cloudformation';
import { OriginChangeNotConfirmedError, UsageError } from './errors';

/** An ApiURL change moves every request through CloudFront to another origin ('' is the demo API). */
export function checkOriginChange(stack: Stack, given: Record<string, string>, confirmed: boolean): void {
  if (!('ApiURL' in given) || confirmed) return;
  const current = stack.Parameters?.find((p) => p.ParameterKey === 'ApiURL')?.ParameterValue ?? '';
  if (given.ApiURL !== current) throw new OriginChangeNotConfirmedError(stack.StackName ?? '', current, given.ApiURL);
}

/** The stage --api-url names, in this Region; a read that is denied or fails otherwise proves nothing, so it passes. */
export async function checkApiStage(apigateway: APIGatewayClient, apiUrl: string): Promise<void> {
  if (apiUrl === '') return;
  const [, restApiId, apiRegion, stageName] = /^([a-z0-9]{10})\.execute-api\.([a-z0-9-]+)\.amazonaws\.com\/(.+)$/.exec(apiUrl)!;
  const region = await apigateway.config.region();
  if (apiRegion !== region) {
    throw new UsageError(`--api-url is in ${apiRegion}, but the stack would be in ${region}: usage plans and keys are regional. Pass --region ${apiRegion}.`, 'deploy');
  }
  const found = await apigateway.send(new GetStageCommand({ restApiId, stageName })).then(
    () => true,
    (error: Error) => error.name !== 'NotFoundException',
  );
  if (!found) throw new UsageError(`--api-url names stage "${stageName}" of REST API ${restApiId}, which does not exist in ${region}. Check the API ID and the stage name.`, 'deploy');
}
