// What clients see: HealthCheckPath requested through CloudFront, as the verifier does after each
// rotation. It is the check that sees a key the API refuses whatever else says all is well, and
// the only one an operator sees at once when the key gate is off (KeyGateTimeoutSeconds 0).
import type { Stack } from '@aws-sdk/client-cloudformation';
import { getStatus } from '../../lambda/key-gate-http';

/** GETs `url` with no credentials, following no redirect; the HTTP status, 0 when nothing answered. */
export type EdgeGet = (url: string) => Promise<number>;

export interface ClientsView {
  url: string;
  /** The HTTP status; 0 when nothing answered. */
  status: number;
}

/** Over the internet, as a client would ask: the key gate's GET, with no header. */
export const fetchStatus: EdgeGet = (url) => getStatus(url, {});

/** The URL the verifier probes: the distribution's own name (no DNS needed) and the health-check path. */
export function clientsUrl(stack: Stack): string | undefined {
  const distributionUrl = stack.Outputs?.find((o) => o.OutputKey === 'DistributionURL')?.OutputValue;
  const path = stack.Parameters?.find((p) => p.ParameterKey === 'HealthCheckPath')?.ParameterValue ?? '/pets';
  return distributionUrl ? `${distributionUrl}${path}` : undefined;
}

/** What a client gets through CloudFront, or undefined when the stack names no distribution URL. */
export async function viewAsClient(stack: Stack, get: EdgeGet): Promise<ClientsView | undefined> {
  const url = clientsUrl(stack);
  return url === undefined ? undefined : { url, status: await get(url) };
}

export const isRefused = ({ status }: ClientsView) => status < 200 || status > 299;

/** The sentence for a refusal, for status and rotate alike. */
export const refusalText = ({ url, status }: ClientsView) => `GET ${url} through CloudFront answered ${status || 'nothing'}: clients are refused.`;

/** The rotation went through, but clients are refused: with the gate off, nothing else would say so at once. */
export class ClientsRefusedError extends Error {
  override name = 'ClientsRefusedError';
  constructor(readonly stackName: string, view: ClientsView) {
    super(
      `Stack "${stackName}" rotated, but ${refusalText(view)} The API does not accept the key CloudFront now sends (the key gate is off, or it ` +
        'tested another path or stage): check that the usage plan is bound to the stage CloudFront calls and that the path needs no more than the key, then rotate again.',
    );
  }
}
