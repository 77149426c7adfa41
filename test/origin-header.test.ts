import { CloudFrontClient, type DistributionConfig, GetDistributionCommand, GetDistributionConfigCommand, UpdateDistributionCommand } from '@aws-sdk/client-cloudfront';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { ANSWER_MARGIN_MS } from '../lambda/key-gate';
import { type HeaderEvent, LONGEST_WAIT_MS, createOriginHeader, physicalIdOf } from '../lambda/origin-header';
import { withApiKeyHeader } from './distribution.fixtures';
import { OLD_SECRET_ARN, SECRET_ARN, STACK_ID, gateEvent } from './key-gate.fixtures';

// Made-up key values: each may appear in the UpdateDistribution request and nowhere else.
const KEY_VALUE = 'Gq4Tz8Wm1Lp6Xv3Nb9Rc2Hd7Js5Ky0Fa8Ue3Oi1P';
const OLD_KEY_VALUE = 'Pz1Oi3Ue8Fa0Ky5Js7Hd2Rc9Nb3Xv6Lp1Wm8Tz4Gq';
const DISTRIBUTION_ID = 'E2QWRUHAPOMQZL';
const API_DOMAIN = 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com';
const FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:edge-api-OriginHeaderFunction-1';

/** A team's distribution: a site in S3 by default, the API under /api/*, and a partner origin with a header of its own. */
function teamDistribution(apiHeaders: Array<{ HeaderName: string; HeaderValue: string }> = []): DistributionConfig {
  return {
    CallerReference: 'team-site',
    Comment: 'www and api',
    Enabled: true,
    Origins: {
      Quantity: 3,
      Items: [
        { Id: 'site', DomainName: 'site.s3.eu-west-1.amazonaws.com', S3OriginConfig: { OriginAccessIdentity: '' }, CustomHeaders: { Quantity: 0, Items: [] } },
        {
          Id: 'api', DomainName: API_DOMAIN, OriginPath: '/prod',
          CustomHeaders: { Quantity: apiHeaders.length, Items: apiHeaders },
          CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'https-only' },
        },
        {
          Id: 'partner', DomainName: 'partner.example.com',
          CustomHeaders: { Quantity: 1, Items: [{ HeaderName: 'x-api-key', HeaderValue: 'the-partners-own-key' }] },
          CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'https-only' },
        },
      ],
    },
    DefaultCacheBehavior: { TargetOriginId: 'site', ViewerProtocolPolicy: 'redirect-to-https' },
    CacheBehaviors: { Quantity: 1, Items: [{ PathPattern: '/api/*', TargetOriginId: 'api', ViewerProtocolPolicy: 'https-only' }] },
  };
}

const cloudfront = mockClient(CloudFrontClient);
const secrets = mockClient(SecretsManagerClient);
const lambda = mockClient(LambdaClient);
let clock: number;
let remainingMs: number;
let sleeps: number[];
let answers: Array<Record<string, unknown>>;
let logs: string[];

const headerFunction = (stackId = STACK_ID) => createOriginHeader({
  stackId,
  distributionId: DISTRIBUTION_ID,
  originDomain: API_DOMAIN,
  cloudfront: new CloudFrontClient({ region: 'us-east-1' }),
  secrets: new SecretsManagerClient({ region: 'eu-west-1' }),
  lambda: new LambdaClient({ region: 'eu-west-1' }),
  put: async (_url, body) => void answers.push(JSON.parse(body)),
  now: () => clock,
  sleep: async (ms) => {
    sleeps.push(ms);
    clock += ms;
    remainingMs -= ms;
  },
  log: (record) => logs.push(JSON.stringify(record)),
});

const context = () => ({ invokedFunctionArn: FUNCTION_ARN, getRemainingTimeInMillis: () => remainingMs });

