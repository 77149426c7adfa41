import { APIGatewayClient, GetApiKeyCommand, GetUsagePlanKeysCommand } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStackEventsCommand, DescribeStacksCommand, type ResourceStatus } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient, GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { fingerprintOf } from '../lambda/origin-key';
import { createVerifier } from '../lambda/verifier';
import { stack } from './rotation.fixtures';

// Made-up key values; only their fingerprints may appear in a notice.
const KEY_VALUE = 'Kx7Qb2Lm9Vt4Rw8Zc1Hn5Jp3Fd6Sg0Ya2Ue7Oi4';
const OLD_VALUE = 'Pq1Ws2Ed3Rf4Tg5Yh6Uj7Ik8Ol9Az0Sx1Dc2Fv3G';
const STACK_ID = stack().StackId!;
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:edge-api-RotationTopic-1';
const NOW = new Date('2026-11-23T10:10:00Z');
const CLOUDFRONT = 'https://d111111abcdef8.cloudfront.net';
const STAGE = 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod';
const OUTPUTS = [
  { OutputKey: 'ApiKeyId', OutputValue: 'newkey0001' },
  { OutputKey: 'UsagePlanId', OutputValue: 'plan01' },
  { OutputKey: 'DistributionId', OutputValue: 'E2QWRUHEXAMPLE' },
  // A custom domain needs DNS; the verifier probes the distribution's own name, which does not.
  { OutputKey: 'CloudFrontURL', OutputValue: 'https://api.example.com' },
  { OutputKey: 'DistributionURL', OutputValue: CLOUDFRONT },
  { OutputKey: 'ApiStageURL', OutputValue: STAGE },
];

const cloudformation = mockClient(CloudFormationClient);
const apigateway = mockClient(APIGatewayClient);
const cloudfront = mockClient(CloudFrontClient);
const sns = mockClient(SNSClient);
let responses: Record<string, number>;
let written: string[];

const verify = createVerifier({
  cloudformation: new CloudFormationClient({ region: 'eu-west-1' }),
  apigateway: new APIGatewayClient({ region: 'eu-west-1' }),
  cloudfront: new CloudFrontClient({ region: 'eu-west-1' }),
  sns: new SNSClient({ region: 'eu-west-1' }),
  get: async (url) => {
    if (!(url in responses)) throw new Error(`unexpected request to ${url}`);
    return { status: responses[url] };
  },
  healthCheckPath: '/pets',
  stackName: 'edge-api',
  topicArn: TOPIC,
  now: () => NOW,
  write: (line) => written.push(line),
});

const stackStatusEvent = (status: string, stackId = STACK_ID) => ({
  'detail-type': 'CloudFormation Stack Status Change',
  source: 'aws.cloudformation',
  detail: { 'stack-id': stackId, 'client-request-token': 'rotate-2026-11-23T10-00-00Z', 'status-details': { status } },
});
const distributionEvent = { 'detail-type': 'CloudFormation Resource Status Change', detail: { 'stack-id': STACK_ID, 'logical-resource-id': 'Distribution', 'status-details': { status: 'UPDATE_COMPLETE' } } };
const header = (value: string) =>
  cloudfront.on(GetDistributionConfigCommand).resolves({
    DistributionConfig: { Origins: { Quantity: 1, Items: [{ Id: 'api', DomainName: new URL(STAGE).hostname, CustomHeaders: { Quantity: 1, Items: [{ HeaderName: 'x-api-key', HeaderValue: value }] } }] } } as never,
  });
/** A stack event of the rotation the events above name, as DescribeStackEvents gives it. */
const event = (id: string, LogicalResourceId: string, ResourceStatus: ResourceStatus, ResourceStatusReason?: string) =>
  ({ StackId: STACK_ID, StackName: 'edge-api', EventId: id, Timestamp: NOW, LogicalResourceId, ResourceStatus, ResourceStatusReason, ClientRequestToken: 'rotate-2026-11-23T10-00-00Z' });
