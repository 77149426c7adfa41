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
import { GATE_MS, type StackSpec, simulatedFleet } from './rotating-fleet.fixtures';

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
  const cloudfront = mockClient(CloudFrontClient);
  beforeEach(() => cloudfront.reset());

  /** The fleet rotated on a clock that sleeps move, as the CLI runs it; every call recorded in order. */
  async function rotateFleet(specs: StackSpec[], { since, timeoutMs = 3_600_000, concurrency = 8 }: { since?: string; timeoutMs?: number; concurrency?: number } = {}) {
    let clock = START.getTime();
    const sim = simulatedFleet({ cloudformation, cloudfront }, () => clock, specs);
    const output = recordingOutput();
    const sleeps: number[] = [];
    const planning = { clientsFor: sim.clientsFor, timestamp: TIMESTAMP, since, concurrency };
    const plan = await planRotations(sim.found, planning);
    cloudformation.resetHistory();
    cloudfront.resetHistory();
    const results = await rotateAll(plan, {
      ...planning, timeoutMs, now: () => new Date(clock), sleep: async (ms) => { sleeps.push(ms); clock += ms; }, output,
    });
    const calls = [...cloudformation.calls(), ...cloudfront.calls()].map((call) => call.args[0].constructor.name.replace(/Command$/, ''));
    return { sim, plan, results, output, sleeps, calls, elapsedMs: clock - START.getTime() };
  }
  const inOneAccount = (count: number, place = HERE): StackSpec[] => Array.from({ length: count }, (_, i) => ({ ...place, name: `s${i + 1}` }));
  const count = (calls: string[], name: string) => calls.filter((call) => call === name).length;

  it('starts every rotation before following any, one per 250 ms in an account across its Regions', async () => {
    const specs = [...inOneAccount(2), { account: HERE.account, region: 'us-east-1', name: 'east' }, { account: '222222222222', region: 'eu-west-1', name: 'other' }];

    const { results, calls, sleeps } = await rotateFleet(specs);

    expect(results.map((r) => [r.stack, r.state])).toEqual([['s1', 'rotated'], ['s2', 'rotated'], ['east', 'rotated'], ['other', 'rotated']]);
    expect(calls.lastIndexOf('UpdateStack')).toBeLessThan(calls.indexOf('ListStacks'));
    // The first account's three starts are 250 ms apart; the other account's starts at once.
    expect(sleeps.slice(0, 2)).toEqual([START_INTERVAL_MS, START_INTERVAL_MS]);
    expect(cloudformation.commandCalls(UpdateStackCommand).map((c) => c.args[0].input.ClientRequestToken)).toEqual(Array(4).fill(`rotate-${TIMESTAMP}`));
  });

  it('names each stack by its stack ID in every call, through the clients of the account and Region that ID gives', async () => {
    const places = [HERE, { account: '222222222222', region: 'us-east-1' }];

    const { results } = await rotateFleet(places.map((place) => ({ ...place, name: 'a' })));

    expect(results.map((r) => [r.account, r.region, r.stack, r.state])).toEqual([[HERE.account, HERE.region, 'a', 'rotated'], ['222222222222', 'us-east-1', 'a', 'rotated']]);
    expect(cloudformation.commandCalls(UpdateStackCommand).map((c) => c.args[0].input.StackName).sort()).toEqual(places.map((place) => idOf('a', place)).sort());
    const named = [...cloudformation.commandCalls(DescribeStacksCommand), ...cloudformation.commandCalls(DescribeStackEventsCommand)].map((c) => c.args[0].input.StackName);
    expect(named.every((name) => places.some((place) => name === idOf('a', place)))).toBe(true);
  });

  it('follows 200 rotations in about one deployment and monitoring period, with one ListStacks per place and one ListDistributions per account a poll', async () => {
    const specs = [...inOneAccount(100), ...inOneAccount(100, { account: '222222222222', region: 'us-east-1' })];

    const { results, calls, elapsedMs } = await rotateFleet(specs);

    expect(results.every((r) => r.state === 'rotated')).toBe(true);
    // 100 starts per account take 25 s; then the gate, a 30 s deployment and 10 minutes of monitoring, and the last poll.
    expect(elapsedMs).toBeLessThanOrEqual(25_000 + GATE_MS + 30_000 + 600_000 + 2_000 + 5_000);
    const polls = count(calls, 'ListStacks') / 2;
    expect(count(calls, 'ListDistributions')).toBeLessThanOrEqual(2 * polls);
    // A stack's events are read once, when its rotation has ended.
    expect(count(calls, 'DescribeStackEvents')).toBe(200);
    expect(count(calls, 'DescribeStacks')).toBe(400);
  });

  it('shows the whole fleet live: started, deploying, in monitoring, cleaned up, and when the last old key goes', async () => {
    const { output } = await rotateFleet([{ ...HERE, name: 'a', monitoringMinutes: 1 }, { ...HERE, name: 'b', monitoringMinutes: 1, deployMs: 60_000 }]);

    expect(output.lines).toEqual([
      '[0 s] started 1/2, failed to start 0, skipped 0',
      '[0 s] started 2/2, failed to start 0, skipped 0',
      expect.stringMatching(/^\[0 s\] started 2\/2: deploying 2, in monitoring 0, rolling back 0, cleaned up 0, failed 0, skipped 0; the last old key goes once 2 more deployment\(s\) and their monitoring end$/),
      expect.stringMatching(/started 2\/2: deploying 1, in monitoring 1, .*cleaned up 0, .*once 1 more deployment/),
      expect.stringMatching(/started 2\/2: deploying 0, in monitoring 2, rolling back 0, cleaned up 0, failed 0, skipped 0; the last old key is expected to go at about 10:02:05 UTC$/),
      expect.stringMatching(/deploying 0, in monitoring 1, rolling back 0, cleaned up 1, failed 0/),
      expect.stringMatching(/deploying 0, in monitoring 0, rolling back 0, cleaned up 2, failed 0, skipped 0$/),
    ]);
  });

  it.each([
    ['rolled back by the gate', 'rolled back' as const, 'UPDATE_ROLLBACK_COMPLETE: KeyGate CREATE_FAILED: The API did not accept the new key.'],
    ['complete, but its old key left (a failed cleanup)', 'cleanup failed' as const, 'UPDATE_COMPLETE: ApiKey DELETE_FAILED: Rate exceeded'],
  ])('reports a rotation %s as failed, with the reason from its own operation\'s events', async (_, outcome, detail) => {
    const { results } = await rotateFleet([{ ...HERE, name: 'a', outcome }, { ...HERE, name: 'b' }]);

    expect(results.map((r) => [r.stack, r.state, r.detail])).toEqual([['a', 'failed', detail], ['b', 'rotated', 'old key deleted']]);
    expect(rotateAllExitCode(results)).toBe(1);
  });

  it('stops following at the timeout, counted from the start, and reports what was still rotating', async () => {
    const { results, elapsedMs, sleeps } = await rotateFleet([{ ...HERE, name: 'a', monitoringMinutes: 0, deployMs: 10_000 }, { ...HERE, name: 'slow', deployMs: 600_000 }], { timeoutMs: 60_000 });

    expect(results.map((r) => [r.stack, r.state, r.detail])).toEqual([
      ['a', 'rotated', 'old key deleted'],
      ['slow', 'failed', 'Stack "slow" was still rotating after 1 minutes; it goes on without this command. Check it with status.'],
    ]);
    expect(elapsedMs).toBeLessThanOrEqual(60_000);
    expect(sleeps.length).toBeGreaterThan(1);
  });

  it('ends the rotations of a place it may not list as not followed, and follows the rest', async () => {
    const other = { account: '222222222222', region: 'us-east-1' };
    const denied = Object.assign(new Error('User is not authorized to perform: cloudformation:ListStacks'), { name: 'AccessDenied' });
    let clock = START.getTime();
    const sim = simulatedFleet({ cloudformation, cloudfront }, () => clock, [{ ...HERE, name: 'a' }, { ...other, name: 'b' }], {
      listStacksError: (place) => (place.account === other.account ? denied : undefined),
    });
    const planning = { clientsFor: sim.clientsFor, timestamp: TIMESTAMP, concurrency: 4 };

    const results = await rotateAll(await planRotations(sim.found, planning), {
      ...planning, timeoutMs: 3_600_000, now: () => new Date(clock), sleep: async (ms) => { clock += ms; }, output: recordingOutput(),
    });

    expect(results.map((r) => [r.stack, r.state, r.detail])).toEqual([
      ['a', 'rotated', 'old key deleted'],
      ['b', 'failed', 'not followed: ListStacks failed: Access denied: User is not authorized to perform: cloudformation:ListStacks Grant the missing permission and try again.'],
    ]);
  });

  it('follows, without starting again, what an earlier run started, and skips what it rotated', async () => {
    const since = '2026-11-22T09-00-00Z';
    const specs: StackSpec[] = [
      { ...HERE, name: 'rotating', timestamp: '2026-11-22T09-00-00Z', updatingForMs: 10_000 },
      { ...HERE, name: 'rotated', timestamp: '2026-11-22T09-00-00Z' },
      { ...HERE, name: 'left', timestamp: '2026-10-01T00-00-00Z' },
    ];

    const { plan, results } = await rotateFleet(specs, { since });

    expect(plan.map((r) => [r.stack, r.state])).toEqual([['rotating', 'rotating'], ['rotated', 'skipped'], ['left', 'would rotate']]);
    expect(cloudformation.commandCalls(UpdateStackCommand).map((c) => c.args[0].input.StackName)).toEqual([idOf('left', HERE)]);
    expect(results.map((r) => [r.stack, r.state])).toEqual([['rotating', 'rotated'], ['rotated', 'skipped'], ['left', 'rotated']]);
  });

  it('keeps at most --concurrency calls in flight, however many rotations are under way', async () => {
    let inFlight = 0;
    let peak = 0;
    let clock = START.getTime();
    const sim = simulatedFleet({ cloudformation, cloudfront }, () => clock, inOneAccount(30));
    for (const client of [CloudFormationClient, CloudFrontClient]) {
      const original = client.prototype.send;
      jest.spyOn(client.prototype, 'send').mockImplementation(async function (this: any, ...args: any[]) {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        try {
          await new Promise(setImmediate);
          return await (original as any).apply(this, args);
        } finally {
          inFlight -= 1;
        }
      });
    }
    const planning = { clientsFor: sim.clientsFor, timestamp: TIMESTAMP, concurrency: 3 };

    const results = await rotateAll(await planRotations(sim.found, planning), {
      ...planning, timeoutMs: 3_600_000, now: () => new Date(clock), sleep: async (ms) => { clock += ms; }, output: recordingOutput(),
    });
    jest.restoreAllMocks();

    expect(results.every((r) => r.state === 'rotated')).toBe(true);
    expect(peak).toBe(3);
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

  it('prints live lines only for the stacks it rotates', async () => {
    const { output } = await rotateFleet([{ ...HERE, name: 'a', monitoringMinutes: 0 }, { ...HERE, name: 'b', timestamp: '2026-11-22T09-00-00Z' }], { since: '2026-11-22T08-00-00Z' });

    expect(output.lines[0]).toBe('[0 s] started 1/1, failed to start 0, skipped 0');
    expect(output.lines.at(-1)).toMatch(/started 1\/1: .*cleaned up 1, failed 0, skipped 0$/);
  });
});

describe('rotate --all on the command line', () => {
  it('reads --since as an ISO time or a Timestamp, and the timeout', () => {
    expect(parseCommandLine(['rotate', '--all', '--since', '2026-11-23T03:10:00Z', '--timeout-minutes', '30'])).toMatchObject({
      name: 'rotate-all', since: '2026-11-23T03-10-00Z', timeoutMinutes: 30, fleet: { concurrency: 8 },
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
