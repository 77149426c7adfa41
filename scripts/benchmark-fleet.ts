// The fleet figures of `npm run benchmark`: how `status --all` and `rotate --all` grow with the
// fleet. The stacks are spread over two accounts and three Regions as in
// test/e2e/fleet.e2e.test.ts and read through an assumed role, as --accounts with --role-name
// does. The commands run through the functions the CLI calls, with clients that count their calls.
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  waitUntilStackCreateComplete,
} from '@aws-sdk/client-cloudformation';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { MiddlewareStack } from '@smithy/types';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { TIMESTAMP_PARAMETER } from '../lambda/rotation';
import { timestampFrom } from '../lambda/timestamp';
import { DEFAULT_CONCURRENCY } from './cli/args';
import { type Clients, createClients } from './cli/aws-clients';
import { type ClientOptions, fleetClients } from './cli/fleet/clients';
import type { Discovered } from './cli/fleet/discovery';
import { Gauge, mapPool } from './cli/fleet/pool';
import { planRotations, rotateAll } from './cli/fleet/rotate-all';
import { type FleetStackStatus, type RegionalClients, collectFleetStatus, healthOf } from './cli/fleet/status-all';
import { selectFleet } from './cli/fleet/select';
import type { Target } from './cli/fleet/targets';
import { emulatorClientConfig } from './emulator/launch';
import { type LocalAws, emulatorWaiter } from './emulator/local-stack';
import { carriedTemplate, deployTemplates } from './template';

/** Durations of an SDK client's calls, in milliseconds, by call name. */
export type Calls = Record<string, number[]>;

/**
 * Counts and times every call the SDK client makes, named by operation, or by service and
 * operation with `service`; `inFlight` records how many were under way at once.
 */
export function instrument(
  client: { middlewareStack: MiddlewareStack<any, any> },
  calls: Calls = {},
  { service = false, inFlight = new Gauge() } = {},
): Calls {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName).replace(/Command$/, '');
      const name = service ? `${String(context.clientName).replace(/Client$/, '')} ${operation}` : operation;
      const started = performance.now();
      inFlight.enter();
      try {
        return await next(args);
      } finally {
        inFlight.leave();
        (calls[name] ??= []).push(performance.now() - started);
      }
    },
    { step: 'initialize', name: 'benchmarkTimer' },
  );
  return calls;
}

const SIZES = [10, 50, 200];
export const ACCOUNTS = ['123456789012', '111111111111'];
const REGIONS = ['us-east-1', 'eu-west-1', 'us-west-2'];
const TARGETS: Target[] = ACCOUNTS.flatMap((account) => REGIONS.map((region) => ({ account, region })));
/** The CLI's default --timeout-minutes, 60. */
export const ROTATION_TIMEOUT_MS = 60 * 60_000;
export const quiet = { line: () => undefined, error: () => undefined, colour: false };
const ROLE_NAME = 'fleet-benchmark';
/** `status --all` reads only, so it is run this many times and its median reported; `rotate --all` once. */
const STATUS_ROUNDS = 3;
/** The emulator creates stacks about 1.6 times faster four at a time than one after another. */
const CREATE_CONCURRENCY = 4;

interface Run<T> {
  result: T;
  seconds: number;
  calls: Calls;
  /** The fleet code's own Gauge: accounts, Regions or stacks worked on at once. */
  peak: number;
  callsInFlight: number;
}

/** The CLI's clients factory, counting every call. */
function countingClients(calls: Calls, inFlight: Gauge) {
  return (options: ClientOptions): Clients => {
    const clients = createClients(options);
    for (const client of [clients.cloudformation, clients.apigateway, clients.cloudfront, clients.lambda]) instrument(client, calls, { service: true, inFlight });
    return clients;
  };
}

/** One fleet command as the CLI runs it with --regions, --accounts, --role-name and --concurrency, timed and counted. */
export async function measure<T>(concurrency: number, command: (stacks: Discovered[], clientsFor: (target: Target) => RegionalClients, gauge: Gauge, calls: Calls) => Promise<T>): Promise<Run<T>> {
  const calls: Calls = {};
  const inFlight = new Gauge();
  const gauge = new Gauge();
  const started = performance.now();
  const make = countingClients(calls, inFlight);
  // STS: the caller's identity, and AssumeRole through the SDK's temporary-credentials provider.
  const countSts = { applyToStack: (middlewareStack: MiddlewareStack<any, any>) => instrument({ middlewareStack }, calls, { service: true, inFlight }) };
  const { clientsFor, targetDependencies } = fleetClients(make, { region: REGIONS[0] }, ROLE_NAME, { stsPlugins: [countSts] });
  const { stacks } = await selectFleet({ regions: REGIONS, accounts: ACCOUNTS, roleName: ROLE_NAME }, {
    ...targetDependencies, cloudformation: make({ region: REGIONS[0] }).cloudformation, cloudformationFor: (target) => clientsFor(target).cloudformation, concurrency, gauge,
  });
  const result = await command(stacks, clientsFor, gauge, calls);
  return { result, seconds: (performance.now() - started) / 1000, calls, peak: gauge.peak, callsInFlight: inFlight.peak };
}

