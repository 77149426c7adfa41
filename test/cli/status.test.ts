import { type ApiStage, APIGatewayClient, GetApiKeyCommand, GetUsagePlanCommand, GetUsagePlanKeysCommand } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStackEventsCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient, GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
import { mockClient } from 'aws-sdk-client-mock';
import { fingerprintOf as fingerprint } from '../../lambda/origin-key';
import { main } from '../../scripts/cli/main';
import { StackCreationFailedError, StackNotCreatedError } from '../../scripts/cli/errors';
import { EXIT_FAILED } from '../../scripts/cli/failure';
import { collectStatus, intervalDays, printStatus } from '../../scripts/cli/status';
import { carriedTemplate } from '../../scripts/template';
import { PARAMETERS, stack } from '../rotation.fixtures';
import { newestFirst, noSleep, recordingOutput, sdkClients, stackEvent } from './cli.fixtures';

// Made-up key values for the test; real ones never leave AWS except through these calls.
const KEY_VALUE = 'Kx7Qb2Lm9Vt4Rw8Zc1Hn5Jp3Fd6Sg0Ya2Ue7Oi4';
const OTHER_VALUE = 'Pq1Ws2Ed3Rf4Tg5Yh6Uj7Ik8Ol9Az0Sx1Dc2Fv3G';
const NOW = new Date('2026-11-22T12:00:00Z');
const OUTPUTS = [
  { OutputKey: 'ApiKeyId', OutputValue: 'm2m1k7sybf' },
  { OutputKey: 'UsagePlanId', OutputValue: 'plan01' },
  { OutputKey: 'DistributionId', OutputValue: 'E2QWRUHEXAMPLE' },
  { OutputKey: 'ApiKeySecretArn', OutputValue: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:edge-api/cloudfront-api-key/2026-10-23T01-57-00Z-AbCdEf' },
  { OutputKey: 'CloudFrontURL', OutputValue: 'https://d111111abcdef8.cloudfront.net' },
];

const cloudformation = mockClient(CloudFormationClient);
const apigateway = mockClient(APIGatewayClient);
const cloudfront = mockClient(CloudFrontClient);
const carried = carriedTemplate();
const statusDependencies = {
  cloudformation: new CloudFormationClient({ region: 'eu-west-1' }),
  apigateway: new APIGatewayClient({ region: 'eu-west-1' }),
  cloudfront: new CloudFrontClient({ region: 'eu-west-1' }),
  ...carried,
  now: () => NOW,
};
const status = () => collectStatus('edge-api', statusDependencies);
/** The distribution's one origin, the stage `api`, sends x-api-key `value`. */
const header = (value: string, api = 'a1b2c3d4e5') =>
  cloudfront.on(GetDistributionConfigCommand).resolves({
    DistributionConfig: {
      Origins: { Quantity: 1, Items: [{ Id: 'api', DomainName: `${api}.execute-api.eu-west-1.amazonaws.com`, CustomHeaders: { Quantity: 1, Items: [{ HeaderName: 'x-api-key', HeaderValue: value }] } }] },
    } as never,
  });
/** The stage PARAMETERS' ApiURL names, which the template puts in the usage plan. */
const OWN_STAGE = { apiId: 'a1b2c3d4e5', stage: 'prod' };
const planStages = (...apiStages: ApiStage[]) => apigateway.on(GetUsagePlanCommand, { usagePlanId: 'plan01' }).resolves({ id: 'plan01', apiStages });
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
  planStages(OWN_STAGE);
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

  it("reads the schedule of a stack the CDK construct made, which has it in the template and names it in the RotationSchedule output", async () => {
    const parameters = PARAMETERS.filter((p) => p.ParameterKey === 'Timestamp');
    const outputs = [...OUTPUTS, { OutputKey: 'RotationSchedule', OutputValue: 'Quarterly (rate(90 days))' }];
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Outputs: outputs, Parameters: parameters })] });

    await expect(status()).resolves.toMatchObject({ schedule: { name: 'Quarterly', rate: 'rate(90 days)', intervalDays: 90 } });
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

