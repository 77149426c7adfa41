// The key gate: a custom resource between the usage-plan key and the distribution. A rotation's
// new key reaches it first; it asks the API stage directly, with that key, until the API accepts
// it. Only then does CloudFormation update CloudFront's origin header. If the API never accepts
// the key, the gate answers FAILED, the update fails before the header changes, and CloudFormation
// rolls back: CloudFront never sends a key the API refuses.
//
// Custom resource contract (CloudFormation User Guide, "Custom resource request objects" and
// "Custom resource response objects"): CloudFormation invokes the function asynchronously and
// waits for one JSON answer PUT to the request's pre-signed ResponseURL. An answer that never
// comes hangs the stack until ServiceTimeout, so every path below answers, errors included.
// The key's value is read from the secret because dynamic references are not resolved in custom
// resource properties (CloudFormation User Guide, "Get values stored in other services using
// dynamic references": they "can't be used for secure values in custom resources").
import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse } from 'aws-lambda';
import { type CloudFormationClient, DescribeStacksCommand } from './cloudformation';
import { GetSecretValueCommand, type SecretsManagerClient } from './secrets';

/** The custom resource's properties, as the template sets them (CloudFormation sends strings). */
export interface GateProperties {
  /** This rotation's key secret: the value to test. */
  SecretArn: string;
  /** The new key's ID, to name it in messages: never its value. */
  KeyId: string;
  /** The health-check URL on the API stage itself, not through CloudFront. */
  Url: string;
  /** How long to wait for the API to accept the key; 0 turns the gate off. */
  TimeoutSeconds: string;
}

export interface GateDependencies {
  cloudformation: CloudFormationClient;
  secrets: SecretsManagerClient;
  /** GETs `url` with `headers` and resolves with the HTTP status, 0 when nothing answered. */
  get: (url: string, headers: Record<string, string>) => Promise<number>;
  /** PUTs the answer to the pre-signed ResponseURL; rejects when it was not stored. */
  put: (url: string, body: string) => Promise<void>;
  now: () => number;
  sleep: (milliseconds: number) => Promise<void>;
  log: (record: Record<string, unknown>) => void;
}

export interface GateContext {
  getRemainingTimeInMillis(): number;
}

/** Time kept back from the function's timeout for the last request and the answer itself. */
export const ANSWER_MARGIN_MS = 15_000;
const FIRST_RETRY_MS = 1_000;
const LONGEST_RETRY_MS = 20_000;

export class KeyNotAcceptedError extends Error {
  override name = 'KeyNotAcceptedError';
  constructor(keyId: string, url: string, status: number, attempts: number, seconds: number) {
    super(
      `The key gate stopped the rotation: the API did not accept the new key ${keyId}. GET ${url} answered ${status || 'nothing'} ` +
        `(the last of ${attempts} attempts over ${seconds} s). CloudFront was not switched to it.`,
    );
  }
}

export function createKeyGate(deps: GateDependencies) {
  const { now, log } = deps;

  /** What the gate found, for a SUCCESS answer; throws for a FAILED one. */
  async function decide(event: CloudFormationCustomResourceEvent, context: GateContext): Promise<string> {
    if (event.RequestType === 'Delete') return 'Deleted: the gate holds nothing to remove.';
    const stackStatus = await statusOf(event.StackId);
    // A rollback restores the previous key, which the API accepted before: never block it.
    if (stackStatus.includes('ROLLBACK')) return `The stack is in ${stackStatus}: the gate lets the rollback pass.`;
    const { SecretArn, KeyId, Url, TimeoutSeconds } = event.ResourceProperties as unknown as GateProperties;
    if (Number(TimeoutSeconds) === 0) return `The gate is off (KeyGateTimeoutSeconds is 0): key ${KeyId} was not tested.`;

    const { SecretString: key = '' } = await deps.secrets.send(new GetSecretValueCommand({ SecretId: SecretArn }));
    const started = now();
    const deadline = started + Math.min(Number(TimeoutSeconds) * 1000, context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS);
    for (let attempt = 1, wait = FIRST_RETRY_MS; ; attempt += 1, wait = Math.min(wait * 2, LONGEST_RETRY_MS)) {
      const status = await deps.get(Url, { 'x-api-key': key });
      const seconds = Math.round((now() - started) / 1000);
      if (status >= 200 && status < 300) return `The API accepted key ${KeyId}: GET ${Url} answered ${status} at attempt ${attempt}, after ${seconds} s.`;
      const left = deadline - now();
      if (left <= 0) throw new KeyNotAcceptedError(KeyId, Url, status, attempt, seconds);
      await deps.sleep(Math.min(wait, left));
    }
  }

  /** The stack's status; an unreadable status counts as not rolling back, so the key is still tested. */
  async function statusOf(stackId: string): Promise<string> {
    try {
      const { Stacks } = await deps.cloudformation.send(new DescribeStacksCommand({ StackName: stackId }));
      return Stacks?.[0]?.StackStatus ?? '';
    } catch (error) {
      log({ warning: 'stack status unreadable', error: (error as Error).name });
      return '';
    }
  }

  return async (event: CloudFormationCustomResourceEvent, context: GateContext): Promise<CloudFormationCustomResourceResponse> => {
    const { StackId, RequestId, LogicalResourceId } = event;
    // The same ID for every answer about this resource: a new one would make CloudFormation
    // treat an update as a replacement and delete the "old" gate.
    const PhysicalResourceId = 'PhysicalResourceId' in event ? event.PhysicalResourceId : `${LogicalResourceId}-${StackId.split('/').pop()}`;
    const answer = await decide(event, context).then(
      (Reason) => ({ Status: 'SUCCESS' as const, Reason }),
      (error: Error) => ({ Status: 'FAILED' as const, Reason: error instanceof KeyNotAcceptedError ? error.message : `${error.name}: ${error.message}` }),
    );
    const response = { ...answer, PhysicalResourceId, StackId, RequestId, LogicalResourceId };
    log({ requestType: event.RequestType, ...response });
    await deps.put(event.ResponseURL, JSON.stringify(response));
    return response;
  };
}