function headerEvent(type: 'Create' | 'Update' | 'Delete', properties: Record<string, string> = {}, request: { StackId?: string } = {}): HeaderEvent {
  const event = gateEvent(type, { DistributionId: DISTRIBUTION_ID, ...properties }, request);
  return { ...event, LogicalResourceId: 'OriginHeader', ...('PhysicalResourceId' in event && { PhysicalResourceId: physicalIdOf(DISTRIBUTION_ID) }) } as HeaderEvent;
}

/** The distribution answers `statuses` to GetDistribution, in turn, the last one from then on. */
function distributionStatuses(...statuses: string[]) {
  const stub = cloudfront.on(GetDistributionCommand);
  statuses.forEach((Status) => stub.resolvesOnce({ Distribution: { Id: DISTRIBUTION_ID, DomainName: 'd111111abcdef8.cloudfront.net', Status } as never }));
  stub.resolves({ Distribution: { Id: DISTRIBUTION_ID, DomainName: 'd111111abcdef8.cloudfront.net', Status: statuses.at(-1) } as never });
}

const written = () => cloudfront.commandCalls(UpdateDistributionCommand).map((c) => c.args[0].input);
const everythingShown = () => JSON.stringify([answers, logs, lambda.calls().map((c) => c.args[0].input)]);

beforeEach(() => {
  cloudfront.reset();
  secrets.reset();
  lambda.reset();
  clock = Date.parse('2026-11-23T10:00:00Z');
  remainingMs = 900_000;
  sleeps = [];
  answers = [];
  logs = [];
  secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: KEY_VALUE });
  secrets.on(GetSecretValueCommand, { SecretId: OLD_SECRET_ARN }).resolves({ SecretString: OLD_KEY_VALUE });
  cloudfront.on(GetDistributionConfigCommand).resolves({ DistributionConfig: teamDistribution(), ETag: 'E1' });
  cloudfront.on(UpdateDistributionCommand).resolves({ ETag: 'E2' });
  distributionStatuses('InProgress', 'InProgress', 'Deployed');
});

