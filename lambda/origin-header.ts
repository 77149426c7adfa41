// The origin header on a distribution the stack did not create (DistributionId): a custom
// resource after the key gate, in place of the AWS::CloudFront::Distribution the stack otherwise
// owns. On Create and Update it sets x-api-key to the key secret's value on every origin whose
// domain is the API stage's, changes nothing else of the distribution, and answers only once the
// distribution is Deployed: CloudFormation deletes the old key after this resource, so until
// every edge sends the new key both keys must work. A rollback sends Update with the previous
// properties, which puts the previous key back the same way. Delete removes the header it set.
//
// Custom resource contract (CloudFormation User Guide, "Custom resource request objects" and
// "response objects"): one JSON answer PUT to the pre-signed ResponseURL, within ServiceTimeout
// (at most 3,600 s). A Lambda function runs at most 900 s, and a distribution with custom origins
// can take 30 to 35 minutes to deploy, so when its time runs low the function invokes itself
// asynchronously with the same request and a Continuation, and the last invocation answers.
//
// Like the key gate, it trusts a request for nothing it would act on: only its own stack
// (STACK_ID), only the distribution and origin domain its environment names (DISTRIBUTION_ID,
// ORIGIN_DOMAIN), only that stack's key secrets. The key's value is read from the secret
// (dynamic references are not resolved in custom resource properties) and never written out.
import {
  type CloudFrontClient,
  type DistributionConfig,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  UpdateDistributionCommand,
} from '@aws-sdk/client-cloudfront';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse } from 'aws-lambda';
import { type GateContext, ANSWER_MARGIN_MS, ForeignSecretError, ForeignStackError, isKeySecret, keySecretPrefixOf } from './key-gate';
import { KEY_HEADER, isKeyHeader, isOriginOf } from './origin-key';
import { GetSecretValueCommand, type SecretsManagerClient } from './secrets';

/** Answer before CloudFormation's longest wait for a custom resource, ServiceTimeout 3,600 s. */
export const LONGEST_WAIT_MS = 55 * 60_000;
const FIRST_POLL_MS = 1_000;
const LONGEST_POLL_MS = 20_000;
// UpdateDistribution with a stale ETag fails with PreconditionFailed: someone else changed the
// distribution between the read and the write. Read and write again, a few times.
const WRITE_ATTEMPTS = 3;

/** The custom resource's properties, as the template sets them (CloudFormation sends strings). */
export interface HeaderProperties {
  SecretArn: string;
  KeyId: string;
  DistributionId: string;
}

/** What an invocation that ran out of time passes to the next: when the request came. */
export interface Continuation {
  startedAt: number;
}

export type HeaderEvent = CloudFormationCustomResourceEvent & { Continuation?: Continuation };

export interface HeaderContext extends GateContext {
  invokedFunctionArn: string;
}

export interface HeaderDependencies {
  stackId: string;
  distributionId: string;
  /** The API stage's domain, `<api>.execute-api.<region>.amazonaws.com`: the origins to set. */
  originDomain: string;
  cloudfront: CloudFrontClient;
  secrets: SecretsManagerClient;
  lambda: LambdaClient;
  put: (url: string, body: string) => Promise<void>;
  now: () => number;
  sleep: (milliseconds: number) => Promise<void>;
  log: (record: Record<string, unknown>) => void;
}

export class NoApiOriginError extends Error {
  override name = 'NoApiOriginError';
  constructor(distributionId: string, domain: string) {
    super(`Distribution ${distributionId} has no origin with the domain ${domain}: nothing was changed. Add the API stage as an origin, or give the stack the ApiURL of one it has.`);
  }
}

export class ForeignDistributionError extends Error {
  override name = 'ForeignDistributionError';
  constructor(requested: string, own: string) {
    super(`DistributionId "${requested}" is not this function's distribution (${own}): nothing was changed.`);
  }
}

export class ConcurrentChangeError extends Error {
  override name = 'ConcurrentChangeError';
  constructor(distributionId: string, options: ErrorOptions) {
    super(`Distribution ${distributionId} was changed by someone else during each of ${WRITE_ATTEMPTS} attempts to set its header: nothing was changed. Try again.`, options);
  }
}

