import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../../scripts/cli/main';
import { parseCommandLine } from '../../../scripts/cli/args';
import { UsageError } from '../../../scripts/cli/errors';
import { type Discovered, discoverFleet, findRotatingStacks } from '../../../scripts/cli/fleet/discovery';
import { Gauge, mapPool } from '../../../scripts/cli/fleet/pool';
import { type FleetStackStatus, collectFleetStatus, fleetExitCode, healthOf, printFleetStatus } from '../../../scripts/cli/fleet/status-all';
import { resolveTargets } from '../../../scripts/cli/fleet/targets';
import type { StatusReport } from '../../../scripts/cli/status';
import { NOT_FOUND, PARAMETERS, stack } from '../../rotation.fixtures';
import { START, noSleep, recordingOutput, sdkClients } from '../cli.fixtures';

const cloudformation = mockClient(CloudFormationClient);
const sts = mockClient(STSClient);
const client = () => new CloudFormationClient({ region: 'eu-west-1' });
const HERE_ENTRY = { account: '123456789012', region: 'eu-west-1' };
const idOf = (name: string, region = 'eu-west-1', account = '123456789012') => `arn:aws:cloudformation:${region}:${account}:stack/${name}/1`;

beforeEach(() => {
  cloudformation.reset();
  sts.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/ops' });
});

describe('mapPool', () => {
  it('never runs more than the limit at once, and keeps the input order', async () => {
    const gauge = new Gauge();
    const results = await mapPool([5, 1, 4, 2, 3], 2, async (n) => {
      await new Promise((resolve) => setTimeout(resolve, n));
      return n * 10;
    }, gauge);

    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(gauge.peak).toBe(2);
  });
});

describe('findRotatingStacks', () => {
  it("recognises this template's stacks by their Timestamp parameter and outputs, on every page", async () => {
    cloudformation.on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [stack({ StackName: 'b', StackId: idOf('b') }), stack({ StackName: 'other', Parameters: [], Outputs: [] })], NextToken: 't' })
      .resolvesOnce({ Stacks: [stack({ StackName: 'a', StackId: idOf('a') }), stack({ StackName: 'no-outputs', Parameters: PARAMETERS, Outputs: [] })] });

    expect(await findRotatingStacks(client())).toEqual([{ stack: 'a', stackId: idOf('a') }, { stack: 'b', stackId: idOf('b') }]);
  });
});

describe('discoverFleet', () => {
  const discover = (targets: { account: string; region: string }[]) => discoverFleet(targets, client, 2, new Gauge());

  it.each([
    ['the account and Region its stack ID names, not the ones asked', idOf('a', 'us-east-1', '222222222222'), { account: '222222222222', region: 'us-east-1' }],
    ['the account and Region asked, when its stack ID is no stack ARN', 'a', { account: '111111111111', region: 'eu-west-1' }],
  ])('places a stack in %s', async (_, StackId, place) => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ StackName: 'a', StackId })] });

    expect(await discover([{ account: '111111111111', region: 'eu-west-1' }])).toEqual([{ ...place, stack: 'a', stackId: StackId }]);
  });

  it('counts a stack once when two targets find it', async () => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ StackName: 'a', StackId: idOf('a') })] });

    const found = await discover([{ account: '123456789012', region: 'eu-west-1' }, { account: '111111111111', region: 'eu-west-1' }]);

    expect(found).toEqual([{ account: '123456789012', region: 'eu-west-1', stack: 'a', stackId: idOf('a') }]);
  });

  it('reports an account and Region it cannot read, and goes on with the rest', async () => {
    const denied = Object.assign(new Error('not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied' });
    cloudformation.on(DescribeStacksCommand).callsFake(async (_, getClient) => {
      if ((await getClient().config.region()) === 'eu-west-1') throw denied;
      return { Stacks: [stack({ StackName: 'a', StackId: idOf('a', 'us-east-1') })] };
    });
    const clientIn = ({ region }: { region: string }) => new CloudFormationClient({ region });

    const found = await discoverFleet([{ account: '123456789012', region: 'eu-west-1' }, { account: '123456789012', region: 'us-east-1' }], clientIn, 2, new Gauge());

    expect(found).toEqual([
      { account: '123456789012', region: 'eu-west-1', stack: '', unreachable: 'Access denied: not authorized to perform: sts:AssumeRole Grant the missing permission and try again.' },
      { account: '123456789012', region: 'us-east-1', stack: 'a', stackId: idOf('a', 'us-east-1') },
    ]);
  });
});

