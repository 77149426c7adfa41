// Service-role mode end to end, on the emulator: `deploy --service-role` deploys the companion
// stack, gives the stack its role, and tests the unattended path by invoking the rotation
// function (its built inline code, on Node 24) as the schedule does. The emulator enforces no
// IAM: what these tests prove is the wiring; what the policies allow and deny is judged by an IAM
// policy simulator in test/iam-simulator.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateStackCommand, DescribeStacksCommand, waitUntilStackUpdateComplete } from '@aws-sdk/client-cloudformation';
import { GetFunctionConfigurationCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import { deleteStack } from '../../scripts/cli/delete';
import { deploy } from '../../scripts/cli/deploy';
import { type LocalAws, emulatorSleep, emulatorWaiter, fireSchedule, scheduleArn } from '../../scripts/emulator/local-stack';
import { localAws } from '../support/emulator-broker';
import { createTeamDistribution } from '../../scripts/emulator/team-distribution';
import { deployTemplates } from '../../scripts/template';
import { recordingOutput } from '../cli/cli.fixtures';
import { keyState, scheduledEvent } from './e2e.fixtures';
import { followToSuccess } from '../../scripts/cli/stack-events';

jest.setTimeout(90_000);

let aws: LocalAws;

beforeAll(async () => {
  aws = await localAws();
});

afterAll(async () => aws?.stop());

const describeStack = async (stackName: string) => (await aws.cloudformation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks![0];
const parameter = async (stackName: string, key: string) => (await describeStack(stackName)).Parameters?.find((p) => p.ParameterKey === key)?.ParameterValue;
const output = async (stackName: string, key: string) => (await describeStack(stackName)).Outputs?.find((o) => o.OutputKey === key)?.OutputValue;

async function deployWith(stackName: string, request: { serviceRole?: boolean; testRotation?: boolean; parameters?: Record<string, string> }, now: Date) {
  const lines = recordingOutput();
  await deploy({ stackName, parameters: {}, rotate: false, ...request }, { ...aws, ...deployTemplates(), now: () => now, sleep: emulatorSleep, output: lines });
  return lines.lines;
}

describe('deploy --service-role', () => {
  it("creates the companion, gives the stack its role, and proves the scheduled rotation through the function itself", async () => {
    const lines = await deployWith('svc-new', { serviceRole: true }, new Date());

    const role = await output('svc-new-service-role', 'ServiceRoleArn');
    expect(role).toMatch(/^arn:aws:iam::123456789012:role\/cloudfront-api-key-rotation\/svc-new-cfn$/);
    expect((await describeStack('svc-new')).RoleARN).toBe(role);
    expect(await parameter('svc-new', 'ServiceRoleArn')).toBe(role);
    expect(lines).toContainEqual(expect.stringMatching(/^Checked: the rotation function, invoked as its schedule invokes it, rotated the key of stack svc-new: the active key \w{10} is its rotation's and the only key in the usage plan\.$/));
    const state = await keyState(aws, 'svc-new');
    expect(state.header).toBe(state.keyValue);
  });

  it('moves an existing stack into the mode with one deploy, and later rotations keep the role', async () => {
    await deployWith('svc-move', { testRotation: false }, new Date('2026-11-22T10:00:00Z'));
    expect((await describeStack('svc-move')).RoleARN).toBeUndefined();

    const lines = await deployWith('svc-move', { serviceRole: true }, new Date());
    const role = await output('svc-move-service-role', 'ServiceRoleArn');
    expect((await describeStack('svc-move')).RoleARN).toBe(role);
    expect(lines).toContainEqual(expect.stringMatching(/^Checked: the rotation function/));

    // A scheduled run: EventBridge invokes the function, which updates the stack as its service role.
    const { StackResourceDetail } = await aws.cloudformation.send(new DescribeStackResourceCommand({ StackName: 'svc-move', LogicalResourceId: 'RotationFunction' }));
    const time = new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const answer = await aws.lambda.send(new InvokeCommand({ FunctionName: StackResourceDetail!.PhysicalResourceId, Payload: JSON.stringify(scheduledEvent(time)) }));
    expect(answer.FunctionError).toBeUndefined();
    expect(JSON.parse(new TextDecoder().decode(answer.Payload))).toMatchObject({ result: 'started' });
    await waitUntilStackUpdateComplete(emulatorWaiter(aws.cloudformation), { StackName: 'svc-move' });

    const after = await describeStack('svc-move');
    expect([after.StackStatus, after.RoleARN]).toEqual(['UPDATE_COMPLETE', role]);
  });

  it("sets an existing distribution's header, and scopes the companion's boundary, not its role, to that distribution", async () => {
    const { apiUrl, distributionId } = await createTeamDistribution(aws);

    const lines = await deployWith('svc-team', { serviceRole: true, parameters: { ApiURL: apiUrl, DistributionId: distributionId, KeyGateTimeoutSeconds: '3' } }, new Date());

    expect(lines).toContainEqual(expect.stringMatching(/^Checked: the rotation function, invoked as its schedule invokes it, rotated the key of stack svc-team/));
    const state = await keyState(aws, 'svc-team');
    expect(state.header).toBe(state.keyValue);
    expect([await parameter('svc-team-service-role', 'AdoptedDistributionId'), await parameter('svc-team-service-role', 'DistributionId')]).toEqual([distributionId, '']);
  });

  it('rotates in a rotation window: Scheduler invokes the function with the bounded scheduler role, in the group the service role may manage', async () => {
    await deployWith('svc-window', { serviceRole: true, testRotation: false, parameters: { RotationHour: '9' } }, new Date('2026-11-22T10:00:00Z'));
    const before = await keyState(aws, 'svc-window');
    const arn = await scheduleArn(aws.cloudformation, 'svc-window', 'RotationWindow', 'RotationScheduleGroup');
    expect(arn).toMatch(/^arn:aws:scheduler:us-east-1:123456789012:schedule\/svc-window\.rotation\/svc-window-RotationWindow-\w{12}$/);

    expect(await fireSchedule(aws, arn, '2026-11-23T09:00:00Z')).toMatchObject({ result: { result: 'started' } });
    await waitUntilStackUpdateComplete(emulatorWaiter(aws.cloudformation), { StackName: 'svc-window' });

    const after = await keyState(aws, 'svc-window');
    expect([after.keyName, after.header]).toEqual(['CloudFront-2026-11-23T09-00-00Z', after.keyValue]);
    expect(after.keyId).not.toBe(before.keyId);
    expect((await describeStack('svc-window')).RoleARN).toBe(await output('svc-window-service-role', 'ServiceRoleArn'));
  });

  it('delete removes the stack, then its companion, whose role deletes the stack', async () => {
    await deployWith('svc-gone', { serviceRole: true, testRotation: false }, new Date());
    const lines = recordingOutput();

    await deleteStack('svc-gone', { ...aws, now: () => new Date(), sleep: emulatorSleep, output: lines });

    for (const stackName of ['svc-gone', 'svc-gone-service-role']) {
      await expect(describeStack(stackName)).rejects.toThrow('does not exist');
    }
    expect(lines.lines.filter((line) => line.endsWith(': DELETE_COMPLETE.'))).toEqual(['Stack svc-gone: DELETE_COMPLETE.', 'Stack svc-gone-service-role: DELETE_COMPLETE.']);
  });

  it('tests nothing on a deploy that changes nothing', async () => {
    await deployWith('svc-same', { testRotation: false }, new Date('2026-11-22T10:00:00Z'));

    const lines = await deployWith('svc-same', { testRotation: true }, new Date('2026-11-22T11:00:00Z'));

    expect(lines).toContain('No changes: the stack already matches the template and parameters.');
    expect(lines.some((line) => line.startsWith('Testing the unattended path'))).toBe(false);
  });
});

// Stacks deployed before roles had paths: the templates as they were (fixtures), then one deploy
// of this version, then the schedule's rotation through the function.
describe('a stack deployed before role paths', () => {
  const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');
  const functionRole = async (stackName: string) => {
    const { StackResourceDetail } = await aws.cloudformation.send(new DescribeStackResourceCommand({ StackName: stackName, LogicalResourceId: 'RotationFunction' }));
    return (await aws.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: StackResourceDetail!.PhysicalResourceId }))).Role;
  };
  const create = async (input: ConstructorParameters<typeof CreateStackCommand>[0]) => {
    await aws.cloudformation.send(new CreateStackCommand({ ...input, ClientRequestToken: `create-${input.StackName}` }));
    await followToSuccess({ cloudformation: aws.cloudformation, stackName: input.StackName!, clientRequestToken: `create-${input.StackName}`, since: new Date(0), sleep: emulatorSleep, output: recordingOutput() });
  };
  const companionParameter = async (stackName: string, key: string) => parameter(`${stackName}-service-role`, key);

  it('with a service role: one deploy moves its roles, the companion lets go of the old ones, and the schedule rotates', async () => {
    await create({ StackName: 'old-svc-service-role', TemplateBody: fixture('service-role-before-role-paths.yaml'), Parameters: [{ ParameterKey: 'StackName', ParameterValue: 'old-svc' }], Capabilities: ['CAPABILITY_NAMED_IAM'] });
    const role = await output('old-svc-service-role', 'ServiceRoleArn');
    await create({
      StackName: 'old-svc', TemplateBody: fixture('template-before-role-paths.yaml'), RoleARN: role, Capabilities: ['CAPABILITY_IAM'],
      Parameters: [{ ParameterKey: 'Timestamp', ParameterValue: '2026-11-22' }, { ParameterKey: 'ServiceRoleArn', ParameterValue: role }],
    });
    expect(await functionRole('old-svc')).toMatch(/:role\/old-svc-RotationRole-/);

    const lines = await deployWith('old-svc', { testRotation: true }, new Date());

    expect(await functionRole('old-svc')).toMatch(/:role\/cloudfront-api-key-rotation\/us-east-1\/old-svc\/old-svc-RotationRole-/);
    expect(await companionParameter('old-svc', 'RetiringRoleNames')).toBe('');
    expect(await companionParameter('old-svc', 'DistributionId')).toBe(await output('old-svc', 'DistributionId'));
    expect(await companionParameter('old-svc', 'UsagePlanId')).toBe(await output('old-svc', 'UsagePlanId'));
    expect(lines).toContainEqual(expect.stringMatching(/^Checked: the rotation function, invoked as its schedule invokes it, rotated the key of stack old-svc/));
    const state = await keyState(aws, 'old-svc');
    expect(state.header).toBe(state.keyValue);
  });

  it('without a service role: one deploy moves its roles, and the schedule rotates', async () => {
    await create({ StackName: 'old-plain', TemplateBody: fixture('template-before-role-paths.yaml'), Capabilities: ['CAPABILITY_IAM'], Parameters: [{ ParameterKey: 'Timestamp', ParameterValue: '2026-11-22' }] });

    const lines = await deployWith('old-plain', { testRotation: true }, new Date());

    expect(await functionRole('old-plain')).toMatch(/:role\/cloudfront-api-key-rotation\/us-east-1\/old-plain\/old-plain-RotationRole-/);
    expect(lines).toContainEqual(expect.stringMatching(/^Checked: the rotation function, invoked as its schedule invokes it, rotated the key of stack old-plain/));
  });
});