const metrics = () => written.map((line) => JSON.parse(line)).map(({ _aws, StackName, ...values }) => ({ namespace: _aws.CloudWatchMetrics[0].Namespace, StackName, ...values }));
/** The notice as e-mail gets it (SNS's "default" text); `notice.test.ts` covers the chat form. */
const notice = () => {
  const { Message, ...input } = sns.commandCalls(PublishCommand)[0].args[0].input;
  return { ...input, Message: JSON.parse(Message!).default as string };
};

beforeEach(() => {
  [cloudformation, apigateway, cloudfront, sns].forEach((mock) => mock.reset());
  written = [];
  responses = { [`${CLOUDFRONT}/pets`]: 200, [`${STAGE}/pets`]: 403 };
  cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Outputs: OUTPUTS })] });
  cloudformation.on(DescribeStackEventsCommand).resolves({ StackEvents: [event('2', 'edge-api', 'UPDATE_COMPLETE'), event('1', 'ApiKey', 'UPDATE_COMPLETE')] });
  apigateway.on(GetApiKeyCommand).resolves({ id: 'newkey0001', name: 'CloudFront-2026-11-23T10-00-00Z', value: KEY_VALUE, createdDate: new Date('2026-11-23T10:01:00Z') });
  apigateway.on(GetUsagePlanKeysCommand).resolves({ items: [{ id: 'newkey0001' }] });
  header(KEY_VALUE);
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
});