describe('status, on the stages the usage plan names', () => {
  const OTHER_API = { apiId: 'f6g7h8i9j0', stage: 'prod', throttle: { '/pets/GET': { rateLimit: 1000, burstLimit: 2000 } } };
  const DEMO_STAGE = { apiId: 'd3m0ap1abc', stage: 'prod' };
  const DEMO_PARAMETERS = PARAMETERS.map((p) => (p.ParameterKey === 'ApiURL' ? { ...p, ParameterValue: '' } : p));
  const demoStack = (outputs = [...OUTPUTS, { OutputKey: 'ApiStageURL', OutputValue: 'https://d3m0ap1abc.execute-api.eu-west-1.amazonaws.com/prod' }]) => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Outputs: outputs, Parameters: DEMO_PARAMETERS })] });
    header(KEY_VALUE, 'd3m0ap1abc');
  };
  const EXTRA_STAGE_PROBLEM = "The usage plan plan01 names stage f6g7h8i9j0/prod besides a1b2c3d4e5/prod, the one stage the stack's parameters give it: this stack's key is valid there. Remove it from the usage plan, or deploy the stack again from this template (which resets its ApiStages), and check who can update the stack or its service role.";

  it.each([
    ['ApiURL gives it', () => undefined],
    ['the demo API has', () => (demoStack(), planStages(DEMO_STAGE))],
  ])('is healthy when the plan names only the stage %s', async (_case, arrange) => {
    arrange();

    const report = await status();

    expect(report).toMatchObject({ healthy: true, problems: [], unread: [] });
  });

  it.each([
    ["another API's stage besides its own", () => planStages(OWN_STAGE, OTHER_API), EXTRA_STAGE_PROBLEM],
    [
      'another stage of its API instead of its own',
      () => planStages({ apiId: 'a1b2c3d4e5', stage: 'test' }),
      'names stage a1b2c3d4e5/test instead of a1b2c3d4e5/prod',
    ],
    [
      "other APIs' stages besides the demo API's",
      () => (demoStack(), planStages(DEMO_STAGE, OWN_STAGE, OTHER_API)),
      'names stages a1b2c3d4e5/prod, f6g7h8i9j0/prod besides d3m0ap1abc/prod',
    ],
    ['no stage at all', () => planStages(), 'names no stage, not even a1b2c3d4e5/prod'],
  ])('is unhealthy when the plan names %s', async (_case, arrange, problem) => {
    arrange();

    const report = await status();

    expect(report.healthy).toBe(false);
    expect(report.problems).toEqual([expect.stringContaining(problem)]);
  });

  it('exits 1, as for any unhealthy stack, with one line naming the stage and no key value', async () => {
    planStages(OWN_STAGE, OTHER_API);
    const output = recordingOutput();
    const clients = () => sdkClients();

    const exitCode = await main(['status', '--stack-name', 'edge-api'], { output, clients, now: () => NOW, sleep: noSleep, nodeVersion: 'v24.9.0' });

    expect(exitCode).toBe(EXIT_FAILED);
    expect(output.lines).toContain(`  - ${EXTRA_STAGE_PROBLEM}`);
    expect(output.lines.join('\n')).not.toContain(KEY_VALUE);
  });

  it('says the stage is unknown for a demo-API stack without the ApiStageURL output, instead of passing it', async () => {
    demoStack(OUTPUTS);

    const report = await status();

    expect(report.problems).toEqual([expect.stringContaining('lacks the ApiStageURL output')]);
  });

  it('leaves the stages unjudged while an update is in progress, since ApiURL changes before the plan', async () => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Outputs: OUTPUTS, StackStatus: 'UPDATE_IN_PROGRESS' })] });
    planStages({ apiId: 'f6g7h8i9j0', stage: 'prod' });

    await expect(status()).resolves.toMatchObject({ healthy: true, problems: [] });
  });

  it('reports a denied read of the plan as unknown, and the rest of the report as read', async () => {
    const denied = Object.assign(new Error('User is not authorized to perform: apigateway:GET on resource: arn:aws:apigateway:eu-west-1::/usageplans/plan01'), { name: 'AccessDeniedException' });
    apigateway.on(GetUsagePlanCommand).rejects(denied);

    const report = await status();

    expect(report).toMatchObject({
      healthy: false,
      problems: [],
      unread: [`the stages of the usage plan plan01 (AccessDeniedException: ${denied.message})`],
      usagePlanKeys: [{ id: 'm2m1k7sybf' }],
    });
    const output = recordingOutput();
    printStatus(report, output);
    expect(output.lines).toContain('Usage plan    1 key(s): CloudFront-2026-11-22T01-57-00Z (m2m1k7sybf)');
  });
});

