import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ListStackInstancesCommand,
  type StackInstanceSummary,
  UpdateStackCommand,
  ListStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../../scripts/cli/main';
import { StackSetNeedsRoleError, StackSetNotFoundError } from '../../../scripts/cli/errors';
import { describeFailure } from '../../../scripts/cli/failure';
import { type FleetDependencies, selectFleet } from '../../../scripts/cli/fleet/select';
import { listStackInstances } from '../../../scripts/cli/fleet/stack-set-fleet';
import type { FleetSelection } from '../../../scripts/cli/fleet/targets';
import { serviceError, stack } from '../../rotation.fixtures';
import { START, noSleep, recordingOutput, sdkClients } from '../cli.fixtures';

const cloudformation = mockClient(CloudFormationClient);
const sts = mockClient(STSClient);
const HOME = '123456789012';
const OTHER = '111111111111';
const idOf = (name: string, account: string, region: string) => `arn:aws:cloudformation:${region}:${account}:stack/${name}/1`;
const instance = (name: string, account: string, region: string): StackInstanceSummary => ({ Account: account, Region: region, StackId: idOf(name, account, region), Status: 'CURRENT' });
const NOT_FOUND = serviceError('StackSetNotFoundException', 'StackSet edge-apis not found');

beforeEach(() => {
  cloudformation.reset();
  sts.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Account: HOME, Arn: `arn:aws:iam::${HOME}:user/ops` });
});

describe('listStackInstances', () => {
  it('reads every page', async () => {
    cloudformation.on(ListStackInstancesCommand)
      .resolvesOnce({ Summaries: [instance('s1', HOME, 'eu-west-1')], NextToken: 'page-2' })
      .resolvesOnce({ Summaries: [{ Account: OTHER, Region: 'us-east-1', Status: 'OUTDATED', StatusReason: 'Creating' }] });

    const instances = await listStackInstances(new CloudFormationClient({ region: 'eu-west-1' }), 'edge-apis');

    expect(instances).toEqual([
      { account: HOME, region: 'eu-west-1', stackId: idOf('s1', HOME, 'eu-west-1'), status: 'CURRENT', reason: undefined },
      { account: OTHER, region: 'us-east-1', stackId: undefined, status: 'OUTDATED', reason: 'Creating' },
    ]);
    expect(cloudformation.commandCalls(ListStackInstancesCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'page-2']);
  });

  it('says in one sentence, with exit code 2, that the StackSet does not exist', async () => {
    cloudformation.on(ListStackInstancesCommand).rejects(NOT_FOUND);

    const error = await listStackInstances(new CloudFormationClient({ region: 'eu-west-1' }), 'edge-apis').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StackSetNotFoundError);
    expect((error as Error).cause).toBe(NOT_FOUND);
    expect(describeFailure(error)).toEqual({
      message: 'There is no StackSet "edge-apis" in eu-west-1 of this account: check the name, and pass --region with the StackSet\'s own Region (where it was created).',
      exitCode: 2,
    });
  });
});