describe('the verifier, after an update that rotated the key', () => {
  it('confirms the rotation, sends a short notice and counts a success', async () => {
    await expect(verify(stackStatusEvent('UPDATE_COMPLETE'))).resolves.toBe('succeeded');

    expect(notice()).toMatchObject({ TopicArn: TOPIC, Subject: 'OK: API key rotation of edge-api' });
    expect(notice().Message).toContain(`Active key CloudFront-2026-11-23T10-00-00Z (newkey0001, fingerprint ${fingerprintOf(KEY_VALUE)})`);
    expect(metrics()).toEqual([{ namespace: 'CloudFrontApiKeyRotation', StackName: 'edge-api', RotationSucceeded: 1, RotationFailed: 0 }]);
  });

  it.each([
    ['CloudFront sends another key', () => header(OLD_VALUE), `CloudFront sends x-api-key ${fingerprintOf(OLD_VALUE)}, not the active key.`],
    ['CloudFront is refused', () => (responses[`${CLOUDFRONT}/pets`] = 403), `GET ${CLOUDFRONT}/pets through CloudFront answered 403.`],
    ['CloudFront cannot be reached', () => delete responses[`${CLOUDFRONT}/pets`], `GET ${CLOUDFRONT}/pets through CloudFront answered nothing.`],
    ['the API stage answers without a key', () => (responses[`${STAGE}/pets`] = 200), `GET ${STAGE}/pets without a key answered 200, not 403.`],
    [
      'the old key is still in the usage plan',
      () => apigateway.on(GetUsagePlanKeysCommand).resolves({ items: [{ id: 'newkey0001' }, { id: 'oldkey0001' }] }),
      'The usage plan holds newkey0001, oldkey0001, not just the active key.',
    ],
  ])('reports a failed verification when %s', async (_case, arrange, problem) => {
    arrange();

    await expect(verify(stackStatusEvent('UPDATE_COMPLETE'))).resolves.toBe('failed');

    expect(notice().Subject).toBe('ACTION NEEDED: API key rotation of edge-api');
    expect(notice().Message.split('\n')).toEqual([
      'Stack edge-api: rotated, but verification failed.',
      `Active key: CloudFront-2026-11-23T10-00-00Z (newkey0001, fingerprint ${fingerprintOf(KEY_VALUE)}).`,
      problem,
      'README runbook: "verification failed".',
    ]);
    expect(metrics()).toEqual([{ namespace: 'CloudFrontApiKeyRotation', StackName: 'edge-api', RotationSucceeded: 0, RotationFailed: 1 }]);
  });

  const GATE_REASON =
    'Received response status [FAILED] from custom resource. Message returned: The key gate stopped the rotation: the API did not accept ' +
    `the new key newkey0001. GET ${STAGE}/pets answered 403 (the last of 9 attempts over 300 s). CloudFront was not switched to it. (RequestId: r-1)`;
  const TRIGGER_REASON = 'Received ALARM state for alarm edge-api-OriginKeyRejectedAlarm-1';

  it.each([
    [
      'stopped at the key gate',
      [
        event('5', 'edge-api', 'UPDATE_ROLLBACK_COMPLETE'),
        event('4', 'edge-api', 'UPDATE_ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to update: [KeyGate].'),
        event('3', 'KeyGate', 'UPDATE_FAILED', GATE_REASON),
        event('2', 'ApiKey', 'UPDATE_COMPLETE'),
      ],
      `Cause: KeyGate UPDATE_FAILED: ${GATE_REASON}`,
    ],
    [
      'rolled back by its rollback trigger',
      [
        event('5', 'edge-api', 'UPDATE_ROLLBACK_COMPLETE'),
        event('4', 'ApiKey', 'UPDATE_COMPLETE'),
        event('3', 'edge-api', 'UPDATE_ROLLBACK_IN_PROGRESS', TRIGGER_REASON),
        event('2', 'ApiKey', 'UPDATE_COMPLETE'),
      ],
      `Cause: edge-api UPDATE_ROLLBACK_IN_PROGRESS: ${TRIGGER_REASON}`,
    ],
  ])('reports a rotation %s with the cause the stack events give, and the previous key still active', async (_case, StackEvents, cause) => {
    apigateway.on(GetApiKeyCommand).resolves({ id: 'oldkey0001', name: 'CloudFront-2026-11-22T10-00-00Z', value: OLD_VALUE, createdDate: new Date('2026-11-22T10:01:00Z') });
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Outputs: OUTPUTS.map((o) => (o.OutputKey === 'ApiKeyId' ? { ...o, OutputValue: 'oldkey0001' } : o)) })] });
    cloudformation.on(DescribeStackEventsCommand).resolves({ StackEvents });
    apigateway.on(GetUsagePlanKeysCommand).resolves({ items: [{ id: 'oldkey0001' }] });
    header(OLD_VALUE);

    await expect(verify(stackStatusEvent('UPDATE_ROLLBACK_COMPLETE'))).resolves.toBe('failed');

    expect(notice().Message.split('\n')).toEqual([
      'Stack edge-api: rotation ended in UPDATE_ROLLBACK_COMPLETE.',
      `Active key: CloudFront-2026-11-22T10-00-00Z (oldkey0001, fingerprint ${fingerprintOf(OLD_VALUE)}).`,
      cause,
      'README runbook: "UPDATE_ROLLBACK_COMPLETE".',
    ]);
  });

  it('never puts a key value in a notice or a metric', async () => {
    header(OLD_VALUE);

    await verify(stackStatusEvent('UPDATE_COMPLETE'));

    const published = JSON.stringify(sns.commandCalls(PublishCommand).map((call) => call.args[0].input)) + written.join('');
    expect(published).not.toContain(KEY_VALUE);
    expect(published).not.toContain(OLD_VALUE);
  });
});