export class NotDeployedError extends Error {
  override name = 'NotDeployedError';
  constructor(distributionId: string, minutes: number) {
    super(`Distribution ${distributionId} was not Deployed ${minutes} minutes after its header changed: the update fails before CloudFormation's time limit, and the rollback puts the previous key back.`);
  }
}

/** The physical ID: the same for every answer about one distribution, so an update is never a replacement. */
export const physicalIdOf = (distributionId: string) => `origin-header-${distributionId}`;

/**
 * `config` with x-api-key set to `value` (or removed, for undefined) on the origins of `domain`,
 * whether that changed anything, and how many origins are of `domain`. Every other part of the
 * configuration is kept as it is.
 */
export function withOriginHeader(config: DistributionConfig, domain: string, value: string | undefined): { config: DistributionConfig; changed: boolean; origins: number } {
  let changed = false;
  let origins = 0;
  const items = (config.Origins?.Items ?? []).map((origin) => {
    if (!isOriginOf(domain)(origin)) return origin;
    origins += 1;
    const headers = origin.CustomHeaders?.Items ?? [];
    const keys = headers.filter(isKeyHeader);
    if (value === undefined ? keys.length === 0 : keys.length === 1 && keys[0].HeaderValue === value) return origin;
    changed = true;
    const others = headers.filter((h) => !isKeyHeader(h));
    const kept = value === undefined ? others : [...others, { HeaderName: KEY_HEADER, HeaderValue: value }];
    return { ...origin, CustomHeaders: { Quantity: kept.length, Items: kept } };
  });
  return { config: { ...config, Origins: { ...config.Origins, Quantity: items.length, Items: items } }, changed, origins };
}

