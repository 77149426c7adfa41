// The emulator's stand-ins for AWS's time during a rotation (moto_extension/timing.py): a
// distribution's deployment, which the stack update waits for with the distribution InProgress,
// and the rollback monitoring period, which holds the cleanup back. Other stacks' operations go on
// during both waits. The tests check what happens in which order, never how long it took.
import { GetApiKeyCommand, NotFoundException } from '@aws-sdk/client-api-gateway';
import { DescribeStackEventsCommand, DescribeStacksCommand, ListStacksCommand, type StackStatus, waitUntilStackUpdateComplete } from '@aws-sdk/client-cloudformation';
import { GetDistributionCommand, ListDistributionsCommand } from '@aws-sdk/client-cloudfront';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { rotateApiKey } from '../../lambda/rotation';
import { EMULATOR_PYTHON, EmulatorStartError, startEmulator } from '../../scripts/emulator/launch';
import { type LocalAws, emulatorWaiter, stackOutput, startLocalAws } from '../../scripts/emulator/local-stack';
import { PROJECT_ROOT } from '../../scripts/paths';
import { deployStack, keyState } from './e2e.fixtures';

jest.setTimeout(60_000);

// Deployments long enough that a second stack's rotation reaches its own before the first one's
// ends (its steps before the distribution take well under a second); no monitoring period.
let deploying: LocalAws;
// The default short deployment, and a monitoring period long enough that another stack's whole
// rotation fits into it.
let monitoring: LocalAws;

beforeAll(async () => {
  [deploying, monitoring] = await Promise.all([
    startLocalAws({ timing: { deploymentSeconds: 2 } }),
    startLocalAws({ timing: { monitoringSeconds: 3 } }),
  ]);
});

afterAll(async () => Promise.all([deploying?.stop(), monitoring?.stop()]));

// The statuses of an update under way (User Guide, "Stack status codes"), as the CLI polls them.
const UNDER_WAY: StackStatus[] = ['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS'];

/** Starts the rotation to `timestamp` as the Lambda and the CLI do, with the stack's RollbackConfiguration output. */
async function rotate(aws: LocalAws, stackName: string, timestamp: string) {
  const outcome = await rotateApiKey(aws.cloudformation, { stackName, timestamp, clientRequestToken: `rotate-${timestamp}`, now: timestamp });
  expect(outcome.result).toBe('started');
}

const stack = async (aws: LocalAws, StackName: string) => (await aws.cloudformation.send(new DescribeStacksCommand({ StackName }))).Stacks![0];

/** The stack's distribution as ListDistributions summarises it. */
async function distributionSummary(aws: LocalAws, stackName: string) {
  const id = await stackOutput(aws.cloudformation, stackName, 'DistributionId');
  const { DistributionList } = await aws.cloudfront.send(new ListDistributionsCommand({}));
  return DistributionList!.Items!.find((item) => item.Id === id)!;
}

/** Polls `read` until `done` holds for what it read, and returns that. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The distribution's summary once it is `status` after a change made since the stack's update began. */
async function distributionOnceChanged(aws: LocalAws, stackName: string, status: 'InProgress' | 'Deployed') {
  const began = (await stack(aws, stackName)).LastUpdatedTime!;
  return until(() => distributionSummary(aws, stackName), (d) => d.Status === status && d.LastModifiedTime! >= began);
}

const updated = (aws: LocalAws, StackName: string) => waitUntilStackUpdateComplete(emulatorWaiter(aws.cloudformation), { StackName });

/** When the stack's `logicalId` reached `status` in the update to `timestamp`, by the emulator's clock. */
async function eventTime(aws: LocalAws, StackName: string, timestamp: string, logicalId: string, status: string): Promise<Date> {
  const { StackEvents = [] } = await aws.cloudformation.send(new DescribeStackEventsCommand({ StackName }));
  const event = StackEvents.find((e) => e.ClientRequestToken === `rotate-${timestamp}` && e.LogicalResourceId === logicalId && e.ResourceStatus === status);
  return event!.Timestamp!;
}