describe('selectFleet with --stack-set', () => {
  const cloudformationFor = jest.fn();
  const select = (selection: Partial<FleetSelection>) => {
    const deps: FleetDependencies = {
      cloudformation: new CloudFormationClient({ region: 'eu-west-1' }),
      cloudformationFor,
      callerAccount: async () => HOME,
      enabledRegions: async () => ['eu-west-1', 'us-east-1'],
      concurrency: 4,
    };
    return selectFleet({ regions: 'all', stackSet: 'edge-apis', ...selection }, deps);
  };

  beforeEach(() => cloudformationFor.mockClear());

  it('covers the instances ListStackInstances names, each where its stack ID says, and looks for no other stack', async () => {
    cloudformation.on(ListStackInstancesCommand).resolves({ Summaries: [instance('s1', HOME, 'eu-west-1'), instance('s2', OTHER, 'us-east-1')] });

    const fleet = await select({ roleName: 'R' });

    expect(fleet).toEqual({
      stacks: [
        { account: HOME, region: 'eu-west-1', stack: 's1', stackId: idOf('s1', HOME, 'eu-west-1') },
        { account: OTHER, region: 'us-east-1', stack: 's2', stackId: idOf('s2', OTHER, 'us-east-1') },
      ],
      places: 2,
    });
    expect(cloudformationFor).not.toHaveBeenCalled();
    expect(cloudformation.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });

  it('keeps to the Regions given', async () => {
    cloudformation.on(ListStackInstancesCommand).resolves({ Summaries: [instance('s1', HOME, 'eu-west-1'), instance('s2', HOME, 'us-east-1')] });

    const { stacks } = await select({ regions: ['us-east-1'] });

    expect(stacks.map((s) => s.stack)).toEqual(['s2']);
  });

  it.each([
    ['with its reason', { Status: 'OUTDATED', StatusReason: 'User initiated operation' }, 'OUTDATED: User initiated operation'],
    ['without a reason', { Status: 'OUTDATED' }, 'OUTDATED'],
  ] as const)('reports an instance that has no stack ID yet, %s', async (_, summary, why) => {
    cloudformation.on(ListStackInstancesCommand).resolves({ Summaries: [{ Account: HOME, Region: 'eu-west-1', ...summary }] });

    const { stacks } = await select({});

    expect(stacks).toEqual([{ account: HOME, region: 'eu-west-1', stack: '', unreachable: `The StackSet instance has no stack yet (${why}): nothing to read or rotate until its operation creates one.` }]);
  });

  it('refuses, without --role-name, a set with instances in other accounts, naming them', async () => {
    cloudformation.on(ListStackInstancesCommand).resolves({
      Summaries: [instance('s1', HOME, 'eu-west-1'), instance('s2', '222222222222', 'eu-west-1'), { Account: OTHER, Region: 'eu-west-1', Status: 'OUTDATED' }],
    });

    const error = await select({}).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(StackSetNeedsRoleError);
    expect(describeFailure(error)).toEqual({
      message: `StackSet "edge-apis" has instances in account(s) ${OTHER}, 222222222222, but these credentials are of account ${HOME}. Nothing changed; pass --role-name with the role to assume in each account (for a StackSet, usually AWSCloudFormationStackSetExecutionRole).`,
      exitCode: 2,
    });
  });

  it("reads a set of the caller's own account without --role-name", async () => {
    cloudformation.on(ListStackInstancesCommand).resolves({ Summaries: [instance('s1', HOME, 'eu-west-1'), instance('s2', HOME, 'us-east-1')] });

    const { stacks } = await select({});

    expect(stacks.map((s) => [s.account, s.stack])).toEqual([[HOME, 's1'], [HOME, 's2']]);
  });
});

describe('rotate --all --stack-set on the command line', () => {
  const clients = jest.fn(() => sdkClients());
  const run = async (...argv: string[]) => {
    const output = recordingOutput();
    const code = await main(['rotate', '--all', ...argv], { output, clients, now: () => START, sleep: noSleep });
    return { code, output };
  };
  const instances = [instance('s1', HOME, 'eu-west-1'), instance('s2', OTHER, 'us-east-1')];
  // In the instances' accounts and Regions, besides them: a single-stack deploy and a look-alike.
  const others = [stack({ StackName: 'single', StackId: idOf('single', HOME, 'eu-west-1') }), stack({ StackName: 'StackSet-edge-apis-x', StackId: idOf('StackSet-edge-apis-x', OTHER, 'us-east-1') })];

  beforeEach(() => {
    clients.mockClear();
    cloudformation.on(ListStackInstancesCommand).resolves({ Summaries: instances });
    const described = [...instances.map(({ StackId }) => stack({ StackName: StackId!.split('/')[1], StackId })), ...others];
    cloudformation.on(DescribeStacksCommand).callsFake(async ({ StackName }) => ({ Stacks: StackName ? described.filter((s) => s.StackId === StackName) : described }));
    cloudformation.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
    cloudformation.on(UpdateStackCommand).resolves({});
    // Every update has ended by the first poll.
    cloudformation.on(ListStacksCommand).resolves({ StackSummaries: [] });
  });

  it("rotates the set's instances and nothing else, each shown where it lives", async () => {
    const { code, output } = await run('--stack-set', 'edge-apis', '--role-name', 'R');

    expect(code).toBe(0);
    expect(cloudformation.commandCalls(UpdateStackCommand).map((c) => c.args[0].input.StackName).sort()).toEqual(instances.map((i) => i.StackId).sort());
    expect(cloudformation.commandCalls(DescribeStacksCommand).filter((c) => c.args[0].input.StackName === undefined)).toHaveLength(0);
    const rows = output.lines.filter((line) => /^\d{12} /.test(line)).map((line) => line.split(/\s{2,}/).slice(0, 4));
    expect(rows.sort()).toEqual([[OTHER, 'us-east-1', 's2', 'rotated'], [HOME, 'eu-west-1', 's1', 'rotated']]);
    expect(output.lines[0]).toBe('Rotating 2 of 2 stack(s) of StackSet edge-apis in 2 account and Region pair(s) to Timestamp 2026-11-22T10-00-00Z.');
  });

  it.each([
    ['--role-name without --accounts or --stack-set', ['--role-name', 'R'], 'error: --role-name needs --accounts or --stack-set: the accounts to assume it in. See "cloudfront-api-key-rotation rotate --help".'],
    [
      'a StackSet with instances in other accounts, without --role-name', ['--stack-set', 'edge-apis'],
      `error: StackSet "edge-apis" has instances in account(s) ${OTHER}, but these credentials are of account ${HOME}. Nothing changed; pass --role-name with the role to assume in each account (for a StackSet, usually AWSCloudFormationStackSetExecutionRole).`,
    ],
  ])('refuses %s (exit code 2), before reading any stack', async (_, argv, message) => {
    const { code, output } = await run(...argv);

    expect(code).toBe(2);
    expect(output.errors).toEqual([message]);
    expect(cloudformation.commandCalls(DescribeStacksCommand)).toHaveLength(0);
    expect(cloudformation.commandCalls(UpdateStackCommand)).toHaveLength(0);
  });

  it('prints for a dry run only the plan and what it would do: no progress, no --since', async () => {
    const { code, output } = await run('--stack-set', 'edge-apis', '--role-name', 'R', '--dry-run');

    expect(code).toBe(0);
    expect(output.lines.filter((line) => line !== '').map((line) => line.split(/\s{2,}/).slice(0, 4))).toEqual([
      ['ACCOUNT', 'REGION', 'STACK', 'RESULT'],
      [HOME, 'eu-west-1', 's1', 'would rotate'],
      [OTHER, 'us-east-1', 's2', 'would rotate'],
      ['Would rotate 2, 0 failed, 0 skipped: a dry run, so nothing changed.'],
    ]);
    expect(cloudformation.commandCalls(UpdateStackCommand)).toHaveLength(0);
  });

  it('says up front how many it will rotate and how many --since skips as already rotated', async () => {
    const { code, output } = await run('--stack-set', 'edge-apis', '--role-name', 'R', '--since', '2026-10-01T00-00-00Z');

    expect(code).toBe(0);
    expect(output.lines[0]).toBe('Rotating 0 of 2 stack(s) of StackSet edge-apis in 2 account and Region pair(s) to Timestamp 2026-11-22T10-00-00Z; 2 skipped, already rotated since 2026-10-01T00-00-00Z.');
    expect(output.lines.some((line) => line.includes('--since') && line.startsWith('If this run'))).toBe(false);
    expect(cloudformation.commandCalls(UpdateStackCommand)).toHaveLength(0);
  });

  it.each([
    ['has no instance', [], [], 'error: StackSet "edge-apis" has no stack instance: add some with deploy --stack-set edge-apis.'],
    [
      'has none in the Regions given', [instance('s1', HOME, 'eu-west-1')], ['--regions', 'us-west-2,us-east-1'],
      'error: StackSet "edge-apis" has no stack instance in Regions us-west-2, us-east-1: check --regions, or leave it out for every Region of the set.',
    ],
  ])('says so, with exit code 1, when the StackSet %s', async (_case, Summaries, regions, message) => {
    cloudformation.on(ListStackInstancesCommand).resolves({ Summaries });

    const { code, output } = await run('--stack-set', 'edge-apis', '--role-name', 'R', ...regions);

    expect(code).toBe(1);
    expect(output.errors).toEqual([message]);
    expect(output.lines).toEqual([]);
  });

  it('names an unknown StackSet in one sentence, not as an unexpected error', async () => {
    cloudformation.on(ListStackInstancesCommand).rejects(NOT_FOUND);

    const { code, output } = await run('--stack-set', 'edge-apis', '--role-name', 'R');

    expect(code).toBe(2);
    expect(output.errors).toEqual(['error: There is no StackSet "edge-apis" in eu-west-1 of this account: check the name, and pass --region with the StackSet\'s own Region (where it was created).']);
  });
});
