// The CDK construct end to end, on the emulator: the README's example app, bootstrapped and
// deployed by the CDK's own toolkit (scripts/cdk-deploy.ts), rotated by its rotation function
// as the schedule invokes it, then deployed again as `cdk deploy` would be, unchanged and with a
// change. After each step the key, the usage plan and the header agree, and the key never goes
// back. The emulator enforces no IAM: what the rotation role may reach is judged by the policy
// simulator (test/iam-simulator.test.ts, "the rotation role of a stack that `cdk deploy` last updated").
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeStackResourceCommand, DescribeStacksCommand, waitUntilStackRollbackComplete, waitUntilStackUpdateComplete } from '@aws-sdk/client-cloudformation';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { buildSync } from 'esbuild';
import { parameterOf } from '../../lambda/rotation';
import { PROJECT_ROOT } from '../../scripts/paths';
import { runCdk } from '../../scripts/emulator/cdk';
import { type LocalAws, emulatorSleep, emulatorWaiter, steadyTraffic } from '../../scripts/emulator/local-stack';
import { localAws } from '../support/emulator-broker';
import { deploy } from '../../scripts/cli/deploy';
import { deployTemplates } from '../../scripts/template';
import { recordingOutput } from '../cli/cli.fixtures';
import { keyState, scheduledEvent } from './e2e.fixtures';

jest.setTimeout(120_000);

const STACK = 'shop-edge';
const EXAMPLE = join(PROJECT_ROOT, 'scripts', 'cdk-example.ts');
const BOOTSTRAP_ROLE = 'arn:aws:iam::123456789012:role/cdk-hnb659fds-cfn-exec-role-123456789012-us-east-1';
const SERVICE_ROLE = 'arn:aws:iam::123456789012:role/cloudfront-api-key-rotation/shop-edge-cfn';

let aws: LocalAws;

beforeAll(async () => {
  aws = await localAws();
  await runCdk(aws, ['bootstrap', '123456789012', 'us-east-1']);
});

afterEach(() => aws.apiStage.refuse(undefined));

afterAll(async () => aws?.stop());

/** The example app with `edit` made to its source, built as a developer's app is before `cdk deploy` runs it. */
function exampleApp(edit: (source: string) => string = (source) => source): string {
  const source = edit(readFileSync(EXAMPLE, 'utf8'));
  const outfile = join(PROJECT_ROOT, 'dist', 'e2e', `cdk-example-${Buffer.from(source).length}.js`);
  buildSync({ stdin: { contents: source, loader: 'ts', resolveDir: join(PROJECT_ROOT, 'scripts'), sourcefile: 'cdk-example.ts' }, bundle: true, platform: 'node', packages: 'external', outfile, logLevel: 'warning' });
  return `node ${outfile}`;
}

