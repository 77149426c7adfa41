// The verifier: confirms each rotation through CloudFront itself and tells a person the outcome.
//   - "CloudFormation Resource Status Change", Distribution UPDATE_COMPLETE: the new header is on
//     every edge; a request through CloudFront must not be refused. Emits OriginKeyRejected, the
//     metric of the update's rollback-trigger alarm, and ReplacedKeyAgeDays.
//   - "CloudFormation Stack Status Change" of an update that replaced the key: verifies, publishes
//     one notice to the topic, emits RotationSucceeded and RotationFailed.
//   - "Scheduled Event" (daily): emits ActiveKeyAgeDays, the metric of the stale-key alarm.
// Events of other stacks, and updates that did not replace the key, are ignored. Event shapes:
// AWS CloudFormation User Guide, "Resource Status Change event detail" and "Stack Status Change
// event detail".
import {
  type APIGatewayClient,
  type CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  GetApiKeyCommand,
  GetUsagePlanKeysCommand,
  PublishCommand,
  type SNSClient,
} from './aws';
import { metricsRecord } from './metrics';
import { type Notice, noticeInput } from './notice';
import { type CheckDependencies, type Outputs, statusAt, verifyKey } from './verification';

export interface VerifierDependencies extends CheckDependencies {
  cloudformation: CloudFormationClient;
  apigateway: APIGatewayClient;
  sns: SNSClient;
  stackName: string;
  topicArn: string;
  now: () => Date;
  /** Writes one line to the log as is (EMF records, the outcome). */
  write: (line: string) => void;
}

export interface VerifierEvent {
  'detail-type': string;
  detail?: {
    'stack-id'?: string;
    'logical-resource-id'?: string;
    'client-request-token'?: string;
    'status-details'?: { status?: string };
  };
}

const DAY_MS = 86_400_000;

export function createVerifier(deps: VerifierDependencies) {
  const { cloudformation, apigateway, stackName, now, write } = deps;
  const metrics = (values: Record<string, number>) => write(metricsRecord(stackName, values, now()));
  const outputs = async (): Promise<Outputs> => {
    const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    return Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  };
  const ageDays = async (keyId: string) => {
    const { createdDate } = await apigateway.send(new GetApiKeyCommand({ apiKey: keyId }));
    return Math.floor((+now() - +(createdDate ?? now())) / DAY_MS);
  };

  return async (event: VerifierEvent): Promise<string> => {
    const type = event['detail-type'];
    if (type === 'Scheduled Event') {
      metrics({ ActiveKeyAgeDays: await ageDays((await outputs()).ApiKeyId) });
      return 'measured';
    }
    const detail = event.detail ?? {};
    // arn:aws:cloudformation:<region>:<account>:stack/<name>/<id>
    if (detail['stack-id']?.split('/')[1] !== stackName) return 'ignored';
    const out = await outputs();

    if (type === 'CloudFormation Resource Status Change') {
      const status = await statusAt(deps.get, `${out.DistributionURL}${deps.healthCheckPath}`);
      const { items = [] } = await apigateway.send(new GetUsagePlanKeysCommand({ usagePlanId: out.UsagePlanId }));
      const replaced = items.find((k) => k.id !== out.ApiKeyId);
      metrics({ OriginKeyRejected: +(status === 401 || status === 403), ...(replaced ? { ReplacedKeyAgeDays: await ageDays(replaced.id!) } : {}) });
      return `probed: ${status}`;
    }

    const token = detail['client-request-token'];
    const status = detail['status-details']?.status;
    const { StackEvents = [] } = await cloudformation.send(new DescribeStackEventsCommand({ StackName: stackName }));
    const updateEvents = StackEvents.filter((e) => e.ClientRequestToken === token);
    // An update without a token cannot be told apart from others: undefined would match them all.
    // The status must be the one the update's newest stack event records: anyone allowed to
    // invoke the function can claim any, to send a false notice and count a false failure.
    if (!token || !updateEvents.some((e) => e.LogicalResourceId === 'ApiKey') || updateEvents.find((e) => e.LogicalResourceId === stackName)?.ResourceStatus !== status) {
      return 'ignored';
    }

    const { keyId, keyName, fingerprint, problems } = await verifyKey(deps, out);
    // What went wrong first, as the stack's events tell it (newest first): a resource that failed,
    // or the stack's rollback starting (a rollback trigger's alarm, say).
    const cause = updateEvents.filter((e) => /FAILED$|ROLLBACK_IN_PROGRESS$/.test(e.ResourceStatus ?? '')).pop();
    if (cause) problems.unshift(`Cause: ${cause.LogicalResourceId} ${cause.ResourceStatus}: ${cause.ResourceStatusReason}`);
    const failed = status !== 'UPDATE_COMPLETE';
    const ok = !failed && !problems.length;
    const key = `${keyName} (${keyId}, fingerprint ${fingerprint})`;
    const notice: Notice = ok
      ? { stackName, ok, headline: `Stack ${stackName}: rotated and verified. Active key ${key}: alone in the usage plan, sent by CloudFront, which passes the health check; the stage refuses unkeyed requests.`, details: [] }
      : {
          stackName,
          ok,
          headline: `Stack ${stackName}: ${failed ? `rotation ended in ${status}` : 'rotated, but verification failed'}.`,
          details: [`Active key: ${key}.`, ...problems],
          runbook: failed ? `${status}` : 'verification failed',
        };
    await deps.sns.send(new PublishCommand(noticeInput(deps.topicArn, notice)));
    metrics({ RotationSucceeded: +ok, RotationFailed: +!ok });
    return ok ? 'succeeded' : 'failed';
  };
}
