// `status --all` and `rotate --all` end to end, on the emulator: rotating stacks in two accounts
// and three Regions (healthy, overdue, header-mismatched, rotating and rolled back),
// found by what the template gives them, read through an assumed role in each account, and
// reported worst first. moto serves another account to credentials from STS AssumeRole on a role
// ARN in that account.
import {
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  waitUntilStackCreateComplete,
  waitUntilStackRollbackComplete,
  waitUntilStackUpdateComplete,
} from '@aws-sdk/client-cloudformation';
import { GetDistributionConfigCommand, UpdateDistributionCommand } from '@aws-sdk/client-cloudfront';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { setTimeout } from 'node:timers/promises';
import { createHandler } from '../../lambda/handler';
import { TIMESTAMP_PARAMETER } from '../../lambda/rotation';
import { timestampFrom } from '../../lambda/timestamp';
import { createClients } from '../../scripts/cli/aws-clients';
import { main } from '../../scripts/cli/main';
import { deploy } from '../../scripts/cli/deploy';
import { mapPool } from '../../scripts/cli/fleet/pool';
import { emulatorClientConfig } from '../../scripts/emulator/launch';
import { type LocalAws, emulatorSleep, emulatorWaiter, localClients, stackOutput } from '../../scripts/emulator/local-stack';
import { localAws } from '../support/emulator-broker';
import { deployTemplates, parseTemplate, readTemplate } from '../../scripts/template';
import { recordingOutput } from '../cli/cli.fixtures';
import { scheduledEvent } from './e2e.fixtures';

jest.setTimeout(120_000);

const OTHER = '111111111111';
let aws: LocalAws;
let other: (region: string) => ReturnType<typeof createClients>;
const saved = { ...process.env };

