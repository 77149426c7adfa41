import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStacksCommand, ListStackInstancesCommand } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { mockClient } from 'aws-sdk-client-mock';
import { parseCommandLine } from '../../../scripts/cli/args';
import { UsageError } from '../../../scripts/cli/errors';
import { findRotatingStacks } from '../../../scripts/cli/fleet/discovery';
import { Gauge, mapPool } from '../../../scripts/cli/fleet/pool';
import { type FleetStackStatus, collectFleetStatus, fleetExitCode, healthOf } from '../../../scripts/cli/fleet/status-all';
import { resolveTargets } from '../../../scripts/cli/fleet/targets';
import type { StatusReport } from '../../../scripts/cli/status';
import { PARAMETERS, stack } from '../../rotation.fixtures';

const cloudformation = mockClient(CloudFormationClient);
const OWN_OUTPUTS = ['ApiKeyId', 'ApiKeySecretArn', 'CloudFrontURL', 'DistributionId', 'UsagePlanId'].map((OutputKey) => ({ OutputKey, OutputValue: 'x' }));
const client = () => new CloudFormationClient({ region: 'eu-west-1' });

beforeEach(() => cloudformation.reset());

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
      .resolvesOnce({ Stacks: [stack({ StackName: 'b', Outputs: OWN_OUTPUTS }), stack({ StackName: 'other', Parameters: [], Outputs: [] })], NextToken: 't' })
      .resolvesOnce({ Stacks: [stack({ StackName: 'a', Outputs: OWN_OUTPUTS }), stack({ StackName: 'no-outputs', Parameters: PARAMETERS, Outputs: [] })] });

    expect(await findRotatingStacks(client())).toEqual(['a', 'b']);
  });
});

describe('resolveTargets', () => {
  const deps = { cloudformation: client(), callerAccount: async () => '123456789012', enabledRegions: async () => ['eu-west-1', 'us-east-1'] };

  it.each([
    ['the caller account in the Regions given', { regions: ['eu-west-1'] }, [['123456789012', 'eu-west-1']]],
    ['every enabled Region with "all"', { regions: 'all' as const }, [['123456789012', 'eu-west-1'], ['123456789012', 'us-east-1']]],
    ['each account given', { regions: ['us-east-1'], accounts: ['111111111111', '222222222222'], roleName: 'r' }, [['111111111111', 'us-east-1'], ['222222222222', 'us-east-1']]],
  ])('covers %s', async (_, selection, expected) => {
    const targets = await resolveTargets(selection, { ...deps, cloudformation: client() });
    expect(targets.map((t) => [t.account, t.region])).toEqual(expected);
  });

  it("covers a StackSet's instances in the Regions given", async () => {
    cloudformation.on(ListStackInstancesCommand).resolves({ Summaries: [{ Account: '1', Region: 'eu-west-1' }, { Account: '2', Region: 'us-east-1' }] });

    const targets = await resolveTargets({ regions: ['us-east-1'], stackSet: 'edge' }, { ...deps, cloudformation: client() });

    expect(targets).toEqual([{ account: '2', region: 'us-east-1' }]);
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
    [['--all', '--concurrency', '0'], '--concurrency "0" is not valid: give a whole number from 1 to 64.'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCommandLine(['status', ...argv])).toThrow(new UsageError(message, 'status'));
  });
});

describe('collectFleetStatus', () => {
  const report = (problems: string[], unread: string[] = []) => ({ problems, unread }) as unknown as StatusReport;
  const entry = (stack: string, extra: Partial<FleetStackStatus>): FleetStackStatus => ({ account: '1', region: 'eu-west-1', stack, ...extra });

  it('reports an account and Region it cannot read, and goes on with the rest', async () => {
    const denied = Object.assign(new Error('not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied' });
    const good = new CloudFormationClient({ region: 'us-east-1' });
    cloudformation.on(DescribeStacksCommand).callsFake(async (_, getClient) => {
      if ((await getClient().config.region()) === 'eu-west-1') throw denied;
      return { Stacks: [] };
    });
    const clientsFor = ({ region }: { region: string }) => ({
      cloudformation: region === 'us-east-1' ? good : client(),
      apigateway: new APIGatewayClient({ region }),
      cloudfront: new CloudFrontClient({ region }),
    });

    const stacks = await collectFleetStatus([{ account: '1', region: 'eu-west-1' }, { account: '1', region: 'us-east-1' }], { clientsFor, scheduleMap: {}, now: () => new Date(), concurrency: 2 });

    expect(stacks).toEqual([{ account: '1', region: 'eu-west-1', stack: '', unreachable: 'Access denied: not authorized to perform: sts:AssumeRole Grant the missing permission and try again.' }]);
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