describe('resolveTargets', () => {
  const deps = { callerAccount: async () => '123456789012', enabledRegions: async () => ['eu-west-1', 'us-east-1'] };

  it.each([
    ['the caller account in the Regions given', { regions: ['eu-west-1'] }, [['123456789012', 'eu-west-1']]],
    ['every enabled Region with "all"', { regions: 'all' as const }, [['123456789012', 'eu-west-1'], ['123456789012', 'us-east-1']]],
    ['each account given', { regions: ['us-east-1'], accounts: ['111111111111', '222222222222'], roleName: 'r' }, [['111111111111', 'us-east-1'], ['222222222222', 'us-east-1']]],
  ])('covers %s', async (_, selection, expected) => {
    const targets = await resolveTargets(selection, deps);
    expect(targets.map((t) => [t.account, t.region])).toEqual(expected);
  });
});

describe('status --all on the command line', () => {
  it('reads the selection', () => {
    expect(parseCommandLine(['status', '--all', '--regions', 'eu-west-1, us-east-1', '--accounts', '111111111111', '--role-name', 'ops', '--concurrency', '4'])).toMatchObject({
      name: 'status-all',
      fleet: { regions: ['eu-west-1', 'us-east-1'], accounts: ['111111111111'], roleName: 'ops', concurrency: 4 },
    });
    expect(parseCommandLine(['status', '--all', '--regions', 'all'])).toMatchObject({ fleet: { regions: 'all', concurrency: 8 } });
  });

  it.each([
    [['--all', '--stack-name', 'x'], 'Give --stack-name or --all, not both.'],
    [['--regions', 'eu-west-1', '--stack-name', 'x'], '--regions selects a fleet: add --all.'],
    [['--all', '--regions', 'europe'], '--regions: "europe" is not a Region name (for example eu-west-1), or give "all".'],
    [['--all', '--accounts', '12345'], '--accounts: "12345" is not an account ID (12 digits).'],
    [['--all', '--accounts', '111111111111'], '--accounts needs --role-name: the role to assume in each account.'],
    [['--all', '--accounts', '111111111111', '--role-name', 'r', '--stack-set', 's'], 'Give --accounts or --stack-set, not both: a StackSet names its own accounts.'],
    [['--all', '--role-name', 'r'], '--role-name needs --accounts or --stack-set: the accounts to assume it in.'],
    [['--all', '--concurrency', '0'], '--concurrency "0" is not valid: give a whole number from 1 to 64.'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCommandLine(['status', ...argv])).toThrow(new UsageError(message, 'status'));
  });
});

describe('collectFleetStatus', () => {
  const report = (problems: string[], unread: string[] = []) => ({ problems, unread }) as unknown as StatusReport;
  const entry = (stack: string, extra: Partial<FleetStackStatus>): FleetStackStatus => ({ account: '1', region: 'eu-west-1', stack, ...extra });

  it('reads each stack by its name, through the clients of the account and Region it lives in', async () => {
    cloudformation.on(DescribeStacksCommand).rejects(NOT_FOUND);
    const where = { account: '222222222222', region: 'us-east-1' };
    const clientsFor = jest.fn((target: { region: string }) => ({ cloudformation: client(), apigateway: new APIGatewayClient(target), cloudfront: new CloudFrontClient(target) }));

    const [read] = await collectFleetStatus([{ ...where, stack: 'a', stackId: idOf('a', where.region, where.account) }], { clientsFor, scheduleMap: {}, release: '0.2.0', now: () => new Date(), concurrency: 2 });

    expect(clientsFor).toHaveBeenCalledWith(expect.objectContaining(where));
    expect(cloudformation.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input.StackName)).toEqual(['a']);
    expect(read).toMatchObject({ ...where, stack: 'a', unreachable: expect.stringMatching(/^Stack "a" does not exist/) });
  });

  it('words a stack it cannot report on as status does, without "Nothing changed": it changes nothing', async () => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ StackName: 'a', StackStatus: 'ROLLBACK_COMPLETE', Outputs: [] })] });
    const clientsFor = () => ({ cloudformation: client(), apigateway: new APIGatewayClient({}), cloudfront: new CloudFrontClient({}) });

    const [read] = await collectFleetStatus([{ ...HERE_ENTRY, stack: 'a', stackId: idOf('a') }], { clientsFor, scheduleMap: {}, release: '0.2.0', now: () => new Date(), concurrency: 2 });

    expect(read.unreachable).toBe('Stack "a" failed to create (ROLLBACK_COMPLETE), and such a stack can only be deleted. Delete it (the delete command: delete --stack-name a), then deploy again.');
  });

  it('passes on what discovery could not read, and reads nothing for it', async () => {
    const unread: Discovered = { account: '1', region: 'eu-west-1', stack: '', unreachable: 'Access denied.' };
    const clientsFor = jest.fn();

    const stacks = await collectFleetStatus([unread], { clientsFor, scheduleMap: {}, release: '0.2.0', now: () => new Date(), concurrency: 2 });

    expect(stacks).toEqual([unread]);
    expect(clientsFor).not.toHaveBeenCalled();
  });

  it.each([
    [[entry('a', { report: report([]) })], 0],
    [[entry('a', { report: report([]) }), entry('b', { unreachable: 'x' })], 2],
    [[entry('a', { report: report([], ['y']) })], 2],
    [[entry('a', { report: report(['z']) }), entry('b', { unreachable: 'x' })], 1],
  ])('exits like status for one stack, after the worst: %#', (stacks, code) => {
    expect(fleetExitCode(stacks)).toBe(code);
  });

  it('ranks unhealthy before unknown before healthy', () => {
    expect([entry('a', { report: report(['z']) }), entry('b', { unreachable: 'x' }), entry('c', { report: report([]) })].map(healthOf)).toEqual(['unhealthy', 'unreachable', 'healthy']);
  });
});

