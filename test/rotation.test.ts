import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  type Capability,
  type StackStatus,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AccessDeniedError,
  StackBusyError,
  StackNotFoundError,
  StackNotUpdatableError,
  ThrottledError,
  TimestampParameterMissingError,
} from '../lambda/errors';
import { rotateApiKey } from '../lambda/rotation';
import { NOT_FOUND, NO_UPDATES, PARAMETERS, STACK_NAME, busy, serviceError, stack } from './rotation.fixtures';

const cloudformation = mockClient(CloudFormationClient);
const client = new CloudFormationClient({ region: 'eu-west-1' });
const request = {
  stackName: STACK_NAME,
  timestamp: '2026-11-22T01-57-00Z',
  clientRequestToken: 'rotate-2026-11-22T01-57-00Z',
};
const updateCalls = () => cloudformation.commandCalls(UpdateStackCommand);

beforeEach(() => {
  cloudformation.reset();
  cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack()] });
  cloudformation.on(UpdateStackCommand).resolves({ StackId: stack().StackId });
});

describe('rotateApiKey', () => {
  it('updates the stack with a new Timestamp, the previous template and every other parameter kept', async () => {
    const outcome = await rotateApiKey(client, request);

    expect(outcome).toEqual({
      stack: STACK_NAME,
      previousTimestamp: '2026-10-23T01-57-00Z',
      timestamp: '2026-11-22T01-57-00Z',
      result: 'started',
    });
    expect(updateCalls()).toHaveLength(1);
    expect(updateCalls()[0].args[0].input).toEqual({
      StackName: STACK_NAME,
      UsePreviousTemplate: true,
      Parameters: [
        { ParameterKey: 'ApiURL', UsePreviousValue: true },
        { ParameterKey: 'ApiKeyRotationSchedule', UsePreviousValue: true },
        { ParameterKey: 'Timestamp', ParameterValue: '2026-11-22T01-57-00Z' },
        { ParameterKey: 'WebACLArn', UsePreviousValue: true },
      ],
      Capabilities: ['CAPABILITY_IAM'],
      ClientRequestToken: 'rotate-2026-11-22T01-57-00Z',
    });
  });

  it('keeps parameters it does not know, such as ones added by a later template version', async () => {
    const parameters = [...PARAMETERS, { ParameterKey: 'NotificationEmail', ParameterValue: 'ops@example.com' }];
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Parameters: parameters })] });

    await rotateApiKey(client, request);

    const sent = updateCalls()[0].args[0].input.Parameters!;
    expect(sent.map((p) => p.ParameterKey)).toEqual(parameters.map((p) => p.ParameterKey));
    expect(sent.filter((p) => p.UsePreviousValue)).toHaveLength(parameters.length - 1);
  });

  it.each([
    [['CAPABILITY_IAM']],
    [['CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND']],
    [undefined],
  ])('passes the stack capabilities %j through', async (capabilities) => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Capabilities: capabilities as Capability[] | undefined })] });

    await rotateApiKey(client, request);

    expect(updateCalls()[0].args[0].input.Capabilities).toEqual(capabilities);
  });

  it('leaves out tags, notification topics and role, so CloudFormation keeps them', async () => {
    await rotateApiKey(client, request);

    const input = updateCalls()[0].args[0].input;
    for (const key of ['Tags', 'NotificationARNs', 'RoleARN', 'TemplateBody', 'TemplateURL']) {
      expect(input).not.toHaveProperty(key);
    }
  });

  it.each([
    [{ RollbackTriggers: [{ Arn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:edge-api-OriginKeyRejectedAlarm-1', Type: 'AWS::CloudWatch::Alarm' }], MonitoringTimeInMinutes: 10 }],
    [{ RollbackTriggers: [], MonitoringTimeInMinutes: 0 }],
  ])('starts the update with the rollback triggers the stack states: %j', async (configuration) => {
    const outputs = [{ OutputKey: 'RollbackConfiguration', OutputValue: JSON.stringify(configuration) }];
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Outputs: outputs })] });

    await rotateApiKey(client, request);

    expect(updateCalls()[0].args[0].input.RollbackConfiguration).toEqual(configuration);
  });

  it('sends no rollback configuration for a stack that states none, so CloudFormation keeps the saved one', async () => {
    await rotateApiKey(client, request);

    expect(updateCalls()[0].args[0].input.RollbackConfiguration).toBeUndefined();
  });

  it('treats "No updates are to be performed." as success: the stack already has this Timestamp', async () => {
    cloudformation.on(UpdateStackCommand).rejects(NO_UPDATES);

    await expect(rotateApiKey(client, request)).resolves.toMatchObject({ result: 'unchanged' });
  });

  it.each(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'])(
    'reports a retry that finds its own update running (%s) as in progress, without updating again',
    async (status) => {
      cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ StackStatus: status as StackStatus })] });
      cloudformation.on(DescribeStackEventsCommand).resolves({
        StackEvents: [{ StackId: 'x', EventId: 'e', StackName: STACK_NAME, Timestamp: new Date(), ClientRequestToken: request.clientRequestToken }],
      });

      await expect(rotateApiKey(client, request)).resolves.toMatchObject({ result: 'in-progress' });
      expect(updateCalls()).toHaveLength(0);
    },
  );

  it('reports its own update as in progress when it started between DescribeStacks and UpdateStack', async () => {
    cloudformation.on(UpdateStackCommand).rejects(busy('UPDATE_IN_PROGRESS'));
    cloudformation.on(DescribeStackEventsCommand).resolves({
      StackEvents: [{ StackId: 'x', EventId: 'e', StackName: STACK_NAME, Timestamp: new Date(), ClientRequestToken: request.clientRequestToken }],
    });

    await expect(rotateApiKey(client, request)).resolves.toMatchObject({ result: 'in-progress' });
  });

  describe('refuses, changing nothing,', () => {
    const otherUpdate = { StackEvents: [{ StackId: 'x', EventId: 'e', StackName: STACK_NAME, Timestamp: new Date(), ClientRequestToken: 'console-1234' }] };

    it.each([
      ['a missing stack', () => cloudformation.on(DescribeStacksCommand).rejects(NOT_FOUND), StackNotFoundError, 'does not exist'],
      [
        'a stack without a Timestamp parameter',
        () => cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Parameters: [{ ParameterKey: 'Env', ParameterValue: 'prod' }] })] }),
        TimestampParameterMissingError,
        'has no Timestamp parameter',
      ],
      [
        'a stack busy with another update',
        () => {
          cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ StackStatus: 'UPDATE_IN_PROGRESS' })] });
          cloudformation.on(DescribeStackEventsCommand).resolves(otherUpdate);
        },
        StackBusyError,
        'is busy (UPDATE_IN_PROGRESS)',
      ],
      [
        'a stack rolling back its own rotation',
        () => cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ StackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS' })] }),
        StackBusyError,
        'is busy (UPDATE_ROLLBACK_IN_PROGRESS)',
      ],
      [
        'a stack in a failed state',
        () => cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ StackStatus: 'UPDATE_ROLLBACK_FAILED' })] }),
        StackNotUpdatableError,
        'failed state UPDATE_ROLLBACK_FAILED',
      ],
      [
        'a stack whose creation rolled back',
        () => cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ StackStatus: 'ROLLBACK_COMPLETE' })] }),
        StackNotUpdatableError,
        'failed state ROLLBACK_COMPLETE',
      ],
    ])('for %s', async (_case, arrange, errorClass, message) => {
      arrange();

      const rotation = rotateApiKey(client, request);

      await expect(rotation).rejects.toBeInstanceOf(errorClass);
      await expect(rotation).rejects.toThrow(message);
      await expect(rotation).rejects.toThrow(`"${STACK_NAME}"`);
      expect(updateCalls()).toHaveLength(0);
    });

    it('when another update starts between DescribeStacks and UpdateStack', async () => {
      const cause = busy('UPDATE_IN_PROGRESS');
      cloudformation.on(UpdateStackCommand).rejects(cause);
      cloudformation.on(DescribeStackEventsCommand).resolves(otherUpdate);

      await expect(rotateApiKey(client, request)).rejects.toMatchObject({ name: 'StackBusyError', cause });
    });
  });

  it.each([
    ['DescribeStacks', 'AccessDenied', DescribeStacksCommand, AccessDeniedError, 'Access denied: cloudformation:DescribeStacks'],
    ['UpdateStack', 'AccessDenied', UpdateStackCommand, AccessDeniedError, 'Access denied: cloudformation:UpdateStack'],
    ['UpdateStack', 'Throttling', UpdateStackCommand, ThrottledError, 'throttled cloudformation:UpdateStack'],
  ])('explains %s failing with %s, keeping the cause', async (_operation, code, command, errorClass, message) => {
    const cause = serviceError(code, 'Rate exceeded or not authorized');
    cloudformation.on(command as typeof UpdateStackCommand).rejects(cause);

    const rotation = rotateApiKey(client, request);

    await expect(rotation).rejects.toBeInstanceOf(errorClass);
    await expect(rotation).rejects.toThrow(message);
    await expect(rotation).rejects.toMatchObject({ cause });
  });

  it('lets an unexpected error through unchanged', async () => {
    const unexpected = serviceError('InsufficientCapabilitiesException', 'Requires capabilities : [CAPABILITY_IAM]');
    cloudformation.on(UpdateStackCommand).rejects(unexpected);

    await expect(rotateApiKey(client, request)).rejects.toBe(unexpected);
  });
});