beforeAll(async () => {
  aws = await localAws();
  // The CLI's own clients (and the SDK's STS client behind --role-name) find the emulator here.
  Object.assign(process.env, { AWS_ENDPOINT_URL: aws.emulator.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' });
  const sts = new STSClient(emulatorClientConfig(aws.emulator.endpoint));
  const { Credentials } = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${OTHER}:role/fleet-reader`, RoleSessionName: 'setup' }));
  const credentials = { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken };
  other = (region) => createClients({ region, credentials: async () => credentials });
});

afterAll(async () => {
  process.env = saved;
  await aws?.stop();
});

async function deployIn(clients: ReturnType<typeof createClients>, stackName: string, parameters: Record<string, string>) {
  await deploy(
    { stackName, parameters, rotate: false, testRotation: false },
    { ...aws, ...clients, ...deployTemplates(), now: () => new Date(), sleep: emulatorSleep, output: recordingOutput() },
  );
}

const fleetStatus = async (...extra: string[]) => {
  const output = recordingOutput();
  const code = await main(
    ['status', '--all', '--regions', 'us-east-1,eu-west-1,us-west-2', '--accounts', `123456789012,${OTHER}`, '--role-name', 'fleet-reader', ...extra],
    { output, clients: createClients, now: () => new Date(Date.now() + 2 * 86_400_000), sleep: emulatorSleep },
  );
  return { code, lines: output.lines };
};

describe('status --all', () => {
  it('lists every rotating stack of both accounts and three Regions, worst first, with a summary and the worst exit code', async () => {
    const home = (region: string) => localClients(aws.emulator.endpoint, region);
    await deployIn(home('us-east-1'), 'fleet-busy', { ApiKeyRotationSchedule: 'Monthly', KeyGateTimeoutSeconds: '60' });
    await deployIn(home('us-east-1'), 'fleet-monthly', { ApiKeyRotationSchedule: 'Monthly', KeyGateTimeoutSeconds: '2' });
    await deployIn(home('eu-west-1'), 'fleet-daily', { ApiKeyRotationSchedule: 'Daily' });
    await deployIn(other('us-west-2'), 'fleet-other', { ApiKeyRotationSchedule: 'Monthly' });
    await deployIn(other('eu-west-1'), 'fleet-tampered', { ApiKeyRotationSchedule: 'Monthly' });
    // Not a rotating stack: another template entirely.
    await home('us-east-1').cloudformation.send(new CreateStackCommand({ StackName: 'unrelated', TemplateBody: '{"Resources":{"T":{"Type":"AWS::SNS::Topic","Properties":{"TopicName":"unrelated"}}}}' }));
    await waitUntilStackCreateComplete(emulatorWaiter(home('us-east-1').cloudformation), { StackName: 'unrelated' });
    // A header changed outside the stack.
    const tampered = other('eu-west-1');
    const distributionId = await stackOutput(tampered.cloudformation, 'fleet-tampered', 'DistributionId');
    const { DistributionConfig, ETag } = await tampered.cloudfront.send(new GetDistributionConfigCommand({ Id: distributionId }));
    DistributionConfig!.Origins!.Items![0].CustomHeaders!.Items![0].HeaderValue = 'x'.repeat(40);
    await tampered.cloudfront.send(new UpdateDistributionCommand({ Id: distributionId, IfMatch: ETag, DistributionConfig }));
    // A rotation the API refused: stopped at the key gate and rolled back.
    await aws.apiStage.refuse({ newKeys: {} });
    await createHandler({ cloudformation: home('us-east-1').cloudformation, stackName: 'fleet-monthly', log: () => undefined, now: () => new Date() })(scheduledEvent(new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')));
    await waitUntilStackRollbackComplete(emulatorWaiter(home('us-east-1').cloudformation), { StackName: 'fleet-monthly' });
    // A rotation in progress: waiting at the key gate until the API accepts its new key, 5 s on.
    await aws.apiStage.refuse({ newKeys: { seconds: 5 } });
    const rotating = createHandler({ cloudformation: home('us-east-1').cloudformation, stackName: 'fleet-busy', log: () => undefined, now: () => new Date() })(scheduledEvent(new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')));
    while ((await home('us-east-1').cloudformation.send(new DescribeStacksCommand({ StackName: 'fleet-busy' }))).Stacks?.[0].StackStatus !== 'UPDATE_IN_PROGRESS') await setTimeout(100);

    const { code, lines } = await fleetStatus();
    await rotating;
    await waitUntilStackUpdateComplete(emulatorWaiter(home('us-east-1').cloudformation), { StackName: 'fleet-busy' });
    await aws.apiStage.refuse(undefined);

    expect(code).toBe(1);
    expect(lines[0]).toBe('5 rotating stack(s) in 6 account and Region pair(s).');
    const rows = lines.slice(3, 8).map((line) => line.split(/\s{2,}/).slice(0, 4));
    // Two days on, the busy stack's update has run longer than any rotation takes: stuck.
    expect(rows).toEqual([
      [OTHER, 'eu-west-1', 'fleet-tampered', 'CREATE_COMPLETE'],
      ['123456789012', 'eu-west-1', 'fleet-daily', 'CREATE_COMPLETE'],
      ['123456789012', 'us-east-1', 'fleet-busy', 'UPDATE_IN_PROGRESS'],
      ['123456789012', 'us-east-1', 'fleet-monthly', 'UPDATE_ROLLBACK_COMPLETE'],
      [OTHER, 'us-west-2', 'fleet-other', 'CREATE_COMPLETE'],
    ]);
    expect(lines[5]).toMatch(/ in progress /);
    expect(lines).toContain('1 healthy, 4 unhealthy, 0 unreachable.');
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}unhealthy 123456789012 us-east-1 fleet-busy: The stack has been UPDATE_IN_PROGRESS for 28\d\d minutes, longer than a rotation takes \(70: .*: it is stuck\./));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}unhealthy 123456789012 eu-west-1 fleet-daily: The active key is 2 days old, but the schedule rotates every 1 days/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}unhealthy 123456789012 us-east-1 fleet-monthly: The stack is UPDATE_ROLLBACK_COMPLETE: its last update was rolled back/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}unhealthy 111111111111 eu-west-1 fleet-tampered: CloudFront sends a different x-api-key than the active key/));
  });

  it('emits one JSON object per stack with --json', async () => {
    const { lines } = await fleetStatus('--json');

    const stacks = lines.map((line) => JSON.parse(line));
    expect(stacks.map((s) => [s.account, s.region, s.stack, s.health])).toContainEqual([OTHER, 'us-west-2', 'fleet-other', 'healthy']);
    expect(stacks).toHaveLength(5);
  });

  it('counts a stack once, where its stack ID places it, when its account and Region are given twice', async () => {
    const output = recordingOutput();
    const code = await main(
      ['status', '--all', '--regions', 'us-west-2,us-west-2', '--accounts', `${OTHER},${OTHER}`, '--role-name', 'fleet-reader'],
      { output, clients: createClients, now: () => new Date(), sleep: emulatorSleep },
    );

    expect(code).toBe(0);
    expect(output.lines.filter((line) => /^\d{12} /.test(line)).map((line) => line.split(/\s{2,}/).slice(0, 3))).toEqual([[OTHER, 'us-west-2', 'fleet-other']]);
  });

  it.each([
    [['--accounts', OTHER], /--accounts needs --role-name/],
    [['--role-name', 'fleet-reader'], /--role-name needs --accounts or --stack-set/],
  ])('refuses %j alone, before reading anything', async (selection, message) => {
    const output = recordingOutput();
    const code = await main(['status', '--all', '--regions', 'us-west-2', ...selection], { output, clients: createClients, now: () => new Date(), sleep: emulatorSleep });

    expect(code).toBe(2);
    expect(output.errors.join(' ')).toMatch(message);
  });
});

describe('rotate --all', () => {
  const rotateAll = async (regions: string, ...extra: string[]) => {
    const output = recordingOutput();
    const code = await main(
      ['rotate', '--all', '--regions', regions, '--accounts', `123456789012,${OTHER}`, '--role-name', 'fleet-reader', ...extra],
      { output, clients: createClients, now: () => new Date(), sleep: emulatorSleep },
    );
    return { code, lines: output.lines };
  };
  const resultsOf = (lines: string[]) =>
    Object.fromEntries(lines.filter((line) => /^\d{12} /.test(line)).map((line) => line.split(/\s{2,}/)).map(([, region, stack, result]) => [`${region} ${stack}`, result]));

  it('lists what would rotate with --dry-run, and changes nothing', async () => {
    const { code, lines } = await rotateAll('us-east-1,eu-west-1,us-west-2', '--dry-run');

    expect(code).toBe(0);
    expect(Object.values(resultsOf(lines))).toEqual(['would rotate', 'would rotate', 'would rotate', 'would rotate', 'would rotate']);
    expect(lines.at(-1)).toBe('Would rotate 5, 0 failed, 0 skipped: a dry run, so nothing changed.');
  });

  it('finishes an interrupted run when run again with --since, rotating nothing twice', async () => {
    // The first run covers part of the fleet, as an interrupted run leaves it.
    const first = await rotateAll('eu-west-1,us-west-2');
    const since = /--since (\S+):/.exec(first.lines[1])![1];
    expect(first.code).toBe(0);
    expect(resultsOf(first.lines)).toEqual({ 'eu-west-1 fleet-daily': 'rotated', 'eu-west-1 fleet-tampered': 'rotated', 'us-west-2 fleet-other': 'rotated' });
    await setTimeout(1100); // the next run's Timestamp is a second later

    const second = await rotateAll('us-east-1,eu-west-1,us-west-2', '--since', since);

    expect(second.code).toBe(0);
    expect(resultsOf(second.lines)).toEqual({
      'us-east-1 fleet-busy': 'rotated',
      'us-east-1 fleet-monthly': 'rotated',
      'eu-west-1 fleet-daily': 'skipped',
      'eu-west-1 fleet-tampered': 'skipped',
      'us-west-2 fleet-other': 'skipped',
    });
    expect(second.lines).toContain('2 rotated, 0 failed, 3 skipped.');
    expect(second.lines[0]).toMatch(/^Rotating 2 of 5 rotating stack\(s\) in 6 account and Region pair\(s\) to Timestamp \S+; 3 skipped, already rotated since \S+\.$/);
    expect(second.lines).toContainEqual(expect.stringMatching(/^\[\d+ s\] started 2\/2: deploying 0, in monitoring 0, rolling back 0, cleaned up 2, failed 0, skipped 0$/));
  });
});

describe('stacks created at once', () => {
  // CloudFormation runs stack operations side by side, and so does `npm run benchmark`. moto's
  // server answers each request on a thread of its own: until the emulator's CloudFormation
  // actions took turns (moto_extension/engine.py), three runs of this test in four rolled one or
  // two of its stacks back ("dictionary changed size during iteration", mostly in moto's IAM).
  const STACKS = 128;
  const AT_ONCE = 16;

  it(`creates ${STACKS} stacks, ${AT_ONCE} at once, each CREATE_COMPLETE with the template's outputs`, async () => {
    // A Region of its own: the fleet of the tests above is exactly what they deployed.
    const { cloudformation } = localClients(aws.emulator.endpoint, 'ap-northeast-1');
    const { templateBody } = deployTemplates();
    const names = Array.from({ length: STACKS }, (_, index) => `at-once-${index + 1}`);
    // What `deploy` sends with no options, as the fleet benchmark creates its stacks; each one
    // waited on (a failed one is reported below), so that AT_ONCE are being created at a time.
    await mapPool(names, AT_ONCE, async (StackName) => {
      await cloudformation.send(new CreateStackCommand({
        StackName,
        TemplateBody: templateBody,
        Parameters: [{ ParameterKey: TIMESTAMP_PARAMETER, ParameterValue: timestampFrom(new Date()) }],
        Capabilities: ['CAPABILITY_IAM'],
      }));
      await waitUntilStackCreateComplete(emulatorWaiter(cloudformation), { StackName }).catch(() => undefined);
    });

    const created = await mapPool(names, AT_ONCE, async (StackName) => {
      const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName }));
      const { StackStatus, Outputs = [] } = Stacks![0];
      const { StackEvents = [] } = StackStatus === 'CREATE_COMPLETE' ? {} : await cloudformation.send(new DescribeStackEventsCommand({ StackName }));
      const failed = StackEvents.findLast((event) => event.ResourceStatus === 'CREATE_FAILED');
      return {
        stack: `${StackName} ${StackStatus}${failed ? `: ${failed.LogicalResourceId} ${failed.ResourceStatusReason}` : ''}`,
        outputs: Outputs.map((output) => output.OutputKey).sort(),
      };
    });
    // Every output of the template but the service role's: these stacks have none.
    const outputs = Object.entries<{ Condition?: string }>(parseTemplate(readTemplate()).Outputs).filter(([, output]) => output.Condition !== 'WithServiceRole').map(([key]) => key).sort();
    expect(created).toEqual(names.map((name) => ({ stack: `${name} CREATE_COMPLETE`, outputs })));
  });
});