describe('a fleet command over a selection without a rotating stack', () => {
  const clients = (options: { region?: string }) => ({ ...sdkClients(), cloudformation: new CloudFormationClient({ region: options.region ?? 'eu-west-1' }) });

  it.each([
    [
      ['status', '--all'],
      'error: No rotating stack was found in account 123456789012, Region eu-west-1: select where the stacks are with --regions (or "all") and --accounts, or deploy one first.',
    ],
    [
      ['status', '--all', '--json', '--regions', 'eu-west-1,us-east-1', '--accounts', '111111111111,222222222222', '--role-name', 'R'],
      'error: No rotating stack was found in accounts 111111111111, 222222222222, Regions eu-west-1, us-east-1: select where the stacks are with --regions (or "all") and --accounts, or deploy one first.',
    ],
    [
      ['rotate', '--all', '--dry-run'],
      'error: No rotating stack was found in account 123456789012, Region eu-west-1: select where the stacks are with --regions (or "all") and --accounts, or deploy one first.',
    ],
  ])('%j says where it looked, and exits 1, not healthy', async (argv, message) => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ StackName: 'other', Parameters: [], Outputs: [] })] });
    const output = recordingOutput();

    const code = await main(argv, { output, clients, now: () => START, sleep: noSleep });

    expect(code).toBe(1);
    expect(output.errors).toEqual([message]);
    expect(output.lines).toEqual([]);
  });
});

describe('printFleetStatus, on template releases', () => {
  const healthyAt = (stack: string, release: Partial<StatusReport['release']>): FleetStackStatus => ({
    account: '111111111111', region: 'eu-west-1', stack,
    report: {
      status: 'UPDATE_COMPLETE', schedule: { name: 'Monthly' }, distribution: { id: 'E2QWRUHAPOMQZL', mode: stack === 'adopting' ? 'existing' : 'own' }, activeKey: null, usagePlanKeys: [], fingerprints: { key: null, header: null, match: false },
      lastRotation: null, problems: [], unread: [], release: { stack: '0.2.0', carried: '0.2.0', outdated: false, newer: false, ...release },
    } as unknown as StatusReport,
  });

  it('shows each stack\'s release and counts the stacks that run an older one, with how to upgrade them', () => {
    const output = recordingOutput();

    printFleetStatus([healthyAt('current', {}), healthyAt('made-before', { stack: null, outdated: true }), healthyAt('older', { stack: '0.1.9', outdated: true })], output);

    expect(output.lines.find((line) => line.includes('made-before'))).toMatch(/made-before +UPDATE_COMPLETE +before 0\.2\.0 \(old\) +own +Monthly/);
    expect(output.lines.find((line) => line.includes('older'))).toMatch(/ 0\.1\.9 \(old\) /);
    expect(output.lines).toContain("2 of 3 run an older template than this CLI's 0.2.0: upgrade each with `deploy --stack-name NAME` in its account and Region (a StackSet's with `deploy --stack-set NAME`).");
  });

  it('shows which stacks set the header of an existing distribution, and which have their own', () => {
    const output = recordingOutput();

    printFleetStatus([healthyAt('current', {}), healthyAt('adopting', {})], output);

    expect(output.lines[0]).toMatch(/ RELEASE +DISTRIBUTION +SCHEDULE /);
    expect(output.lines.find((line) => line.includes('adopting'))).toMatch(/ 0\.2\.0 +existing +Monthly /);
    expect(output.lines.find((line) => line.includes('current'))).toMatch(/ 0\.2\.0 +own +Monthly /);
  });

  it('says nothing of releases when every stack runs the CLI\'s', () => {
    const output = recordingOutput();

    printFleetStatus([healthyAt('current', {})], output);

    expect(output.lines.join('\n')).not.toMatch(/older template|newer template/);
  });
});