export function createOriginHeader(deps: HeaderDependencies) {
  const { stackId, distributionId, originDomain, cloudfront, now, log } = deps;
  const secretPrefix = keySecretPrefixOf(stackId);

  async function keyOf(secretArn: string): Promise<string> {
    if (!isKeySecret(secretArn, secretPrefix)) throw new ForeignSecretError(secretArn, secretPrefix);
    const { SecretString = '' } = await deps.secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
    return SecretString;
  }

  /**
   * Reads, changes and writes the configuration; again on a concurrent change. Resolves with how
   * many origins are the API's, or with `left: true`, writing nothing, when `leave` says so of the
   * configuration read.
   */
  async function setHeader(value: string | undefined, leave: (config: DistributionConfig) => boolean = () => false): Promise<{ origins: number; left?: true }> {
    for (let attempt = 1; ; attempt += 1) {
      const { DistributionConfig, ETag } = await cloudfront.send(new GetDistributionConfigCommand({ Id: distributionId }));
      if (leave(DistributionConfig!)) return { origins: 0, left: true };
      const next = withOriginHeader(DistributionConfig!, originDomain, value);
      if (next.origins === 0 && value !== undefined) throw new NoApiOriginError(distributionId, originDomain);
      if (!next.changed) return next;
      try {
        await cloudfront.send(new UpdateDistributionCommand({ Id: distributionId, IfMatch: ETag, DistributionConfig: next.config }));
        return next;
      } catch (error) {
        if ((error as Error).name !== 'PreconditionFailed') throw error;
        if (attempt === WRITE_ATTEMPTS) throw new ConcurrentChangeError(distributionId, { cause: error });
      }
    }
  }

  /** Waits for Deployed, and resolves with the distribution's domain; undefined when this invocation's time ran out first. */
  async function deployed(context: HeaderContext, startedAt: number): Promise<string | undefined> {
    for (let wait = FIRST_POLL_MS; ; wait = Math.min(wait * 2, LONGEST_POLL_MS)) {
      const { Distribution } = await cloudfront.send(new GetDistributionCommand({ Id: distributionId }));
      if (Distribution?.Status === 'Deployed') return Distribution.DomainName ?? '';
      if (now() - startedAt >= LONGEST_WAIT_MS) throw new NotDeployedError(distributionId, LONGEST_WAIT_MS / 60_000);
      if (context.getRemainingTimeInMillis() - wait < ANSWER_MARGIN_MS) return undefined;
      await deps.sleep(wait);
    }
  }

  /** The answer's fields for SUCCESS; undefined when a continuation will answer; throws for FAILED. */
  async function decide(event: HeaderEvent, context: HeaderContext): Promise<{ Reason: string; Data?: Record<string, string> } | undefined> {
    if (!secretPrefix || event.StackId !== stackId) throw new ForeignStackError(event.StackId);
    const own = physicalIdOf(distributionId);
    if (event.RequestType === 'Delete') {
      if (event.PhysicalResourceId !== own) return { Reason: `${event.PhysicalResourceId} is not ${own}: its header was left as it is; remove it by hand.` };
      const { SecretArn } = event.ResourceProperties as unknown as HeaderProperties;
      return { Reason: await release(SecretArn) };
    }
    const { SecretArn, KeyId, DistributionId } = event.ResourceProperties as unknown as HeaderProperties;
    if (DistributionId !== distributionId) {
      // The rollback of an update that moved the stack to another distribution comes back with the
      // previous one, which still has its header (the move's Delete would come at cleanup) and
      // which this function, already moved, may no longer change: a FAILED answer would only
      // fail the rollback.
      if (event.RequestType === 'Update') return { Reason: `Distribution ${DistributionId} is not this function's (${distributionId}): its header was left as it is.` };
      throw new ForeignDistributionError(DistributionId, distributionId);
    }
    const startedAt = event.Continuation?.startedAt ?? now();
    if (!event.Continuation) {
      const { origins } = await setHeader(await keyOf(SecretArn));
      log({ requestType: event.RequestType, keyId: KeyId, distributionId, origins });
    }
    const domain = await deployed(context, startedAt);
    if (domain === undefined) {
      await deps.lambda.send(new InvokeCommand({
        FunctionName: context.invokedFunctionArn,
        InvocationType: 'Event',
        Payload: JSON.stringify({ ...event, Continuation: { startedAt } }),
      }));
      return undefined;
    }
    const seconds = Math.round((now() - startedAt) / 1000);
    return { Reason: `CloudFront sends key ${KeyId} to ${originDomain} from distribution ${distributionId}, Deployed after ${seconds} s.`, Data: { DomainName: domain } };
  }

  /** Removes the header, only if it is still this stack's key: one edited by hand since is not the stack's to remove. */
  async function release(secretArn: string): Promise<string> {
    let key: string;
    try {
      key = await keyOf(secretArn);
    } catch (error) {
      if ((error as Error).name !== 'ResourceNotFoundException') throw error;
      return `The key secret is gone: the header on distribution ${distributionId} was left as it is.`;
    }
    const notOurs = (config: DistributionConfig) => (config.Origins?.Items ?? []).filter(isOriginOf(originDomain))
      .some((o) => (o.CustomHeaders?.Items ?? []).some((h) => isKeyHeader(h) && h.HeaderValue !== key));
    try {
      const { origins, left } = await setHeader(undefined, notOurs);
      if (left) return `The ${KEY_HEADER} header on distribution ${distributionId} is not this stack's key (changed by hand?): it was left as it is.`;
      return `The ${KEY_HEADER} header was removed from ${origins} origin(s) of distribution ${distributionId}; the rest of it is as it was.`;
    } catch (error) {
      if ((error as Error).name !== 'NoSuchDistribution') throw error;
      return `Distribution ${distributionId} no longer exists: there is no header to remove.`;
    }
  }

  return async (event: HeaderEvent, context: HeaderContext): Promise<CloudFormationCustomResourceResponse | undefined> => {
    const { StackId, RequestId, LogicalResourceId } = event;
    // Another distribution is another resource: CloudFormation then deletes the old one, whose
    // header this function may no longer change (see decide); a rollback to it keeps its ID.
    const { DistributionId } = event.ResourceProperties as unknown as HeaderProperties;
    const PhysicalResourceId = event.RequestType === 'Delete' ? event.PhysicalResourceId : physicalIdOf(DistributionId);
    const answer = await decide(event, context).then(
      (result) => result && { Status: 'SUCCESS' as const, ...result },
      (error: Error) => ({ Status: 'FAILED' as const, Reason: `${error.name}: ${error.message}` }),
    );
    if (!answer) {
      log({ requestType: event.RequestType, continued: true, distributionId });
      return undefined;
    }
    const response = { ...answer, PhysicalResourceId, StackId, RequestId, LogicalResourceId };
    log({ requestType: event.RequestType, Status: response.Status, Reason: response.Reason, PhysicalResourceId });
    await deps.put(event.ResponseURL, JSON.stringify(response));
    return response;
  };
}