/** How many calls were made, of every name. */
export const callCount = (calls: Calls) => Object.values(calls).reduce((sum, samples) => sum + samples.length, 0);

/** The median run's figures; the calls and peaks of the runs are the same. */
function figures(command: string, size: number, runs: Run<unknown>[]): string {
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
  const { seconds, calls, peak, callsInFlight } = sorted[Math.floor(sorted.length / 2)];
  const spread = runs.length > 1 ? ` (median of ${runs.length}, ${sorted[0].seconds.toFixed(2)} to ${sorted[sorted.length - 1].seconds.toFixed(2)})` : '';
  const counts = Object.entries(calls).map(([name, samples]) => [name, samples.length] as const).sort(([a], [b]) => a.localeCompare(b));
  const total = callCount(calls);
  return `  ${command}, ${size} stacks: ${seconds.toFixed(2)} s${spread}, ${total} AWS calls (${(total / size).toFixed(1)} per stack: ${counts.map(([name, count]) => `${name} ${count}`).join(', ')}), ` +
    `peak concurrency ${peak}, at most ${callsInFlight} calls in flight`;
}

/** CloudFormation in each account and Region, through the role as the fleet commands reach it. */
export async function setUpClients(aws: LocalAws): Promise<(target: Target) => CloudFormationClient> {
  const config = emulatorClientConfig(aws.emulator.endpoint);
  const sts = new STSClient(config);
  const clients = new Map<string, CloudFormationClient>();
  for (const account of ACCOUNTS) {
    const { Credentials } = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/${ROLE_NAME}`, RoleSessionName: 'benchmark-setup' }));
    const credentials = { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken };
    for (const region of REGIONS) clients.set(`${account}/${region}`, new CloudFormationClient({ ...config, region, credentials }));
  }
  return ({ account, region }) => clients.get(`${account}/${region}`)!;
}

export type FleetStack = Target & { stack: string };

/**
 * Why the stack is not a healthy rotating stack, as CloudFormation tells: its status and status
 * reason, and the first failure of its latest operation (the reason names only the resource).
 */
async function whyNot(cloudformation: CloudFormationClient, stackName: string): Promise<string> {
  try {
    const { Stacks = [] } = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    const { StackEvents = [] } = await cloudformation.send(new DescribeStackEventsCommand({ StackName: stackName }));
    // Newest first: the latest operation's events come before its "User Initiated" start.
    const start = StackEvents.findIndex((event) => event.LogicalResourceId === stackName && event.ResourceStatusReason === 'User Initiated');
    const failed = StackEvents.slice(0, start < 0 ? undefined : start).findLast((event) => event.ResourceStatus?.endsWith('_FAILED'));
    const { StackStatus, StackStatusReason } = Stacks[0] ?? {};
    return [
      `${StackStatus}${StackStatusReason ? ` (${StackStatusReason})` : ''}`,
      ...(failed ? [`first failure: ${failed.LogicalResourceId} ${failed.ResourceStatus} (${failed.ResourceStatusReason})`] : []),
    ].join(', ');
  } catch (error) {
    return `not readable: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
  }
}

/**
 * What went wrong with the fleet, one line per stack: each stack of `fleet` that the command did
 * not report or reported with a `problem`, and why, then anything else it reported a problem with.
 */
export async function fleetProblems<T extends FleetStack>(
  fleet: FleetStack[],
  reported: T[],
  problem: (entry: T) => string | undefined,
  cloudformationIn: (target: Target) => CloudFormationClient,
): Promise<string[]> {
  const key = ({ account, region, stack }: FleetStack) => [account, region, stack].filter(Boolean).join(' ');
  const byKey = new Map(reported.map((entry) => [key(entry), entry]));
  const lines: string[] = [];
  for (const stack of fleet) {
    const entry = byKey.get(key(stack));
    byKey.delete(key(stack));
    const found = entry === undefined ? 'not found' : problem(entry);
    if (found !== undefined) lines.push(`${key(stack)}: ${found}; ${await whyNot(cloudformationIn(stack), stack.stack)}`);
  }
  for (const entry of byKey.values()) {
    const found = problem(entry);
    if (found !== undefined) lines.push(`${key(entry)}: ${found}`);
  }
  return lines;
}

