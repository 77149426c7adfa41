import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStackEventsCommand, DescribeStacksCommand, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { mockClient } from 'aws-sdk-client-mock';
import { parseCommandLine } from '../../../scripts/cli/args';
import { UsageError } from '../../../scripts/cli/errors';
import { START_INTERVAL_MS, rotateAll, rotateAllExitCode } from '../../../scripts/cli/fleet/rotate-all';
import { PARAMETERS, stack } from '../../rotation.fixtures';
import { START, recordingOutput } from '../cli.fixtures';

const cloudformation = mockClient(CloudFormationClient);
const OWN_OUTPUTS = ['ApiKeyId', 'ApiKeySecretArn', 'CloudFrontURL', 'DistributionId', 'UsagePlanId'].map((OutputKey) => ({ OutputKey, OutputValue: 'x' }));
const TIMESTAMP = '2026-11-22T10-00-00Z';
const withTimestamp = (value: string) => PARAMETERS.map((p) => (p.ParameterKey === 'Timestamp' ? { ...p, ParameterValue: value } : p));
const clients = { cloudformation: new CloudFormationClient({ region: 'eu-west-1' }), apigateway: new APIGatewayClient({ region: 'eu-west-1' }), cloudfront: new CloudFrontClient({ region: 'eu-west-1' }) };

function fleet(stacks: Record<string, { status?: string; timestamp?: string }>) {
  const described = Object.entries(stacks).map(([StackName, { status = 'UPDATE_COMPLETE', timestamp = '2026-10-01T00-00-00Z' }]) =>
    stack({ StackName, StackStatus: status as never, Parameters: withTimestamp(timestamp), Outputs: OWN_OUTPUTS }));
  cloudformation.on(DescribeStacksCommand).callsFake(async ({ StackName }) => ({ Stacks: StackName ? described.filter((s) => s.StackName === StackName) : described }));
  cloudformation.on(DescribeStackEventsCommand).resolves({ StackEvents: [] });
}

/** `frozen`: sleeps do not move the clock, so each wait shows when its rotation was planned to start. */
async function run({ frozen = false, targets = [{ account: '111111111111', region: 'eu-west-1' }], ...options }: { since?: string; dryRun?: boolean; timeoutMs?: number; frozen?: boolean; targets?: { account: string; region: string }[] } = {}) {
  let clock = START.getTime();
  const sleeps: number[] = [];
  const output = recordingOutput();
  const results = await rotateAll(targets, {
    clientsFor: () => clients, timestamp: TIMESTAMP, dryRun: false, concurrency: 4, timeoutMs: 3_600_000,
    now: () => new Date(clock), sleep: async (ms) => { sleeps.push(ms); if (!frozen) clock += ms; }, output, ...options,
  });
  return { results, sleeps, output };
}

beforeEach(() => cloudformation.reset());

describe('rotateAll', () => {
  it('paces starts per account across its Regions, as API Gateway\'s key quotas are per account', async () => {
    fleet({ a: {} });
    cloudformation.on(UpdateStackCommand).resolves({});

    const { results, sleeps } = await run({
      frozen: true,
      targets: [{ account: '111111111111', region: 'eu-west-1' }, { account: '111111111111', region: 'us-east-1' }, { account: '222222222222', region: 'eu-west-1' }],
    });

    expect(results.map((r) => r.state)).toEqual(['rotated', 'rotated', 'rotated']);
    expect(sleeps).toEqual([START_INTERVAL_MS]);
  });

  it('rotates every stack through the rotation module, starting at most one per 250 ms in an account', async () => {
    fleet({ a: {}, b: {}, c: {} });
    cloudformation.on(UpdateStackCommand).resolves({});

    const { results, sleeps } = await run({ frozen: true });

    expect(results.map((r) => [r.stack, r.state])).toEqual([['a', 'rotated'], ['b', 'rotated'], ['c', 'rotated']]);
    expect(cloudformation.commandCalls(UpdateStackCommand).map((c) => c.args[0].input.ClientRequestToken)).toEqual(Array(3).fill(`rotate-${TIMESTAMP}`));
    expect(sleeps).toEqual([START_INTERVAL_MS, 2 * START_INTERVAL_MS]);
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

  it('lists what would rotate with dryRun, and calls no UpdateStack', async () => {
    fleet({ a: {} });

    const { results } = await run({ dryRun: true });

    expect(results).toMatchObject([{ state: 'skipped', detail: `would rotate: Timestamp 2026-10-01T00-00-00Z → ${TIMESTAMP}` }]);
    expect(cloudformation.commandCalls(UpdateStackCommand)).toHaveLength(0);
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