describe('the verifier ignores', () => {
  it("another stack's events", async () => {
    const other = STACK_ID.replace('/edge-api/', '/other-api/');

    await expect(verify(stackStatusEvent('UPDATE_COMPLETE', other))).resolves.toBe('ignored');
    expect([cloudformation.calls(), apigateway.calls(), cloudfront.calls(), sns.calls()].flat()).toHaveLength(0);
  });

  it('an update that did not replace the key', async () => {
    cloudformation.on(DescribeStackEventsCommand).resolves({
      StackEvents: [{ StackId: STACK_ID, StackName: 'edge-api', EventId: '1', Timestamp: NOW, LogicalResourceId: 'RotationSchedule', ClientRequestToken: 'rotate-2026-11-23T10-00-00Z' }],
    });

    await expect(verify(stackStatusEvent('UPDATE_COMPLETE'))).resolves.toBe('ignored');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(written).toEqual([]);
  });

  // Anyone allowed to invoke the function can claim any outcome for a real rotation's token.
  it.each([
    ['a failure for a rotation that completed', [event('2', 'edge-api', 'UPDATE_COMPLETE'), event('1', 'ApiKey', 'UPDATE_COMPLETE')], 'UPDATE_ROLLBACK_COMPLETE'],
    ['a success for a rotation that rolled back', [event('3', 'edge-api', 'UPDATE_ROLLBACK_COMPLETE'), event('2', 'ApiKey', 'UPDATE_COMPLETE'), event('1', 'edge-api', 'UPDATE_IN_PROGRESS')], 'UPDATE_COMPLETE'],
    ['a success for a rotation still running', [event('2', 'ApiKey', 'UPDATE_COMPLETE'), event('1', 'edge-api', 'UPDATE_IN_PROGRESS')], 'UPDATE_COMPLETE'],
  ])('an outcome event that claims %s, sending no notice and counting nothing', async (_case, StackEvents, status) => {
    cloudformation.on(DescribeStackEventsCommand).resolves({ StackEvents });

    await expect(verify(stackStatusEvent(status))).resolves.toBe('ignored');
    expect(sns.calls()).toEqual([]);
    expect(written).toEqual([]);
  });

  it('an update without a client request token, even when an older key event has none either', async () => {
    cloudformation.on(DescribeStackEventsCommand).resolves({
      StackEvents: [{ StackId: STACK_ID, StackName: 'edge-api', EventId: '1', Timestamp: NOW, LogicalResourceId: 'ApiKey' }],
    });
    const event = stackStatusEvent('UPDATE_COMPLETE');
    delete (event.detail as { 'client-request-token'?: string })['client-request-token'];

    await expect(verify(event)).resolves.toBe('ignored');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });
});

describe('the verifier, once the new header is on every edge', () => {
  it.each([
    [403, 1],
    [401, 1],
    [200, 0],
    [404, 0],
  ])('counts a %i through CloudFront as %i origin key rejection', async (status, rejected) => {
    responses[`${CLOUDFRONT}/pets`] = status;

    await verify(distributionEvent);

    expect(metrics()[0]).toMatchObject({ OriginKeyRejected: rejected });
  });

  it('measures the age of the key being replaced, while both are in the usage plan', async () => {
    apigateway.on(GetUsagePlanKeysCommand).resolves({ items: [{ id: 'newkey0001' }, { id: 'oldkey0001' }] });
    apigateway.on(GetApiKeyCommand, { apiKey: 'oldkey0001' }).resolves({ id: 'oldkey0001', createdDate: new Date('2026-11-20T09:00:00Z') });

    await verify(distributionEvent);

    expect(metrics()).toEqual([{ namespace: 'CloudFrontApiKeyRotation', StackName: 'edge-api', OriginKeyRejected: 0, ReplacedKeyAgeDays: 3 }]);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });
});

describe('the verifier, daily', () => {
  it("measures the active key's age in days", async () => {
    apigateway.on(GetApiKeyCommand).resolves({ id: 'newkey0001', createdDate: new Date('2026-11-20T10:00:00Z') });

    await expect(verify({ 'detail-type': 'Scheduled Event' })).resolves.toBe('measured');

    expect(metrics()).toEqual([{ namespace: 'CloudFrontApiKeyRotation', StackName: 'edge-api', ActiveKeyAgeDays: 3 }]);
  });
});

describe('the verifier, when its reads fail', () => {
  const denied = Object.assign(new Error('User is not authorized to perform: cloudformation:DescribeStacks'), { name: 'AccessDenied' });

  it.each([
    ['the daily measurement', { 'detail-type': 'Scheduled Event' }],
    ['an update outcome', stackStatusEvent('UPDATE_COMPLETE')],
    ['a distribution update', distributionEvent],
  ])('fails the invocation for %s, so Lambda retries it and then sends it to the topic (VerifierInvokeConfig)', async (_case, event) => {
    cloudformation.on(DescribeStacksCommand).rejects(denied);

    await expect(verify(event)).rejects.toBe(denied);
    expect(written).toEqual([]);
  });
});
