import { GetApiKeyCommand, GetUsagePlanKeysCommand } from '@aws-sdk/client-api-gateway';
import { DescribeStackEventsCommand, DescribeStacksCommand, waitUntilStackUpdateComplete } from '@aws-sdk/client-cloudformation';
import { GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
import { SNSClient } from '@aws-sdk/client-sns';
import { createHandler } from '../../lambda/handler';
import { originKeyOf } from '../../lambda/origin-key';
import { createVerifier } from '../../lambda/verifier';
import { deploy } from '../../scripts/cli/deploy';
import { scheduledEvent as eventAt } from '../../scripts/cli/scheduled-rotation';
import { emulatorClientConfig } from '../../scripts/emulator/launch';
import { type LocalAws, type LocalClients, emulatorSleep, emulatorWaiter, noticeQueue, stackGet, stackOutput } from '../../scripts/emulator/local-stack';
import { deployTemplates } from '../../scripts/template';
import { recordingOutput } from '../cli/cli.fixtures';

/** The event EventBridge sends for the test stacks' schedule rule firing at `time` (whole seconds). */
export function scheduledEvent(time: string) {
  return eventAt('123456789012', 'us-east-1', 'arn:aws:events:us-east-1:123456789012:rule/edge-api-RotationSchedule', new Date(time));
}

export async function deployStack(aws: LocalAws, stackName: string, parameters: Record<string, string> = {}, now = new Date('2026-11-22T10:00:00Z')) {
  const output = recordingOutput();
  await deploy({ stackName, parameters, rotate: false, testRotation: false }, { ...aws, ...deployTemplates(), now: () => now, sleep: emulatorSleep, output });
  return output;
}

/**
 * A scheduled rotation through the handler, as EventBridge invokes it at `time`, then the update it
 * started, to its end as `until` (an SDK waiter) awaits it: UpdateStack answers once the update has started.
 */
export async function scheduledRotation(aws: Pick<LocalClients, 'cloudformation'>, stackName: string, time: string, until = waitUntilStackUpdateComplete) {
  await createHandler({ cloudformation: aws.cloudformation, stackName, log: () => undefined, now: () => new Date(time) })(scheduledEvent(time));
  await until(emulatorWaiter(aws.cloudformation), { StackName: stackName });
}

/** The stack's key as the services hold it, values included: for requests, never printed. `aws`: clients in the stack's account and Region. */
export async function keyState(aws: Pick<LocalClients, 'cloudformation' | 'apigateway' | 'cloudfront'>, stackName: string) {
  const output = (key: string) => stackOutput(aws.cloudformation, stackName, key);
  const keyId = await output('ApiKeyId');
  const key = await aws.apigateway.send(new GetApiKeyCommand({ apiKey: keyId, includeValue: true }));
  const { DistributionConfig } = await aws.cloudfront.send(new GetDistributionConfigCommand({ Id: await output('DistributionId') }));
  const { items = [] } = await aws.apigateway.send(new GetUsagePlanKeysCommand({ usagePlanId: await output('UsagePlanId') }));
  return {
    keyId,
    keyName: key.name,
    keyEnabled: key.enabled,
    keyValue: key.value ?? '',
    header: originKeyOf(DistributionConfig, await output('ApiStageURL')),
    planKeyIds: items.map((k) => k.id),
    secretArn: await output('ApiKeySecretArn'),
  };
}

/** The stack's verifier, with its requests going to the stand-ins, and a reader of the notices it publishes. */
export async function verifierWithNotices(aws: LocalAws, stackName: string) {
  const topicArn = await stackOutput(aws.cloudformation, stackName, 'NotificationTopicArn');
  const notices = await noticeQueue(aws, topicArn, `${stackName}-notices`);
  const verify = createVerifier({
    ...aws,
    sns: new SNSClient(emulatorClientConfig(aws.emulator.endpoint)),
    get: await stackGet(aws, stackName),
    healthCheckPath: '/pets',
    stackName,
    topicArn,
    now: () => new Date(),
    write: () => undefined,
  });
  return { verify, notices };
}

/** The "CloudFormation Stack Status Change" event EventBridge delivers for the stack. */
export async function stackStatusEvent(aws: LocalAws, stackName: string, status: string, token: string) {
  const { Stacks } = await aws.cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
  return {
    'detail-type': 'CloudFormation Stack Status Change',
    detail: { 'stack-id': Stacks![0].StackId, 'client-request-token': token, 'status-details': { status } },
  };
}

/** The events of one stack operation, oldest first, as "<logical ID> <status>". */
export async function operationEvents(aws: LocalAws, stackName: string, token: string): Promise<string[]> {
  const { StackEvents = [] } = await aws.cloudformation.send(new DescribeStackEventsCommand({ StackName: stackName }));
  return StackEvents.filter((e) => e.ClientRequestToken === token).map((e) => `${e.LogicalResourceId} ${e.ResourceStatus}`).reverse();
}