describe('status, on what clients get through CloudFront', () => {
  const DISTRIBUTION_URL = 'https://d111111abcdef8.cloudfront.net';
  let asked: string[];
  const throughCloudFront = (answer: number) =>
    collectStatus('edge-api', {
      ...statusDependencies,
      edge: async (url) => {
        asked.push(url);
        return answer;
      },
    });

  beforeEach(() => {
    asked = [];
    cloudformation.on(DescribeStacksCommand).resolves({
      Stacks: [stack({ Outputs: [...OUTPUTS, { OutputKey: 'DistributionURL', OutputValue: DISTRIBUTION_URL }], Parameters: [...PARAMETERS, { ParameterKey: 'HealthCheckPath', ParameterValue: '/health' }] })],
    });
  });

  it('requests the health-check path through the distribution, as the verifier does, and is healthy on 2xx', async () => {
    const report = await throughCloudFront(200);

    expect(asked).toEqual([`${DISTRIBUTION_URL}/health`]);
    expect(report).toMatchObject({ clients: { url: `${DISTRIBUTION_URL}/health`, status: 200 }, healthy: true });
  });

  // With the key gate off, a key the API refuses reaches CloudFront: every read above still agrees.
  it.each([403, 502, 0])('is never healthy when clients are refused (%i), naming the status', async (answer) => {
    const report = await throughCloudFront(answer);

    expect(report.healthy).toBe(false);
    expect(report.problems).toContain(`GET ${DISTRIBUTION_URL}/health through CloudFront answered ${answer || 'nothing'}: clients are refused.`);
  });

  it('says it did not ask when CloudFront is out of reach of the endpoint', async () => {
    const output = recordingOutput();

    printStatus(await status(), output);

    expect(output.lines).toContainEqual(expect.stringMatching(/^Clients +not requested: CloudFront is out of reach of this endpoint/));
  });
});

describe('status, on the distribution a stack sets the header of', () => {
  it.each([
    ['its own', PARAMETERS, "Distribution  E2QWRUHEXAMPLE (the stack's own)"],
    ['an existing one (DistributionId)', [...PARAMETERS, { ParameterKey: 'DistributionId', ParameterValue: 'E2QWRUHEXAMPLE' }], 'Distribution  E2QWRUHEXAMPLE (existing: the stack sets its x-api-key header)'],
  ])('names %s', async (_case, Parameters, line) => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Outputs: OUTPUTS, Parameters })] });
    const output = recordingOutput();

    printStatus(await status(), output);

    expect(output.lines).toContain(line);
  });
});

describe('status of a stack still being created', () => {
  it('says it is being created, not that it was not made from this template', async () => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ StackStatus: 'CREATE_IN_PROGRESS', Outputs: [] })] });

    const report = await status();

    expect(report.healthy).toBe(false);
    expect(report.problems).toEqual(['The stack is still being created (CREATE_IN_PROGRESS): its key, usage plan and distribution are not all there yet. Run status again once it is CREATE_COMPLETE.']);
  });
});

