import { CloudFormationClient, DeleteStackCommand, DescribeStackEventsCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { NotThisTemplateError, StackBusyError, StackNotFoundError } from '../../lambda/errors';
import { deleteStack } from '../../scripts/cli/delete';
import { ServiceRoleInUseError, StackSetInstanceStackError } from '../../scripts/cli/errors';
import { NOT_FOUND, STACK_ID, stack } from '../rotation.fixtures';
import { START, newestFirst, noSleep, recordingOutput, stackEvent } from './cli.fixtures';

const cloudformation = mockClient(CloudFormationClient);
const COMPANION_ID = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/edge-api-service-role/9f8e7d6c-0000-4000-8000-000000000000';
const ROLE = 'arn:aws:iam::123456789012:role/cloudfront-api-key-rotation/edge-api-cfn';
let output: ReturnType<typeof recordingOutput>;
const run = (stackName = 'edge-api') => deleteStack(stackName, { cloudformation: new CloudFormationClient({ region: 'eu-west-1' }), now: () => START, sleep: noSleep, output });
const deleted = (name: string) => newestFirst([stackEvent(name, 'DELETE_IN_PROGRESS', 1, { token: 'delete-2026-11-22T10-00-00Z' }), stackEvent(name, 'DELETE_COMPLETE', 2, { token: 'delete-2026-11-22T10-00-00Z' })]);

beforeEach(() => {
  cloudformation.reset();
  output = recordingOutput();
  cloudformation.on(DeleteStackCommand).resolves({});
  cloudformation.on(DescribeStacksCommand, { StackName: 'edge-api' }).resolves({ Stacks: [stack()] });
  cloudformation.on(DescribeStacksCommand, { StackName: STACK_ID }).resolves({ Stacks: [stack({ StackStatus: 'DELETE_COMPLETE' })] });
  cloudformation.on(DescribeStackEventsCommand, { StackName: STACK_ID }).resolves(deleted('edge-api'));
});

describe('delete', () => {
  it('deletes the stack by its ID and follows it until DELETE_COMPLETE', async () => {
    await run();

    expect(cloudformation.commandCalls(DeleteStackCommand).map((call) => call.args[0].input)).toEqual([{ StackName: STACK_ID, ClientRequestToken: 'delete-2026-11-22T10-00-00Z' }]);
    expect(output.lines).toContain('Stack edge-api: DELETE_COMPLETE.');
  });

  it('then deletes its companion service-role stack, whose role deleted the stack', async () => {
    cloudformation.on(DescribeStacksCommand, { StackName: 'edge-api' }).resolves({ Stacks: [stack({ RoleARN: ROLE })] });
    cloudformation.on(DescribeStacksCommand, { StackName: 'edge-api-service-role' }).resolves({ Stacks: [stack({ StackName: 'edge-api-service-role', StackId: COMPANION_ID })] });
    cloudformation.on(DescribeStacksCommand, { StackName: COMPANION_ID }).resolves({ Stacks: [stack({ StackName: 'edge-api-service-role', StackId: COMPANION_ID, StackStatus: 'DELETE_COMPLETE' })] });
    cloudformation.on(DescribeStackEventsCommand, { StackName: COMPANION_ID }).resolves(deleted('edge-api-service-role'));

    await run();

    expect(cloudformation.commandCalls(DeleteStackCommand).map((call) => call.args[0].input.StackName)).toEqual([STACK_ID, COMPANION_ID]);
  });

  it.each([
    ["another template's stack", () => stack({ Outputs: [{ OutputKey: 'BucketName', OutputValue: 'assets' }] }), NotThisTemplateError],
    ['a stack busy with an update', () => stack({ StackStatus: 'UPDATE_IN_PROGRESS' }), StackBusyError],
  ])('refuses %s, deleting nothing', async (_case, described, errorClass) => {
    cloudformation.on(DescribeStacksCommand, { StackName: 'edge-api' }).resolves({ Stacks: [described()] });

    await expect(run()).rejects.toBeInstanceOf(errorClass);
    expect(cloudformation.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });

  it('refuses the stack of a StackSet instance, pointing to delete-stack-instances, deleting nothing', async () => {
    const name = 'StackSet-edge-apis-1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
    cloudformation.on(DescribeStacksCommand, { StackName: name }).resolves({ Stacks: [stack({ StackName: name })] });

    const deleted = run(name);

    await expect(deleted).rejects.toBeInstanceOf(StackSetInstanceStackError);
    await expect(deleted).rejects.toThrow('remove the instance from the StackSet\'s administrator account with aws cloudformation delete-stack-instances');
    expect(cloudformation.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });

  it('says a missing stack does not exist', async () => {
    cloudformation.on(DescribeStacksCommand, { StackName: 'edge-api' }).rejects(NOT_FOUND);

    await expect(run()).rejects.toBeInstanceOf(StackNotFoundError);
    expect(cloudformation.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });
});

describe('delete of a companion service-role stack', () => {
  const NAME = 'edge-api-service-role';
  const companion = (overrides = {}) => stack({
    StackName: NAME, StackId: COMPANION_ID, StackStatus: 'CREATE_COMPLETE',
    Parameters: [{ ParameterKey: 'StackName', ParameterValue: 'edge-api' }],
    Outputs: [{ OutputKey: 'ServiceRoleArn', OutputValue: ROLE }, { OutputKey: 'FunctionBoundaryArn', OutputValue: 'arn:aws:iam::123456789012:policy/edge-api-boundary' }],
    ...overrides,
  });

  beforeEach(() => {
    cloudformation.on(DescribeStacksCommand, { StackName: COMPANION_ID }).resolves({ Stacks: [companion({ StackStatus: 'DELETE_COMPLETE' })] });
    cloudformation.on(DescribeStackEventsCommand, { StackName: COMPANION_ID }).resolves(deleted(NAME));
  });

  it.each([
    ['whose first create failed (its stack was never created)', companion({ StackStatus: 'ROLLBACK_COMPLETE', Outputs: [] }), () => cloudformation.on(DescribeStacksCommand, { StackName: 'edge-api' }).rejects(NOT_FOUND)],
    ['whose stack is gone', companion(), () => cloudformation.on(DescribeStacksCommand, { StackName: 'edge-api' }).rejects(NOT_FOUND)],
    ['whose role its stack does not run as', companion(), () => cloudformation.on(DescribeStacksCommand, { StackName: 'edge-api' }).resolves({ Stacks: [stack()] })],
  ])('deletes one %s, and only it', async (_case, found, arrange) => {
    cloudformation.on(DescribeStacksCommand, { StackName: NAME }).resolves({ Stacks: [found] });
    arrange();

    await run(NAME);

    expect(cloudformation.commandCalls(DeleteStackCommand).map((call) => call.args[0].input.StackName)).toEqual([COMPANION_ID]);
    expect(output.lines).toContain(`Stack ${NAME}: DELETE_COMPLETE.`);
  });

  it('refuses one whose role its stack still runs as, naming the delete that removes both', async () => {
    cloudformation.on(DescribeStacksCommand, { StackName: NAME }).resolves({ Stacks: [companion()] });
    cloudformation.on(DescribeStacksCommand, { StackName: 'edge-api' }).resolves({ Stacks: [stack({ RoleARN: ROLE })] });

    const refused = run(NAME);

    await expect(refused).rejects.toBeInstanceOf(ServiceRoleInUseError);
    await expect(refused).rejects.toThrow('Nothing changed; delete "edge-api" instead (delete --stack-name edge-api), which deletes "edge-api-service-role" after it.');
    expect(cloudformation.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });

  it('refuses a stack named like a companion that the companion template did not make', async () => {
    cloudformation.on(DescribeStacksCommand, { StackName: NAME }).resolves({ Stacks: [stack({ StackName: NAME, Parameters: [{ ParameterKey: 'StackName', ParameterValue: 'other' }], Outputs: [] })] });

    await expect(run(NAME)).rejects.toBeInstanceOf(NotThisTemplateError);
    expect(cloudformation.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });
});