/** The CLI's SDK clients find the emulator through the environment, as in the e2e tests; nothing else of AWS_* may steer them elsewhere. */
async function withEmulatorEnvironment(aws: LocalAws, work: () => Promise<void>): Promise<void> {
  const saved = Object.entries(process.env).filter(([name]) => name.startsWith('AWS_'));
  for (const [name] of saved) delete process.env[name];
  Object.assign(process.env, { AWS_ENDPOINT_URL: aws.emulator.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
  try {
    await work();
  } finally {
    for (const name of Object.keys(process.env).filter((name) => name.startsWith('AWS_'))) delete process.env[name];
    Object.assign(process.env, Object.fromEntries(saved));
  }
}

/** `size` stacks spread evenly over the accounts and Regions. */
function fleetOf(size: number): FleetStack[] {
  return Array.from({ length: size }, (_, index) => ({ ...TARGETS[index % TARGETS.length], stack: `fleet-${String(index + 1).padStart(3, '0')}` }));
}

/**
 * Creates the stacks as `deploy` does with no options, the Timestamp alone. CreateStack answers
 * once the creation has started: each one is waited on, CREATE_CONCURRENCY at a time.
 */
async function growFleet(cloudformationIn: (target: Target) => CloudFormationClient, stacks: FleetStack[]): Promise<void> {
  const { templateBody } = deployTemplates();
  const creating = performance.now();
  await mapPool(stacks, CREATE_CONCURRENCY, async (stack) => {
    await cloudformationIn(stack).send(new CreateStackCommand({
      StackName: stack.stack,
      TemplateBody: templateBody,
      Parameters: [{ ParameterKey: TIMESTAMP_PARAMETER, ParameterValue: timestampFrom(new Date()) }],
      Capabilities: ['CAPABILITY_IAM'],
    }));
    await waitUntilStackCreateComplete(emulatorWaiter(cloudformationIn(stack)), { StackName: stack.stack });
  });
  console.log(`  set-up: ${stacks.length} more stacks created in ${((performance.now() - creating) / 1000).toFixed(2)} s (CreateStack, ${CREATE_CONCURRENCY} at once)`);
  // Timestamps have whole seconds: the rotation's must be newer than the new stacks' own.
  await sleep(1000);
}

/**
 * Grows the fleet into each of SIZES in turn, and measures each size with `each`, the CLI's
 * clients pointed at the emulator; `fleet` is every stack created so far.
 */
export async function forEachFleetSize(
  aws: LocalAws,
  cloudformationIn: (target: Target) => CloudFormationClient,
  each: (size: number, fleet: FleetStack[]) => Promise<void>,
): Promise<void> {
  const fleet = fleetOf(SIZES[SIZES.length - 1]);
  await withEmulatorEnvironment(aws, async () => {
    let created = 0;
    for (const size of SIZES) {
      await growFleet(cloudformationIn, fleet.slice(created, size));
      created = size;
      await each(size, fleet.slice(0, size));
    }
  });
}

export async function benchmarkFleet(aws: LocalAws): Promise<void> {
  const cloudformationIn = await setUpClients(aws);
  // The earlier figures' stacks are rotating stacks too: the fleet is to be exactly the stacks below.
  for (const target of TARGETS) {
    const { Stacks = [] } = await cloudformationIn(target).send(new DescribeStacksCommand({}));
    for (const { StackName } of Stacks) await cloudformationIn(target).send(new DeleteStackCommand({ StackName }));
  }
  const carried = carriedTemplate();
  console.log(`Fleets over ${ACCOUNTS.length} accounts x ${REGIONS.length} Regions through an assumed role.`);
  await forEachFleetSize(aws, cloudformationIn, async (size, fleet) => {
    const statusRuns: Run<FleetStackStatus[]>[] = [];
    for (let round = 0; round < STATUS_ROUNDS; round += 1) {
      const status = await measure(DEFAULT_CONCURRENCY, (stacks, clientsFor, gauge) =>
        collectFleetStatus(stacks, { clientsFor, ...carried, now: () => new Date(), concurrency: DEFAULT_CONCURRENCY, gauge }),
      );
      const problems = await fleetProblems(fleet, status.result, (stack) => {
        const health = healthOf(stack);
        const why = [...(stack.report?.problems ?? []), ...(stack.report?.unread ?? []), ...(stack.unreachable === undefined ? [] : [stack.unreachable])];
        return health === 'healthy' ? undefined : `${health}: ${why.join('; ')}`;
      }, cloudformationIn);
      if (problems.length > 0) {
        const unhealthy = status.result.filter((stack) => healthOf(stack) !== 'healthy').length;
        throw new Error([`status --all found ${status.result.length} of ${size} stacks, ${unhealthy} not healthy:`, ...problems].join('\n  '));
      }
      statusRuns.push(status);
    }
    console.log(figures('status --all', size, statusRuns));

    const rotation = await measure(DEFAULT_CONCURRENCY, async (stacks, clientsFor, gauge) => {
      const planning = { clientsFor, timestamp: timestampFrom(new Date()), concurrency: DEFAULT_CONCURRENCY, gauge };
      return rotateAll(await planRotations(stacks, planning), { ...planning, timeoutMs: ROTATION_TIMEOUT_MS, now: () => new Date(), sleep: (ms) => sleep(ms), output: quiet });
    });
    const problems = await fleetProblems(fleet, rotation.result, (stack) => (stack.state === 'rotated' ? undefined : `${stack.state}: ${stack.detail}`), cloudformationIn);
    if (problems.length > 0) {
      const rotated = rotation.result.filter((stack) => stack.state === 'rotated').length;
      throw new Error([`rotate --all rotated ${rotated} of ${size} stacks:`, ...problems].join('\n  '));
    }
    console.log(figures('rotate --all', size, [rotation]));
  });
}