describe('status, on the template release a stack runs', () => {
  const withRelease = (version?: string) =>
    cloudformation.on(DescribeStacksCommand).resolves({
      Stacks: [stack({ Outputs: version === undefined ? OUTPUTS : [...OUTPUTS, { OutputKey: 'TemplateVersion', OutputValue: version }] })],
    });
  const printed = async () => {
    const output = recordingOutput();
    printStatus(await status(), output);
    return output.lines.find((line) => line.startsWith('Release'));
  };

  it('names the release the CLI carries as current', async () => {
    withRelease(carried.release);

    await expect(status()).resolves.toMatchObject({ healthy: true, release: { stack: carried.release, outdated: false, newer: false } });
    await expect(printed()).resolves.toBe(`Release       ${carried.release} (the release this CLI carries)`);
  });

  it.each([
    ['an older release', '0.1.9'],
    ['no recorded release (a stack made before 0.2.0)', undefined],
  ])('calls %s outdated, with the command that upgrades it, and stays healthy', async (_case, version) => {
    withRelease(version);

    await expect(status()).resolves.toMatchObject({ healthy: true, release: { stack: version ?? null, outdated: true } });
    await expect(printed()).resolves.toContain(`this CLI carries ${carried.release}: upgrade with \`deploy --stack-name edge-api\`, which keeps its parameters`);
  });

  it('says to upgrade the CLI when the stack runs a newer release', async () => {
    withRelease('99.0.0');

    await expect(status()).resolves.toMatchObject({ release: { outdated: false, newer: true } });
    await expect(printed()).resolves.toContain(`99.0.0, newer than this CLI's ${carried.release}: upgrade the CLI before deploying to this stack`);
  });
});

describe('status of a stack stuck in an update', () => {
  // NOW is two hours after START; RollbackMonitoringMinutes is given per case.
  const updating = (monitoringMinutes: string) => {
    const parameters = [...PARAMETERS.filter((p) => p.ParameterKey !== 'RollbackMonitoringMinutes'), { ParameterKey: 'RollbackMonitoringMinutes', ParameterValue: monitoringMinutes }];
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Outputs: OUTPUTS, Parameters: parameters, StackStatus: 'UPDATE_IN_PROGRESS' })] });
  };
  const startedSecondsAfterStart = (seconds: number) =>
    cloudformation.on(DescribeStackEventsCommand).resolves(newestFirst([
      stackEvent('edge-api', 'UPDATE_IN_PROGRESS', 0),
      stackEvent('edge-api', 'UPDATE_COMPLETE', 300),
      stackEvent('edge-api', 'UPDATE_IN_PROGRESS', seconds),
      stackEvent('ApiKey', 'UPDATE_IN_PROGRESS', seconds + 1),
    ]));

  it('is unhealthy past the gate, CloudFront and the monitoring period, and says how to give the update up', async () => {
    updating('10');
    startedSecondsAfterStart(301); // 115 minutes before NOW, against a bound of 60 + 10

    const report = await status();

    expect(report.healthy).toBe(false);
    expect(report.problems).toEqual([
      'The stack has been UPDATE_IN_PROGRESS for 114 minutes, longer than a rotation takes (70: the key gate, CloudFront\'s deployment and the rollback monitoring): it is stuck. '
      + 'Its Timestamp 2026-10-23T01-57-00Z is ahead of the active key CloudFront-2026-11-22T01-57-00Z. '
      + 'See its events; to give the update up and roll it back: aws cloudformation cancel-update-stack --stack-name edge-api.',
    ]);
  });

  it.each([
    ['within the bound', '10', 7200 - 30 * 60],
    ['within a long monitoring period', '180', 301],
  ])('is a rotation in progress, not stuck, %s', async (_case, monitoringMinutes, seconds) => {
    updating(monitoringMinutes);
    startedSecondsAfterStart(seconds);

    await expect(status()).resolves.toMatchObject({ healthy: true, problems: [] });
  });
});