describe('the origin header on an existing distribution', () => {
  it('sets x-api-key on the API origin alone, keeps the rest of the configuration, and answers once Deployed', async () => {
    const answer = await headerFunction()(headerEvent('Create'), context());

    expect(written()).toEqual([{ Id: DISTRIBUTION_ID, IfMatch: 'E1', DistributionConfig: withApiKeyHeader(teamDistribution(), KEY_VALUE) }]);
    expect(sleeps).toEqual([1_000, 2_000]);
    expect(answer).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: physicalIdOf(DISTRIBUTION_ID), Data: { DomainName: 'd111111abcdef8.cloudfront.net' } });
    expect(answers).toEqual([answer]);
    expect(everythingShown()).not.toContain(KEY_VALUE);
  });

  it.each([
    ['an x-api-key of another spelling', [{ HeaderName: 'X-Api-Key', HeaderValue: 'set-by-hand-before' }]],
    ['two x-api-key headers', [{ HeaderName: 'x-api-key', HeaderValue: 'a' }, { HeaderName: 'x-api-key', HeaderValue: 'b' }]],
  ])('replaces %s on the API origin with one header', async (_case, headers) => {
    cloudfront.on(GetDistributionConfigCommand).resolves({ DistributionConfig: teamDistribution(headers), ETag: 'E1' });

    await headerFunction()(headerEvent('Create'), context());

    expect(written()[0].DistributionConfig).toEqual(withApiKeyHeader(teamDistribution(), KEY_VALUE));
  });

  it('puts the previous key back on the rollback\'s Update with the previous properties, and waits for it', async () => {
    cloudfront.on(GetDistributionConfigCommand).resolves({ DistributionConfig: withApiKeyHeader(teamDistribution(), KEY_VALUE), ETag: 'E5' });
    const rollback = headerEvent('Update', { SecretArn: OLD_SECRET_ARN, KeyId: 'oldkey0001' });

    const answer = await headerFunction()(rollback, context());

    expect(written()).toEqual([{ Id: DISTRIBUTION_ID, IfMatch: 'E5', DistributionConfig: withApiKeyHeader(teamDistribution(), OLD_KEY_VALUE) }]);
    expect(answer).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: physicalIdOf(DISTRIBUTION_ID) });
  });

  it('writes nothing when the header already carries the key, and still answers only once Deployed', async () => {
    cloudfront.on(GetDistributionConfigCommand).resolves({ DistributionConfig: withApiKeyHeader(teamDistribution(), KEY_VALUE), ETag: 'E1' });

    const answer = await headerFunction()(headerEvent('Create'), context());

    expect(written()).toEqual([]);
    expect(cloudfront.commandCalls(GetDistributionCommand)).toHaveLength(3);
    expect(answer?.Status).toBe('SUCCESS');
  });

  it('fails, changing nothing, when no origin is the API stage', async () => {
    const elsewhere = teamDistribution();
    elsewhere.Origins!.Items = elsewhere.Origins!.Items!.filter((o) => o.Id !== 'api');
    cloudfront.on(GetDistributionConfigCommand).resolves({ DistributionConfig: elsewhere, ETag: 'E1' });

    const answer = await headerFunction()(headerEvent('Create'), context());

    expect(written()).toEqual([]);
    expect(answer).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining(`NoApiOriginError: Distribution ${DISTRIBUTION_ID} has no origin with the domain ${API_DOMAIN}`) });
  });

  it('reads and writes again when someone else changed the distribution in between', async () => {
    const stale = Object.assign(new Error('The If-Match version is missing or not valid.'), { name: 'PreconditionFailed' });
    cloudfront.on(UpdateDistributionCommand).rejectsOnce(stale).resolves({ ETag: 'E3' });
    cloudfront.on(GetDistributionConfigCommand).resolvesOnce({ DistributionConfig: teamDistribution(), ETag: 'E1' }).resolves({ DistributionConfig: teamDistribution(), ETag: 'E2' });

    const answer = await headerFunction()(headerEvent('Create'), context());

    expect(written().map((w) => w.IfMatch)).toEqual(['E1', 'E2']);
    expect(answer?.Status).toBe('SUCCESS');
  });

  it('fails after three concurrent changes in a row', async () => {
    cloudfront.on(UpdateDistributionCommand).rejects(Object.assign(new Error('stale'), { name: 'PreconditionFailed' }));

    const answer = await headerFunction()(headerEvent('Create'), context());

    expect(written()).toHaveLength(3);
    expect(answer).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('ConcurrentChangeError') });
  });

  it.each([
    ['another stack', headerEvent('Create', {}, { StackId: STACK_ID.replace('edge-api', 'edge-api-x') }), 'ForeignStackError'],
    ['a secret of another stack', headerEvent('Create', { SecretArn: SECRET_ARN.replace('edge-api/', 'edge-api-x/') }), 'ForeignSecretError'],
    ['another distribution', headerEvent('Create', { DistributionId: 'E3NEIGHBOUR00' }), 'ForeignDistributionError'],
  ])('refuses a request for %s, reading and changing nothing', async (_case, event, error) => {
    const answer = await headerFunction()(event, context());

    expect(answer).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(new RegExp(`^${error}: `)) });
    expect(secrets.calls()).toEqual([]);
    expect(cloudfront.calls()).toEqual([]);
  });
});

describe('a stack moved to another distribution', () => {
  it('answers the rollback of the move, which names the previous distribution, with that distribution\'s ID, changing nothing', async () => {
    const rollback = { ...headerEvent('Update', { DistributionId: 'E1PREVIOUS000' }), PhysicalResourceId: physicalIdOf('E1PREVIOUS000') } as HeaderEvent;

    const answer = await headerFunction()(rollback, context());

    expect(cloudfront.calls()).toEqual([]);
    expect(secrets.calls()).toEqual([]);
    expect(answer).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: physicalIdOf('E1PREVIOUS000'), Reason: expect.stringContaining('left as it is') });
  });

  it('answers the move itself with the new distribution\'s ID, so that CloudFormation deletes the old resource', async () => {
    const move = { ...headerEvent('Update'), PhysicalResourceId: physicalIdOf('E1PREVIOUS000') } as HeaderEvent;

    const answer = await headerFunction()(move, context());

    expect(answer).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: physicalIdOf(DISTRIBUTION_ID) });
  });
});