/** The example as a developer changes it later: another schedule, and a key gate bound of 3 s, which the last test waits out. */
const changedApp = () => exampleApp((source) => source.replace("schedule: 'Monthly',", "schedule: 'Quarterly',\n  keyGateTimeoutSeconds: 3,"));
const cdkDeploy = (app: string) => runCdk(aws, ['deploy', join(PROJECT_ROOT, 'dist', 'e2e', 'cdk.out'), app]);
const describeStack = async (stackName = STACK) => (await aws.cloudformation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks![0];
const timestamp = async (stackName = STACK) => parameterOf(await describeStack(stackName), 'Timestamp');

/** Invokes the stack's rotation function as its schedule does, then follows the update it started. */
async function scheduledRotation(time: string, until = waitUntilStackUpdateComplete) {
  const { StackResourceDetail } = await aws.cloudformation.send(new DescribeStackResourceCommand({ StackName: STACK, LogicalResourceId: 'RotationFunction' }));
  const answer = await aws.lambda.send(new InvokeCommand({ FunctionName: StackResourceDetail!.PhysicalResourceId, Payload: JSON.stringify(scheduledEvent(time)) }));
  expect(answer.FunctionError).toBeUndefined();
  await until(emulatorWaiter(aws.cloudformation), { StackName: STACK });
}

/** The key as the services hold it, and that they agree: the header is the key, the only one in the usage plan. */
async function agreeingKey(stackName = STACK) {
  const state = await keyState(aws, stackName);
  expect(state.header).toBe(state.keyValue);
  expect(state.planKeyIds).toEqual([state.keyId]);
  return state;
}

describe("the README's CDK app", () => {
  it('deploys, rotates on schedule as the service role, and keeps the rotated key through later deploys', async () => {
    await cdkDeploy(exampleApp());
    const created = await agreeingKey();
    expect([(await describeStack()).RoleARN, await timestamp()]).toEqual([BOOTSTRAP_ROLE, expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/)]);

    const now = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    await scheduledRotation(now);
    const rotated = await agreeingKey();
    expect(rotated.keyId).not.toBe(created.keyId);
    expect(await timestamp()).toBe(now.replaceAll(':', '-'));
    expect((await describeStack()).RoleARN).toBe(SERVICE_ROLE);

    await cdkDeploy(exampleApp());
    expect(await agreeingKey()).toEqual(rotated);
    expect(await timestamp()).toBe(now.replaceAll(':', '-'));

    const { output } = await cdkDeploy(changedApp());
    expect(output).toMatch(/UPDATE_COMPLETE\s+\| AWS::Events::Rule\s+\| ShopFront\/Key\/Template\/RotationSchedule/);
    expect(output).toMatch(/UPDATE_COMPLETE\s+\| AWS::CloudFormation::CustomResource\s+\| ShopFront\/Key\/Template\/KeyGate/);
    expect(await agreeingKey()).toEqual(rotated);
    expect(await timestamp()).toBe(now.replaceAll(':', '-'));
    expect((await describeStack()).StackStatus).toBe('UPDATE_COMPLETE');
  });

  it('stops, at the key gate, a rotation to a key the API refuses, and no request through CloudFront is refused', async () => {
    // The stack as the previous test left it: deployed from changedApp().
    const before = await agreeingKey();
    const previous = await timestamp();
    await aws.apiStage.refuse({ newKeys: {} });
    const traffic = steadyTraffic(aws, STACK);

    await scheduledRotation(new Date(Math.floor(Date.now() / 1000) * 1000 + 1000).toISOString().replace('.000Z', 'Z'), waitUntilStackRollbackComplete);

    const { refused, refusals } = await (await traffic).stop();
    expect({ refused, refusals }).toEqual({ refused: 0, refusals: {} });
    expect((await describeStack()).StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(await agreeingKey()).toEqual(before);
    expect(await timestamp()).toBe(previous);
  });

  it('takes over, in place and keeping its key, a stack that deploy --service-role made with the same options', async () => {
    const options = { ApiKeyRotationSchedule: 'Monthly', NotificationEmail: 'ops@example.com' };
    await deploy({ stackName: 'moved-edge', parameters: options, rotate: false, serviceRole: true, testRotation: false }, { ...aws, ...deployTemplates(), now: () => new Date(), sleep: emulatorSleep, output: recordingOutput() });
    const before = await agreeingKey('moved-edge');
    const previous = await timestamp('moved-edge');

    // The example for this stack, without the operations stack, which the first test's app owns.
    await cdkDeploy(exampleApp((source) => source.replace("stackName: 'shop-edge'", "stackName: 'moved-edge'").replace(/\n\/\/ The rest of the app[\s\S]*$/, '\n')));

    const moved = await describeStack('moved-edge');
    expect([moved.StackStatus, moved.Parameters?.map((p) => p.ParameterKey)]).toEqual(['UPDATE_COMPLETE', ['Timestamp']]);
    expect(await timestamp('moved-edge')).toBe(previous);
    expect(await agreeingKey('moved-edge')).toEqual(before);
  });
});
