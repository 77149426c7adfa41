import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStackEventsCommand, DescribeStacksCommand, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { mockClient } from 'aws-sdk-client-mock';
import { parseCommandLine } from '../../../scripts/cli/args';
import { UsageError } from '../../../scripts/cli/errors';
import type { Discovered } from '../../../scripts/cli/fleet/discovery';
import { START_INTERVAL_MS, describePlan, planRotations, rotateAll, rotateAllExitCode } from '../../../scripts/cli/fleet/rotate-all';
import type { Target } from '../../../scripts/cli/fleet/targets';
import { PARAMETERS, stack } from '../../rotation.fixtures';
import { START, recordingOutput } from '../cli.fixtures';

const cloudformation = mockClient(CloudFormationClient);
const TIMESTAMP = '2026-11-22T10-00-00Z';
const HERE = { account: '111111111111', region: 'eu-west-1' };
const withTimestamp = (value: string) => PARAMETERS.map((p) => (p.ParameterKey === 'Timestamp' ? { ...p, ParameterValue: value } : p));
const clients = { cloudformation: new CloudFormationClient({ region: 'eu-west-1' }), apigateway: new APIGatewayClient({ region: 'eu-west-1' }), cloudfront: new CloudFrontClient({ region: 'eu-west-1' }) };
const idOf = (name: string, { account, region } = HERE) => `arn:aws:cloudformation:${region}:${account}:stack/${name}/1`;

/** The fleet's entries: each stack named, in each place. */
const found = (names: string[], places = [HERE]): Discovered[] => places.flatMap((place) => names.map((stack) => ({ ...place, stack, stackId: idOf(stack, place) })));

/** The stacks of `found(names, places)`, as DescribeStacks answers for one stack ID. */
function fleet(stacks: Record<string, { status?: string; timestamp?: string }>, places = [HERE]) {
  const described = places.flatMap((place) => Object.entries(stacks).map(([StackName, { status = 'UPDATE_COMPLETE', timestamp = '2026-10-01T00-00-00Z' }]) =>
    stack({ StackName, StackId: idOf(StackName, place), StackStatus: status as never, Parameters: withTimestamp(timestamp) })));
  cloudformation.on(DescribeStacksCommand).callsFake(async ({ StackName }) => ({ Stacks: described.filter((s) => s.StackId === StackName) }));
  cloudformation.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
}

/** The plan, then its rotations as the CLI runs them; `frozen`: sleeps do not move the clock, so each wait shows when its rotation was planned to start. */
async function run({ frozen = false, stacks = found(['a']), since, ...options }: { since?: string; timeoutMs?: number; frozen?: boolean; stacks?: Discovered[] } = {}) {
  let clock = START.getTime();
  const sleeps: number[] = [];
  const output = recordingOutput();
  const clientsFor = jest.fn((_: Target) => clients);
  const planning = { clientsFor, timestamp: TIMESTAMP, since, concurrency: 4 };
  const plan = await planRotations(stacks, planning);
  const results = await rotateAll(plan, {
    ...planning, timeoutMs: 3_600_000, now: () => new Date(clock), sleep: async (ms) => { sleeps.push(ms); if (!frozen) clock += ms; }, output, ...options,
  });
  return { plan, results, sleeps, output, clientsFor };
}

beforeEach(() => cloudformation.reset());

