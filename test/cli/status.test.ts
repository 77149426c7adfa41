import { APIGatewayClient, GetApiKeyCommand, GetUsagePlanKeysCommand } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStackEventsCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient, GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
import { mockClient } from 'aws-sdk-client-mock';
import { fingerprintOf as fingerprint } from '../../lambda/origin-key';
import { StackCreationFailedError, StackNotCreatedError } from '../../scripts/cli/errors';
import { collectStatus, intervalDays, printStatus } from '../../scripts/cli/status';
import { parseTemplate, readTemplate } from '../../scripts/template';
import { PARAMETERS, stack } from '../rotation.fixtures';
import { newestFirst, recordingOutput, stackEvent } from './cli.fixtures';

// Made-up key values for the test; real ones never leave AWS except through these calls.
const KEY_VALUE = 'Kx7Qb2Lm9Vt4Rw8Zc1Hn5Jp3Fd6Sg0Ya2Ue7Oi4';
const OTHER_VALUE = 'Pq1Ws2Ed3Rf4Tg5Yh6Uj7Ik8Ol9Az0Sx1Dc2Fv3G';
const NOW = new Date('2026-11-22T12:00:00Z');
const OUTPUTS = [
  { OutputKey: 'ApiKeyId', OutputValue: 'm2m1k7sybf' },
  { OutputKey: 'UsagePlanId', OutputValue: 'plan01' },
  { OutputKey: 'DistributionId', OutputValue: 'E2QWRUHEXAMPLE' },
];

const cloudformation = mockClient(CloudFormationClient);
const apigateway = mockClient(APIGatewayClient);
const cloudfront = mockClient(CloudFrontClient);
const scheduleMap = parseTemplate(readTemplate()).Mappings.ScheduleMap;
const status = () =>
  collectStatus('edge-api', {
    cloudformation: new CloudFormationClient({ region: 'eu-west-1' }),
    apigateway: new APIGatewayClient({ region: 'eu-west-1' }),
    cloudfront: new CloudFrontClient({ region: 'eu-west-1' }),
    scheduleMap,
    now: () => NOW,
  });
const header = (value: string) =>
  cloudfront.on(GetDistributionConfigCommand).resolves({
    DistributionConfig: {
      Origins: { Quantity: 1, Items: [{ Id: 'api', DomainName: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com', CustomHeaders: { Quantity: 1, Items: [{ HeaderName: 'x-api-key', HeaderValue: value }] } }] },
    } as never,
  });
const keyCreated = (created: string) =>
  apigateway.on(GetApiKeyCommand).resolves({ id: 'm2m1k7sybf', name: 'CloudFront-2026-11-22T01-57-00Z', enabled: true, value: KEY_VALUE, createdDate: new Date(created) });

beforeEach(() => {
  [cloudformation, apigateway, cloudfront].forEach((mock) => mock.reset());
  cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Outputs: OUTPUTS })] }); // Monthly schedule
  cloudformation.on(DescribeStackEventsCommand).resolves(newestFirst([
    stackEvent('edge-api', 'UPDATE_IN_PROGRESS', 0),
    stackEvent('ApiKey', 'UPDATE_IN_PROGRESS', 1),
    stackEvent('edge-api', 'UPDATE_COMPLETE', 300),
  ]));
  keyCreated('2026-11-22T01:57:00Z');
  apigateway.on(GetUsagePlanKeysCommand).resolves({ items: [{ id: 'm2m1k7sybf', name: 'CloudFront-2026-11-22T01-57-00Z', type: 'API_KEY' }] });
  header(KEY_VALUE);
});