describe('a deployment longer than the function may run', () => {
  it('hands the wait to a new invocation of itself, with the time the request came, and answers nothing yet', async () => {
    distributionStatuses('InProgress');
    remainingMs = ANSWER_MARGIN_MS + 5_000;
    const event = headerEvent('Create');
    const started = clock;

    const answer = await headerFunction()(event, context());

    expect(answer).toBeUndefined();
    expect(answers).toEqual([]);
    const [invoke] = lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input);
    expect(invoke).toMatchObject({ FunctionName: FUNCTION_ARN, InvocationType: 'Event' });
    expect(JSON.parse(invoke.Payload as string)).toEqual({ ...event, Continuation: { startedAt: started } });
  });

  it('does not write again in the continuation, and answers once Deployed', async () => {
    const event = { ...headerEvent('Create'), Continuation: { startedAt: clock - 20 * 60_000 } };

    const answer = await headerFunction()(event, context());

    expect(written()).toEqual([]);
    expect(answer).toMatchObject({ Status: 'SUCCESS', Reason: expect.stringContaining('Deployed after 1203 s') });
  });

  it('fails before CloudFormation\'s hour is up when the distribution never deploys', async () => {
    distributionStatuses('InProgress');
    const event = { ...headerEvent('Create'), Continuation: { startedAt: clock - LONGEST_WAIT_MS + 3_000 } };

    const answer = await headerFunction()(event, context());

    expect(answer).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('NotDeployedError') });
    expect(lambda.commandCalls(InvokeCommand)).toEqual([]);
  });
});

describe('releasing the distribution (Delete)', () => {
  it('removes the header when it is still this stack\'s key, and nothing else', async () => {
    cloudfront.on(GetDistributionConfigCommand).resolves({ DistributionConfig: withApiKeyHeader(teamDistribution(), KEY_VALUE), ETag: 'E7' });

    const answer = await headerFunction()(headerEvent('Delete'), context());

    expect(written()).toEqual([{ Id: DISTRIBUTION_ID, IfMatch: 'E7', DistributionConfig: teamDistribution() }]);
    expect(answer).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: physicalIdOf(DISTRIBUTION_ID) });
  });

  it.each([
    ['a header changed by hand since', () => cloudfront.on(GetDistributionConfigCommand).resolves({ DistributionConfig: withApiKeyHeader(teamDistribution(), 'typed-in-by-hand'), ETag: 'E7' }), 'not this stack\'s key'],
    ['a distribution deleted since', () => cloudfront.on(GetDistributionConfigCommand).rejects(Object.assign(new Error('gone'), { name: 'NoSuchDistribution' })), 'no longer exists'],
    ['a key secret deleted since', () => secrets.on(GetSecretValueCommand).rejects(Object.assign(new Error('gone'), { name: 'ResourceNotFoundException' })), 'key secret is gone'],
  ])('leaves %s as it is, and succeeds', async (_case, arrange, reason) => {
    arrange();

    const answer = await headerFunction()(headerEvent('Delete'), context());

    expect(written()).toEqual([]);
    expect(answer).toMatchObject({ Status: 'SUCCESS', Reason: expect.stringContaining(reason) });
  });

  it('leaves the header of a distribution the stack no longer names, which this function may not change', async () => {
    const event = { ...headerEvent('Delete'), PhysicalResourceId: physicalIdOf('E1PREVIOUS000') } as HeaderEvent;

    const answer = await headerFunction()(event, context());

    expect(cloudfront.calls()).toEqual([]);
    expect(answer).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: physicalIdOf('E1PREVIOUS000'), Reason: expect.stringContaining('remove it by hand') });
  });
});