describe('rotateAll', () => {
  it('paces starts per account across its Regions, as API Gateway\'s key quotas are per account', async () => {
    const places = [HERE, { account: '111111111111', region: 'us-east-1' }, { account: '222222222222', region: 'eu-west-1' }];
    fleet({ a: {} }, places);
    cloudformation.on(UpdateStackCommand).resolves({});

    const { results, sleeps } = await run({ frozen: true, stacks: found(['a'], places) });

    expect(results.map((r) => r.state)).toEqual(['rotated', 'rotated', 'rotated']);
    expect(sleeps).toEqual([START_INTERVAL_MS]);
  });

  it('rotates every stack through the rotation module, starting at most one per 250 ms in an account', async () => {
    fleet({ a: {}, b: {}, c: {} });
    cloudformation.on(UpdateStackCommand).resolves({});

    const { results, sleeps } = await run({ frozen: true, stacks: found(['a', 'b', 'c']) });

    expect(results.map((r) => [r.stack, r.state])).toEqual([['a', 'rotated'], ['b', 'rotated'], ['c', 'rotated']]);
    expect(cloudformation.commandCalls(UpdateStackCommand).map((c) => c.args[0].input.ClientRequestToken)).toEqual(Array(3).fill(`rotate-${TIMESTAMP}`));
    expect(sleeps).toEqual([START_INTERVAL_MS, 2 * START_INTERVAL_MS]);
  });

  it('names each stack by its stack ID in every call, through the clients of the account and Region that ID gives', async () => {
    const places = [HERE, { account: '222222222222', region: 'us-east-1' }];
    fleet({ a: {} }, places);
    cloudformation.on(UpdateStackCommand).resolves({});

    const { results, clientsFor } = await run({ stacks: found(['a'], places) });

    expect(results.map((r) => [r.account, r.region, r.stack, r.state])).toEqual([[HERE.account, HERE.region, 'a', 'rotated'], ['222222222222', 'us-east-1', 'a', 'rotated']]);
    expect(cloudformation.commandCalls(UpdateStackCommand).map((c) => c.args[0].input.StackName).sort()).toEqual(places.map((place) => idOf('a', place)).sort());
    expect(cloudformation.commandCalls(DescribeStacksCommand).every((c) => places.some((place) => c.args[0].input.StackName === idOf('a', place)))).toBe(true);
    expect(new Set(clientsFor.mock.calls.map(([{ account, region }]) => `${account} ${region}`))).toEqual(new Set(places.map(({ account, region }) => `${account} ${region}`)));
  });

  it('reports a StackSet instance that has no stack yet as not rotated, and reads nothing for it', async () => {
    const pending: Discovered = { ...HERE, stack: '', unreachable: 'The StackSet instance has no stack yet (OUTDATED: creating).' };

    const { results } = await run({ stacks: [pending] });

    expect(results).toEqual([{ ...HERE, stack: '', state: 'failed', detail: 'not read: The StackSet instance has no stack yet (OUTDATED: creating).' }]);
    expect(cloudformation.calls()).toHaveLength(0);
    expect(rotateAllExitCode(results)).toBe(1);
  });

  it.each([
    ['a key not older than --since', { timestamp: '2026-11-22T09-00-00Z' }, 'key 2026-11-22T09-00-00Z is not older than --since'],
    ['a busy stack, never waited on', { status: 'UPDATE_IN_PROGRESS' }, 'busy (UPDATE_IN_PROGRESS): not waited on; run again later'],
  ])('skips %s, and says why', async (_, state, detail) => {
    fleet({ a: state });

    const { results } = await run({ since: '2026-11-22T08-00-00Z' });

    expect(results).toMatchObject([{ stack: 'a', state: 'skipped', detail }]);
    expect(cloudformation.commandCalls(UpdateStackCommand)).toHaveLength(0);
  });

  it('plans what would rotate from one read of each stack, and changes nothing', async () => {
    fleet({ a: {} });

    const plan = await planRotations(found(['a']), { clientsFor: () => clients, timestamp: TIMESTAMP, concurrency: 4 });

    expect(plan).toMatchObject([{ state: 'would rotate', detail: `Timestamp 2026-10-01T00-00-00Z → ${TIMESTAMP}` }]);
    expect(cloudformation.commandCalls(DescribeStacksCommand)).toHaveLength(1);
    expect(cloudformation.commandCalls(UpdateStackCommand)).toHaveLength(0);
  });

  it('counts up front what will rotate, what --since skips as already rotated, and the rest', async () => {
    fleet({ a: {}, b: { timestamp: '2026-11-22T09-00-00Z' }, c: { timestamp: '2026-11-22T09-30-00Z' }, d: { status: 'UPDATE_IN_PROGRESS' } });

    const plan = await planRotations(found(['a', 'b', 'c', 'd']), { clientsFor: () => clients, timestamp: TIMESTAMP, since: '2026-11-22T08-00-00Z', concurrency: 4 });

    expect(describePlan(plan, '2026-11-22T08-00-00Z')).toEqual({
      rotating: 1,
      notes: ['2 skipped, already rotated since 2026-11-22T08-00-00Z', '1 not rotated, busy or unread (see the table at the end)'],
    });
  });

  it('prints a progress line only for the stacks it rotates', async () => {
    fleet({ a: {}, b: { timestamp: '2026-11-22T09-00-00Z' } });
    cloudformation.on(UpdateStackCommand).resolves({});

    const { output } = await run({ stacks: found(['a', 'b']), since: '2026-11-22T08-00-00Z' });

    expect(output.lines).toEqual([expect.stringMatching(/^\[0\/1\] done 0, running 1,/), expect.stringMatching(/^\[1\/1\] done 1, running 0, failed 0, skipped 0,/)]);
  });

  it('stops following a rotation after the timeout and reports it failed', async () => {
    fleet({ a: {} });
    cloudformation.on(UpdateStackCommand).callsFake(async () => {
      fleet({ a: { status: 'UPDATE_IN_PROGRESS' } });
      return {};
    });

    const { results } = await run({ timeoutMs: 60_000 });

    expect(results).toMatchObject([{ state: 'failed', detail: 'Stack "a" was still rotating after 1 minutes; it goes on without this command. Check it with status.' }]);
    expect(rotateAllExitCode(results)).toBe(1);
  });
});

describe('rotate --all on the command line', () => {
  it('reads --since as an ISO time or a Timestamp, and the timeout', () => {
    expect(parseCommandLine(['rotate', '--all', '--since', '2026-11-23T03:10:00Z', '--timeout-minutes', '30'])).toMatchObject({
      name: 'rotate-all', since: '2026-11-23T03-10-00Z', timeoutMinutes: 30, fleet: { concurrency: 4 },
    });
    expect(parseCommandLine(['rotate', '--all', '--since', '2026-11-23T03-10-00Z'])).toMatchObject({ since: '2026-11-23T03-10-00Z', timeoutMinutes: 60 });
  });

  it.each([
    [['--since', 'yesterday'], '--since "yesterday" is not a time: give one like 2026-11-23T03:10:00Z (or a Timestamp, 2026-11-23T03-10-00Z).'],
    [['--no-wait'], '--all always follows each rotation to its end, so it takes no --no-wait.'],
    [['--timeout-minutes', '0'], '--timeout-minutes "0" is not valid: give a whole number from 1 to 720.'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCommandLine(['rotate', '--all', ...argv])).toThrow(new UsageError(message, 'rotate'));
  });
});
