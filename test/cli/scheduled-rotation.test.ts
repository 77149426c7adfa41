import { GetApiKeyCommand, GetUsagePlanKeysCommand, APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStackEventsCommand, DescribeStackResourceCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { OperationFailedError, ScheduledRotationFailedError } from '../../scripts/cli/errors';
import { runScheduledRotation, scheduledEvent } from '../../scripts/cli/scheduled-rotation';
import { PARAMETERS, stack } from '../rotation.fixtures';
import { START, newestFirst, noSleep, recordingOutput, stackEvent } from './cli.fixtures';

const cloudformation = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);
const apigateway = mockClient(APIGatewayClient);
const TOKEN = 'rotate-2026-11-22T10-00-01Z';
const OUTPUTS = [{ OutputKey: 'ApiKeyId', OutputValue: 'k2' }, { OutputKey: 'UsagePlanId', OutputValue: 'plan1' }];
// The SDK types Payload as its blob adapter, a Uint8Array with helpers the code does not use.
const encode = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value)) as InvokeCommandOutput['Payload'];
let output: ReturnType<typeof recordingOutput>;

const run = (deployed = stack()) =>
  runScheduledRotation(deployed, {
    cloudformation: new CloudFormationClient({ region: 'eu-west-1' }),
    apigateway: new APIGatewayClient({ region: 'eu-west-1' }),
    lambda: new LambdaClient({ region: 'eu-west-1' }),
    now: () => new Date(START.getTime() + 456),
    sleep: noSleep,
    output,
  });

beforeEach(() => {
  [cloudformation, lambda, apigateway].forEach((client) => client.reset());
  output = recordingOutput();
  cloudformation.on(DescribeStackResourceCommand, { LogicalResourceId: 'RotationFunction' }).resolves({ StackResourceDetail: { PhysicalResourceId: 'edge-api-RotationFunction-AbC' } as never });
  cloudformation.on(DescribeStackResourceCommand, { LogicalResourceId: 'RotationSchedule' }).resolves({ StackResourceDetail: { PhysicalResourceId: 'edge-api-RotationSchedule-XyZ' } as never });
  cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Outputs: OUTPUTS })] });
  cloudformation.on(DescribeStackEventsCommand).resolves(newestFirst([stackEvent('edge-api', 'UPDATE_IN_PROGRESS', 1), stackEvent('edge-api', 'UPDATE_COMPLETE', 2)]));
  apigateway.on(GetApiKeyCommand).resolves({ id: 'k2', name: 'CloudFront-2026-11-22T10-00-01Z' });
  apigateway.on(GetUsagePlanKeysCommand).resolves({ items: [{ id: 'k2', name: 'CloudFront-2026-11-22T10-00-01Z' }] });
});

describe('runScheduledRotation', () => {
  it("invokes the stack's rotation function synchronously with the event its schedule sends", async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ stack: 'edge-api', previousTimestamp: '2026-10-23T01-57-00Z', timestamp: '2026-11-22T10-00-01Z', result: 'started' }) });

    await run();

    const { FunctionName, InvocationType, Payload } = lambda.commandCalls(InvokeCommand)[0].args[0].input;
    expect([FunctionName, InvocationType]).toEqual(['edge-api-RotationFunction-AbC', 'RequestResponse']);
    expect(JSON.parse(Payload as string)).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      region: 'eu-west-1',
      time: '2026-11-22T10:00:01Z',
      resources: ['arn:aws:events:eu-west-1:123456789012:rule/edge-api-RotationSchedule-XyZ'],
      detail: {},
    });
  });

  it("invokes it with the Input of Scheduler's RotationWindow when the stack rotates in a window, and looks for no rule", async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ stack: 'edge-api', previousTimestamp: '2026-10-23T01-57-00Z', timestamp: '2026-11-22T10-00-01Z', result: 'started' }) });

    await run(stack({ Parameters: [...PARAMETERS, { ParameterKey: 'RotationHour', ParameterValue: '9' }] }));

    expect(JSON.parse(lambda.commandCalls(InvokeCommand)[0].args[0].input.Payload as string)).toEqual({ time: '2026-11-22T10:00:01Z' });
    expect(cloudformation.commandCalls(DescribeStackResourceCommand).map((call) => call.args[0].input.LogicalResourceId)).toEqual(['RotationFunction']);
  });

  it('follows the rotation it started and claims only what it read back', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ stack: 'edge-api', previousTimestamp: '2026-10-23T01-57-00Z', timestamp: '2026-11-22T10-00-01Z', result: 'started' }) });

    await run();

    expect(cloudformation.commandCalls(DescribeStackEventsCommand).length).toBeGreaterThan(0);
    expect(output.lines.at(-1)).toBe(
      'Checked: the rotation function, invoked as its schedule invokes it, rotated the key of stack edge-api: the active key k2 is its rotation\'s and the only key in the usage plan.',
    );
  });

  it.each([
    ['a function error', { errorType: 'AccessDeniedException', errorMessage: 'User is not authorized to perform: cloudformation:UpdateStack' }, 'AccessDeniedException: User is not authorized to perform: cloudformation:UpdateStack.'],
    ['an answer that is not JSON', 'Task timed out after 30.00 seconds', 'Task timed out after 30.00 seconds.'],
  ])('fails with the function and its error on %s', async (_, payload, detail) => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: encode(payload) });

    const check = run();

    await expect(check).rejects.toBeInstanceOf(ScheduledRotationFailedError);
    await expect(check).rejects.toThrow(`its rotation function edge-api-RotationFunction-AbC, invoked as its schedule invokes it, failed: ${detail}`);
  });

  it("fails when the rotation's update rolls back, with the failed resource", async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ stack: 'edge-api', previousTimestamp: 'a', timestamp: '2026-11-22T10-00-01Z', result: 'started' }) });
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ StackStatus: 'UPDATE_ROLLBACK_COMPLETE' })] });
    cloudformation.on(DescribeStackEventsCommand).resolves(newestFirst([
      stackEvent('ApiKey', 'CREATE_FAILED', 1, { token: TOKEN, reason: 'not authorized to perform: apigateway:POST' }),
      stackEvent('edge-api', 'UPDATE_ROLLBACK_COMPLETE', 2, { token: TOKEN }),
    ]));

    await expect(run()).rejects.toThrow(new OperationFailedError('edge-api', 'UPDATE_ROLLBACK_COMPLETE', ['ApiKey CREATE_FAILED: not authorized to perform: apigateway:POST']));
  });

  it('claims nothing when the function changed nothing', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: encode({ stack: 'edge-api', previousTimestamp: '2026-11-23T00-00-00Z', timestamp: '2026-11-22T10-00-00Z', result: 'superseded' }) });

    await run();

    expect(output.lines.at(-1)).toBe('The function changed nothing, so the unattended path was not tested this time.');
    expect(cloudformation.commandCalls(DescribeStackEventsCommand)).toHaveLength(0);
  });
});

describe('scheduledEvent', () => {
  it('writes time with whole seconds, as EventBridge does', () => {
    expect(scheduledEvent('1', 'r', 'arn', new Date('2026-11-22T10:00:00.000Z')).time).toBe('2026-11-22T10:00:00Z');
  });
});
