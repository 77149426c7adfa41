import { CloudFormationClient, DeleteStackCommand, DescribeStackEventsCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { NotThisTemplateError, StackBusyError, StackNotFoundError } from '../../lambda/errors';
import { deleteStack } from '../../scripts/cli/delete';
import { NOT_FOUND, STACK_ID, stack } from '../rotation.fixtures';
import { START, newestFirst, noSleep, recordingOutput, stackEvent } from './cli.fixtures';

const cloudformation = mockClient(CloudFormationClient);
const COMPANION_ID = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/edge-api-service-role/9f8e7d6c-0000-4000-8000-000000000000';
const ROLE = 'arn:aws:iam::123456789012:role/cloudfront-api-key-rotation/edge-api-cfn';
let output: ReturnType<typeof recordingOutput>;
const run = () => deleteStack('edge-api', { cloudformation: new CloudFormationClient({ region: 'eu-west-1' }), now: () => START, sleep: noSleep, output });
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

  it('says a missing stack does not exist', async () => {
    cloudformation.on(DescribeStacksCommand, { StackName: 'edge-api' }).rejects(NOT_FOUND);

    await expect(run()).rejects.toBeInstanceOf(StackNotFoundError);
    expect(cloudformation.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });
});