describe('status', () => {
  it('reports a healthy stack: one key in the plan, matching header, last rotation complete', async () => {
    const report = await status();

    expect(report).toMatchObject({
      status: 'UPDATE_COMPLETE',
      timestamp: '2026-10-23T01-57-00Z',
      schedule: { name: 'Monthly', rate: 'rate(30 days)', intervalDays: 30 },
      activeKey: { id: 'm2m1k7sybf', name: 'CloudFront-2026-11-22T01-57-00Z', ageHours: 10, overdue: false },
      usagePlanKeys: [{ id: 'm2m1k7sybf', name: 'CloudFront-2026-11-22T01-57-00Z' }],
      fingerprints: { key: fingerprint(KEY_VALUE), header: fingerprint(KEY_VALUE), match: true },
      lastRotation: { outcome: 'UPDATE_COMPLETE' },
      healthy: true,
      problems: [],
    });
  });

  it.each([
    ['the header differs from the key', () => header(OTHER_VALUE), 'CloudFront sends a different x-api-key'],
    ['the key is older than its interval plus an hour', () => keyCreated('2026-10-23T10:59:00Z'), 'The active key is 30 days old'],
    [
      'a failed cleanup left two keys in the plan',
      () => apigateway.on(GetUsagePlanKeysCommand).resolves({ items: [{ id: 'm2m1k7sybf', name: 'new' }, { id: 'oldoldold1', name: 'old' }] }),
      'holds 2 keys',
    ],
    [
      'the last rotation rolled back',
      () => cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Outputs: OUTPUTS, StackStatus: 'UPDATE_ROLLBACK_COMPLETE' })] }),
      'its last update was rolled back',
    ],
  ])('is unhealthy when %s', async (_case, arrange, problem) => {
    arrange();

    const report = await status();

    expect(report.healthy).toBe(false);
    expect(report.problems).toEqual([expect.stringContaining(problem)]);
  });

  it('expects two keys and a changing header while a rotation is in progress', async () => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Outputs: OUTPUTS, StackStatus: 'UPDATE_IN_PROGRESS' })] });
    apigateway.on(GetUsagePlanKeysCommand).resolves({ items: [{ id: 'm2m1k7sybf', name: 'a' }, { id: 'newnewnew1', name: 'b' }] });
    header(OTHER_VALUE);

    await expect(status()).resolves.toMatchObject({ healthy: true });
  });

  it('keeps going when the schedule parameter is unknown, but cannot judge overdue', async () => {
    const parameters = PARAMETERS.map((p) => (p.ParameterKey === 'ApiKeyRotationSchedule' ? { ...p, ParameterValue: 'Hourly' } : p));
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Outputs: OUTPUTS, Parameters: parameters })] });

    await expect(status()).resolves.toMatchObject({ schedule: { intervalDays: null }, activeKey: { overdue: false } });
  });

  it('prints fingerprints, never a key value', async () => {
    header(OTHER_VALUE);
    const output = recordingOutput();

    printStatus(await status(), output);

    const text = output.lines.join('\n');
    expect(text).toContain(`CloudFront sends ${fingerprint(OTHER_VALUE)}, active key is ${fingerprint(KEY_VALUE)}`);
    expect(text).toContain('MISMATCH');
    expect(text).not.toContain(KEY_VALUE);
    expect(text).not.toContain(OTHER_VALUE);
    expect(JSON.stringify(await status())).not.toContain(KEY_VALUE);
  });
});

describe('intervalDays', () => {
  it.each([
    ['rate(1 day)', 1],
    ['rate(14 days)', 14],
    ['rate(90 days)', 90],
    ['cron(0 0 * * ? *)', null],
  ])('reads %s as %p', (rate, days) => {
    expect(intervalDays(rate)).toBe(days);
  });
});

describe('status, when a read fails', () => {
  const error = (name: string, message: string) => Object.assign(new Error(message), { name });

  it('reports the rest and marks what it could not read as unknown, not as a mismatch', async () => {
    cloudfront.on(GetDistributionConfigCommand).rejects(error('AccessDenied', 'User is not authorized to perform: cloudfront:GetDistributionConfig'));

    const report = await status();

    expect(report).toMatchObject({
      healthy: false,
      problems: [],
      unread: ['the distribution E2QWRUHEXAMPLE (AccessDenied: User is not authorized to perform: cloudfront:GetDistributionConfig)'],
      activeKey: { id: 'm2m1k7sybf' },
      usagePlanKeys: [{ id: 'm2m1k7sybf' }],
      fingerprints: { key: fingerprint(KEY_VALUE), header: null, match: false },
    });
    const output = recordingOutput();
    printStatus(report, output);
    expect(output.lines).toContain(`Header        CloudFront sends unknown, active key is ${fingerprint(KEY_VALUE)}: not compared`);
    expect(output.lines).toContain('Unknown: these could not be read, so their part of the report is unknown:');
    expect(output.lines.join('\n')).not.toMatch(/Healthy|MISMATCH/);
  });

  it.each([
    ['the active key', () => apigateway.on(GetApiKeyCommand).rejects(error('NotFoundException', 'Invalid API Key identifier specified')), 'The active key m2m1k7sybf (the ApiKeyId output) no longer exists'],
    ['the distribution', () => cloudfront.on(GetDistributionConfigCommand).rejects(error('NoSuchDistribution', 'The specified distribution does not exist.')), 'The distribution E2QWRUHEXAMPLE no longer exists'],
  ])('reports %s deleted outside the stack as unhealthy, not as an unexpected error', async (_case, arrange, problem) => {
    arrange();

    const report = await status();

    expect(report.healthy).toBe(false);
    expect(report.problems).toEqual([expect.stringContaining(problem)]);
    expect(report.unread).toEqual([]);
  });
});

it.each([
  ['whose first create failed', 'ROLLBACK_COMPLETE', StackCreationFailedError],
  ['that holds only a change set', 'REVIEW_IN_PROGRESS', StackNotCreatedError],
] as const)('refuses a stack %s with the remedy, instead of reporting missing parts', async (_case, StackStatus, errorClass) => {
  cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ StackStatus, Parameters: [] })] });

  await expect(status()).rejects.toBeInstanceOf(errorClass);
});
