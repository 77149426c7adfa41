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
//
// Anyone allowed to invoke the function can send it a request of their own making. So the gate
// trusts the request for nothing it would send the key to: it acts only for its own stack and
// only on that stack's key secrets, both checked against its environment, and sends the key to
// the health-check URL its environment names, never following a redirect.
import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse } from 'aws-lambda';
import { type CloudFormationClient, DescribeStacksCommand } from './cloudformation';
import { GetSecretValueCommand, type SecretsManagerClient } from './secrets';

/** The custom resource's properties, as the template sets them (CloudFormation sends strings). */
export interface GateProperties {
  /** This rotation's key secret: the value to test. */
  SecretArn: string;
  /** The new key's ID, to name it in messages: never its value. */
  KeyId: string;
  /** How long to wait for the API to accept the key; 0 turns the gate off. */
  TimeoutSeconds: string;
}

export interface GateDependencies {
  /** The ARN of the function's own stack (environment STACK_ID). */
  stackId: string;
  /** The health-check URL on the API stage itself, not through CloudFront (environment HEALTH_URL). */
  healthUrl: string;
  cloudformation: CloudFormationClient;
  secrets: SecretsManagerClient;
  /** GETs `url` with `headers`, following no redirect; resolves with the HTTP status, 0 when nothing answered. */
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

export class KeyRedirectedError extends Error {
  override name = 'KeyRedirectedError';
  constructor(keyId: string, url: string, status: number) {
    super(`GET ${url} answered ${status}, a redirect: the gate follows none with a key. CloudFront was not switched to key ${keyId}.`);
  }
}

export class ForeignStackError extends Error {
  override name = 'ForeignStackError';
  constructor(stackId: string) {
    super(`Stack "${stackId}" is not this key gate's own (STACK_ID): nothing was read or tested.`);
  }
}

export class StackStatusUnreadableError extends Error {
  override name = 'StackStatusUnreadableError';
  constructor(stackId: string, options?: ErrorOptions) {
    super(`The status of stack ${stackId} could not be read (${(options?.cause as Error)?.name ?? 'no status returned'}): no key was read or tested.`, options);
  }
}

export class ForeignSecretError extends Error {
  override name = 'ForeignSecretError';
  constructor(secretArn: string, prefix: string) {
    super(`SecretArn "${secretArn}" is not a key secret of this stack (${prefix}*): it was not read.`);
  }
}

export class InvalidTimeoutError extends Error {
  override name = 'InvalidTimeoutError';
  constructor(value: string) {
    super(`TimeoutSeconds "${value}" is not a number of seconds: no key was tested.`);
  }
}

/**
 * `arn:<partition>:secretsmanager:<region>:<account>:secret:<stack>/cloudfront-api-key/`, where
 * the stack's key secrets are named, from its ARN `arn:<partition>:cloudformation:<region>:<account>:stack/<stack>/<id>`;
 * '' for anything else. Stack names hold no "/", so no other stack's name can extend the prefix.
 */
export function keySecretPrefixOf(stackId: string): string {
  const arn = /^arn:([\w-]+):cloudformation:([\w-]+):(\d{12}):stack\/([A-Za-z][\w-]*)\/[\w-]+$/.exec(stackId);
  return arn ? `arn:${arn[1]}:secretsmanager:${arn[2]}:${arn[3]}:secret:${arn[4]}/cloudfront-api-key/` : '';
}

/** Whether `arn` is a secret ARN under `prefix`, followed by a secret name's characters only. */
export const isKeySecret = (arn: unknown, prefix: string) => typeof arn === 'string' && arn.startsWith(prefix) && /^[\w/+=.@-]+$/.test(arn.slice(prefix.length));

export function createKeyGate(deps: GateDependencies) {
  const { stackId, healthUrl, now, log } = deps;
  const secretPrefix = keySecretPrefixOf(stackId);

  /** What the gate found, for a SUCCESS answer; throws for a FAILED one. */
  async function decide(event: CloudFormationCustomResourceEvent, context: GateContext): Promise<string> {
    // Without a stack ARN of its own (no STACK_ID), the gate knows no stack to act for.
    if (!secretPrefix || event.StackId !== stackId) throw new ForeignStackError(event.StackId);
    if (event.RequestType === 'Delete') return 'Deleted: the gate holds nothing to remove.';
    const { SecretArn, KeyId, TimeoutSeconds } = event.ResourceProperties as unknown as GateProperties;
    if (event.RequestType === 'Update' && event.OldResourceProperties.SecretArn === SecretArn) {
      return `Key ${KeyId} is the one CloudFront already sends: this update changes no key, so there is nothing to test.`;
    }
    const stackStatus = await statusOf();
    // A rollback restores the previous key, which the API accepted before: never block it.
    if (stackStatus.includes('ROLLBACK')) return `The stack is in ${stackStatus}: the gate lets the rollback pass.`;
    if (!isKeySecret(SecretArn, secretPrefix)) throw new ForeignSecretError(SecretArn, secretPrefix);
    const seconds = Number(TimeoutSeconds);
    // NaN would never reach the deadline: the gate would ask until the function timed out, unanswered.
    if (!(seconds >= 0)) throw new InvalidTimeoutError(TimeoutSeconds);
    if (seconds === 0) return `The gate is off (KeyGateTimeoutSeconds is 0): key ${KeyId} was not tested.`;

    const { SecretString: key = '' } = await deps.secrets.send(new GetSecretValueCommand({ SecretId: SecretArn }));
    return testKey(key, KeyId, Math.min(seconds * 1000, context.getRemainingTimeInMillis() - ANSWER_MARGIN_MS));
  }

  /** Asks the health-check URL with `key` until it answers 2xx, for at most `boundMs`. */
  async function testKey(key: string, keyId: string, boundMs: number): Promise<string> {
    const started = now();
    for (let attempt = 1, wait = FIRST_RETRY_MS; ; attempt += 1, wait = Math.min(wait * 2, LONGEST_RETRY_MS)) {
      const status = await deps.get(healthUrl, { 'x-api-key': key });
      const seconds = Math.round((now() - started) / 1000);
      if (status >= 200 && status < 300) return `The API accepted key ${keyId}: GET ${healthUrl} answered ${status} at attempt ${attempt}, after ${seconds} s.`;
      // A redirect is no activation delay, and asking again would only send the key again.
      if (status >= 300 && status < 400) throw new KeyRedirectedError(keyId, healthUrl, status);
      const left = started + boundMs - now();
      if (left <= 0) throw new KeyNotAcceptedError(keyId, healthUrl, status, attempt, seconds);
      await deps.sleep(Math.min(wait, left));
    }
  }

  /** The stack's status. Unread, it fails the request: only a status read can show a rollback to let pass. */
  async function statusOf(): Promise<string> {
    try {
      const { Stacks } = await deps.cloudformation.send(new DescribeStacksCommand({ StackName: stackId }));
      const status = Stacks?.[0]?.StackStatus;
      if (status) return status;
    } catch (error) {
      throw new StackStatusUnreadableError(stackId, { cause: error });
    }
    throw new StackStatusUnreadableError(stackId);
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
