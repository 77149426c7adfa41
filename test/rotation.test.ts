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
  InvalidRollbackConfigurationError,
  StackBusyError,
  StackNotFoundError,
  StackNotUpdatableError,
  NotThisTemplateError,
} from '../lambda/errors';
import { rotateApiKey } from '../lambda/rotation';
import { NOT_FOUND, NO_UPDATES, OWN_OUTPUTS, PARAMETERS, STACK_NAME, busy, serviceError, stack } from './rotation.fixtures';

const cloudformation = mockClient(CloudFormationClient);
const client = new CloudFormationClient({ region: 'eu-west-1' });
const request = {
  stackName: STACK_NAME,
  timestamp: '2026-11-22T01-57-00Z',
  clientRequestToken: 'rotate-2026-11-22T01-57-00Z',
  now: '2026-11-22T01-58-00Z',
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

  it('leaves out tags, notification topics and, on a stack without a service role, the role, so CloudFormation keeps them', async () => {
    await rotateApiKey(client, request);

    const input = updateCalls()[0].args[0].input;
    for (const key of ['Tags', 'NotificationARNs', 'RoleARN', 'TemplateBody', 'TemplateURL'] as const) {
      expect(input[key]).toBeUndefined();
    }
  });

  it("runs as the stack's own service role, whatever role the stack last ran as (cdk deploy's, for one)", async () => {
    const serviceRole = 'arn:aws:iam::123456789012:role/cloudfront-api-key-rotation/edge-api-cfn';
    const bootstrapRole = 'arn:aws:iam::123456789012:role/cdk-hnb659fds-cfn-exec-role-123456789012-us-east-1';
    cloudformation.on(DescribeStacksCommand).resolves({
      Stacks: [stack({ RoleARN: bootstrapRole, Outputs: [...OWN_OUTPUTS, { OutputKey: 'ServiceRoleArn', OutputValue: serviceRole }] })],
    });

    await rotateApiKey(client, request);

    expect(updateCalls()[0].args[0].input.RoleARN).toBe(serviceRole);
  });

  it.each([
    [{ RollbackTriggers: [{ Arn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:edge-api-OriginKeyRejectedAlarm-1', Type: 'AWS::CloudWatch::Alarm' }], MonitoringTimeInMinutes: 10 }],
    [{ RollbackTriggers: [], MonitoringTimeInMinutes: 0 }],
  ])('starts the update with the rollback triggers the stack states: %j', async (configuration) => {
    const outputs = [...OWN_OUTPUTS, { OutputKey: 'RollbackConfiguration', OutputValue: JSON.stringify(configuration) }];
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

  describe('never goes backwards:', () => {
    const withTimestamp = (value: string, status: StackStatus = 'UPDATE_COMPLETE') =>
      cloudformation.on(DescribeStacksCommand).resolves({
        Stacks: [stack({ StackStatus: status, Parameters: PARAMETERS.map((p) => (p.ParameterKey === 'Timestamp' ? { ...p, ParameterValue: value } : p)) })],
      });
    const running = (token: string) =>
      cloudformation.on(DescribeStackEventsCommand).resolves({ StackEvents: [{ StackId: 'x', EventId: 'e', StackName: STACK_NAME, Timestamp: new Date(), ClientRequestToken: token }] });

    it.each([
      ['a newer rotation already ran (a late retry, or two events at once)', '2026-11-22T01-57-30Z', 'superseded'],
      ['the stack has exactly this Timestamp', '2026-11-22T01-57-00Z', 'started'],
      ['an older rotation ran last', '2026-11-21T01-57-00Z', 'started'],
      ["a person set today's date by hand", '2026-11-22', 'started'],
      ['a person set a date in the future by hand: it does not hold up the schedule', '2099-01-01', 'started'],
      ['a person set a time later today by hand', '2026-11-22T23-00-00Z', 'started'],
    ])('when %s (Timestamp %s), the result is %s', async (_case, current, result) => {
      withTimestamp(current);

      const outcome = await rotateApiKey(client, request);

      expect(outcome.result).toBe(result);
      expect(updateCalls()).toHaveLength(result === 'started' ? 1 : 0);
    });

    it('reports a stack busy with a newer rotation as superseded, not as a failure', async () => {
      withTimestamp('2026-11-21T01-57-00Z', 'UPDATE_IN_PROGRESS');
      running('rotate-2026-11-22T01-57-30Z');

      await expect(rotateApiKey(client, request)).resolves.toMatchObject({ result: 'superseded' });
      expect(updateCalls()).toHaveLength(0);
    });

    it('reports a newer rotation that started between DescribeStacks and UpdateStack as superseded', async () => {
      cloudformation.on(UpdateStackCommand).rejects(busy('UPDATE_IN_PROGRESS'));
      running('rotate-2026-11-22T01-57-30Z');

      await expect(rotateApiKey(client, request)).resolves.toMatchObject({ result: 'superseded' });
    });

    it.each([
      ['an older rotation', 'rotate-2026-11-21T01-57-00Z'],
      ['a rotation to a Timestamp set by hand in the future', 'rotate-2099-01-01'],
      ['a deploy', 'deploy-2026-11-22T01-50-00Z'],
    ])('refuses a stack busy with %s', async (_case, token) => {
      withTimestamp('2026-11-21T01-57-00Z', 'UPDATE_IN_PROGRESS');
      running(token);

      await expect(rotateApiKey(client, request)).rejects.toBeInstanceOf(StackBusyError);
    });
  });

  it('treats TokenAlreadyExistsException as this rotation already started, not as a failure', async () => {
    cloudformation.on(UpdateStackCommand).rejects(serviceError('TokenAlreadyExistsException', 'the message CloudFormation gives'));

    await expect(rotateApiKey(client, request)).resolves.toMatchObject({ result: 'in-progress' });
  });

  describe('refuses, changing nothing,', () => {
    const otherUpdate = { StackEvents: [{ StackId: 'x', EventId: 'e', StackName: STACK_NAME, Timestamp: new Date(), ClientRequestToken: 'console-1234' }] };

    it.each([
      ['a missing stack', () => cloudformation.on(DescribeStacksCommand).rejects(NOT_FOUND), StackNotFoundError, 'does not exist'],
      [
        'a stack without a Timestamp parameter',
        () => cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Parameters: [{ ParameterKey: 'Env', ParameterValue: 'prod' }] })] }),
        NotThisTemplateError,
        'was not made from this template (it has no parameter Timestamp)',
      ],
      [
        "another template's stack with a Timestamp parameter",
        () => cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Outputs: [{ OutputKey: 'BucketName', OutputValue: 'b' }] })] }),
        NotThisTemplateError,
        'was not made from this template (it has no output ApiKeyId, no output ApiKeySecretArn, no output CloudFrontURL, no output DistributionId, no output UsagePlanId)',
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
    ['DescribeStacks', 'AccessDenied', DescribeStacksCommand],
    ['UpdateStack', 'AccessDenied', UpdateStackCommand],
    ['UpdateStack', 'Throttling', UpdateStackCommand],
  ])("lets %s failing with %s through as the SDK's error, which names the action and the resource", async (_operation, code, command) => {
    const error = serviceError(code, `User: arn:aws:sts::123456789012:assumed-role/r is not authorized to perform: cloudformation:${_operation}`);
    cloudformation.on(command as typeof UpdateStackCommand).rejects(error);

    await expect(rotateApiKey(client, request)).rejects.toBe(error);
  });

  it.each(['{"RollbackTriggers": [', 'not json'])('refuses a stack whose RollbackConfiguration output is %j, naming the output', async (value) => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Outputs: [...OWN_OUTPUTS, { OutputKey: 'RollbackConfiguration', OutputValue: value }] })] });

    const rotation = rotateApiKey(client, request);

    await expect(rotation).rejects.toBeInstanceOf(InvalidRollbackConfigurationError);
    await expect(rotation).rejects.toThrow(`Stack "${STACK_NAME}" has an invalid RollbackConfiguration output.`);
    await expect(rotation).rejects.toMatchObject({ cause: expect.any(SyntaxError) });
    expect(updateCalls()).toHaveLength(0);
  });

  it('lets an unexpected error through unchanged', async () => {
    const unexpected = serviceError('InsufficientCapabilitiesException', 'Requires capabilities : [CAPABILITY_IAM]');
    cloudformation.on(UpdateStackCommand).rejects(unexpected);

    await expect(rotateApiKey(client, request)).rejects.toBe(unexpected);
  });
});