describe('a distribution deploying during a rotation', () => {
  it('reads InProgress, modified since the update began, in GetDistribution and ListDistributions, then Deployed', async () => {
    await deployStack(deploying, 'deploying');
    const distributionId = await stackOutput(deploying.cloudformation, 'deploying', 'DistributionId');
    const started = new Date();

    await rotate(deploying, 'deploying', '2026-11-23T10-00-00Z');

    const summary = await distributionOnceChanged(deploying, 'deploying', 'InProgress');
    const { Distribution } = await deploying.cloudfront.send(new GetDistributionCommand({ Id: distributionId }));
    const { LastUpdatedTime, StackStatus } = await stack(deploying, 'deploying');
    expect(LastUpdatedTime!.getTime()).toBeGreaterThanOrEqual(started.getTime());
    expect(summary).toMatchObject({ Id: distributionId, Status: 'InProgress' });
    expect(summary.LastModifiedTime!.getTime()).toBeGreaterThanOrEqual(LastUpdatedTime!.getTime());
    expect(Distribution).toMatchObject({ Id: distributionId, Status: 'InProgress', LastModifiedTime: summary.LastModifiedTime });
    expect(StackStatus).toBe('UPDATE_IN_PROGRESS');

    await updated(deploying, 'deploying');
    expect(await distributionSummary(deploying, 'deploying')).toMatchObject({ Status: 'Deployed', LastModifiedTime: summary.LastModifiedTime });
  });

  it("lets another stack's rotation, started meanwhile, reach its own deployment before the first deployment ends", async () => {
    await Promise.all([deployStack(deploying, 'first'), deployStack(deploying, 'second')]);
    await rotate(deploying, 'first', '2026-11-23T10-00-00Z');
    await distributionOnceChanged(deploying, 'first', 'InProgress');

    await rotate(deploying, 'second', '2026-11-23T11-00-00Z');

    await Promise.all([updated(deploying, 'first'), updated(deploying, 'second')]);
    // Had the first update kept its turn while deploying, the second would have changed nothing
    // before the first one's distribution was deployed.
    const firstDeployed = await eventTime(deploying, 'first', '2026-11-23T10-00-00Z', 'Distribution', 'UPDATE_COMPLETE');
    const secondDeploying = await eventTime(deploying, 'second', '2026-11-23T11-00-00Z', 'Distribution', 'UPDATE_IN_PROGRESS');
    expect(secondDeploying.getTime()).toBeLessThan(firstDeployed.getTime());
  });
});

describe('a rotation with a rollback monitoring period', () => {
  it('stays UPDATE_IN_PROGRESS once the distribution is Deployed, keeping the old key until the cleanup', async () => {
    await deployStack(monitoring, 'monitored'); // RollbackMonitoringMinutes: its default, 10
    const before = await keyState(monitoring, 'monitored');

    await rotate(monitoring, 'monitored', '2026-11-23T10-00-00Z');

    await distributionOnceChanged(monitoring, 'monitored', 'Deployed');
    // The key first: a stack still UPDATE_IN_PROGRESS afterwards was not cleaned up yet when it was read.
    const oldKey = await monitoring.apigateway.send(new GetApiKeyCommand({ apiKey: before.keyId }));
    const { StackId, StackStatus } = await stack(monitoring, 'monitored');
    const { StackSummaries = [] } = await monitoring.cloudformation.send(new ListStacksCommand({ StackStatusFilter: UNDER_WAY }));
    expect(oldKey.id).toBe(before.keyId);
    expect(StackStatus).toBe('UPDATE_IN_PROGRESS');
    expect(StackSummaries.find((s) => s.StackId === StackId)?.StackStatus).toBe('UPDATE_IN_PROGRESS');

    await updated(monitoring, 'monitored');
    const { StackSummaries: afterwards = [] } = await monitoring.cloudformation.send(new ListStacksCommand({ StackStatusFilter: UNDER_WAY }));
    expect(afterwards.map((s) => s.StackId)).not.toContain(StackId);
    await expect(monitoring.apigateway.send(new GetApiKeyCommand({ apiKey: before.keyId }))).rejects.toBeInstanceOf(NotFoundException);
  });

  it('is not waited for when MonitoringTimeInMinutes is 0: that rotation ends while a monitored one is still monitoring', async () => {
    await Promise.all([deployStack(monitoring, 'watched'), deployStack(monitoring, 'unwatched', { RollbackMonitoringMinutes: '0' })]);
    expect(JSON.parse(await stackOutput(monitoring.cloudformation, 'unwatched', 'RollbackConfiguration'))).toMatchObject({ MonitoringTimeInMinutes: 0 });
    await rotate(monitoring, 'watched', '2026-11-23T10-00-00Z');
    await distributionOnceChanged(monitoring, 'watched', 'Deployed');

    await rotate(monitoring, 'unwatched', '2026-11-23T11-00-00Z');

    await updated(monitoring, 'unwatched');
    expect((await stack(monitoring, 'watched')).StackStatus).toBe('UPDATE_IN_PROGRESS');
    await updated(monitoring, 'watched');
  });
});

describe('the timing settings', () => {
  it('are refused by the launcher unless numbers of seconds, before the server starts', async () => {
    await expect(startEmulator({ timing: { deploymentSeconds: Number.NaN } })).rejects.toThrow(
      new EmulatorStartError('The local AWS emulator did not start: timing.deploymentSeconds must be a number of seconds, 0 or more; it is NaN.'),
    );
    await expect(startEmulator({ timing: { monitoringSeconds: -1 } })).rejects.toBeInstanceOf(EmulatorStartError);
  });

  it('are refused by the server, from its environment, unless numbers of seconds', async () => {
    const server = join(PROJECT_ROOT, 'scripts', 'emulator', 'server.py');
    const run = promisify(execFile)(EMULATOR_PYTHON, [server], { env: { ...process.env, EMULATOR_MONITORING_SECONDS: 'ten' }, timeout: 30_000 });

    await expect(run).rejects.toMatchObject({
      code: 1,
      stderr: "The emulator's timing is wrong: EMULATOR_MONITORING_SECONDS must be a number of seconds, 0 or more; it is 'ten'.\n",
    });
  });
});
