import { CloudFormationClient, DescribeStacksCommand, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { EventTimeAheadError, InvalidEventError } from '../lambda/errors';
import { createHandler } from '../lambda/handler';
import { parseTemplate, readTemplate } from '../scripts/template';
import { NOT_FOUND, STACK_NAME, stack } from './rotation.fixtures';

// The event EventBridge sends for a schedule rule.
const scheduledEvent = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-11-22T01:57:00Z',
  region: 'eu-west-1',
  resources: ['arn:aws:events:eu-west-1:123456789012:rule/edge-api-RotationSchedule-1A2B3C4D5E6F'],
  detail: {},
};

const cloudformation = mockClient(CloudFormationClient);
let log: jest.Mock;
let handler: ReturnType<typeof createHandler>;

beforeEach(() => {
  cloudformation.reset();
  cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack()] });
  cloudformation.on(UpdateStackCommand).resolves({});
  log = jest.fn();
  handler = createHandler({ cloudformation: new CloudFormationClient({ region: 'eu-west-1' }), stackName: STACK_NAME, log, now: () => new Date('2026-11-22T01:58:00Z') });
});

describe('the rotation handler', () => {
  it("rotates to a Timestamp and token taken from the event's own time", async () => {
    await handler(scheduledEvent);

    expect(cloudformation.commandCalls(UpdateStackCommand)[0].args[0].input).toMatchObject({
      StackName: STACK_NAME,
      ClientRequestToken: 'rotate-2026-11-22T01-57-00Z',
      Parameters: expect.arrayContaining([{ ParameterKey: 'Timestamp', ParameterValue: '2026-11-22T01-57-00Z' }]),
    });
  });

  it("rotates alike when EventBridge Scheduler invokes it with the template's Input, the scheduled time filled in", async () => {
    const { Input } = parseTemplate(readTemplate()).Resources.RotationWindow.Properties.Target;

    await handler(JSON.parse(Input.replace('<aws.scheduler.scheduled-time>', '2026-11-22T01:57:00Z')));

    expect(cloudformation.commandCalls(UpdateStackCommand)[0].args[0].input).toMatchObject({
      ClientRequestToken: 'rotate-2026-11-22T01-57-00Z',
      Parameters: expect.arrayContaining([{ ParameterKey: 'Timestamp', ParameterValue: '2026-11-22T01-57-00Z' }]),
    });
  });

  it('sends the same Timestamp and token when Lambda retries the same event', async () => {
    await handler(scheduledEvent);
    await handler(scheduledEvent);

    const [first, retry] = cloudformation.commandCalls(UpdateStackCommand).map((call) => call.args[0].input);
    expect(retry).toEqual(first);
  });

  it('logs one record with the stack, the old and new Timestamp and the result', async () => {
    await handler(scheduledEvent);

    expect(log.mock.calls).toEqual([
      [{ stack: STACK_NAME, previousTimestamp: '2026-10-23T01-57-00Z', timestamp: '2026-11-22T01-57-00Z', result: 'started' }],
    ]);
  });

  it('logs a refusal and rethrows it, so the invocation counts as failed', async () => {
    cloudformation.on(DescribeStacksCommand).rejects(NOT_FOUND);

    await expect(handler(scheduledEvent)).rejects.toMatchObject({ name: 'StackNotFoundError' });
    expect(log.mock.calls).toEqual([
      [{
        stack: STACK_NAME,
        timestamp: '2026-11-22T01-57-00Z',
        result: 'failed',
        error: 'StackNotFoundError',
        message: expect.stringContaining(`Stack "${STACK_NAME}" does not exist`),
      }],
    ]);
  });

  it('treats an event older than the rotation the stack already has as superseded, and changes nothing', async () => {
    const outcome = await handler({ ...scheduledEvent, time: '2026-10-01T01:57:00Z' });

    expect(outcome).toMatchObject({ result: 'superseded', previousTimestamp: '2026-10-23T01-57-00Z', timestamp: '2026-10-01T01-57-00Z' });
    expect(cloudformation.commandCalls(UpdateStackCommand)).toHaveLength(0);
  });

  it.each([
    ['no time', {}],
    ['a time that is not a date', { time: 'yesterday' }],
    ['a time without a zone', { time: '2026-11-22T01:57:00' }],
    ['a numeric time', { time: 1763776620 }],
    ['the shape of a time but no real date', { time: '2026-02-30T01:57:00Z' }],
    ['the shape of a time but no real hour', { time: '2026-11-22T24:57:00Z' }],
  ])('refuses an event with %s and calls no AWS API', async (_case, event) => {
    const invocation = handler(event as never);

    await expect(invocation).rejects.toBeInstanceOf(InvalidEventError);
    await expect(invocation).rejects.toThrow('Not a scheduled event');
    expect(cloudformation.calls()).toHaveLength(0);
  });

  // The clock reads 2026-11-22T01:58:00Z.
  it.each(['2026-11-22T02:03:01Z', '2099-01-01T00:00:00Z'])('refuses an event whose time %s is more than 5 minutes ahead of the clock, and calls no AWS API', async (time) => {
    const invocation = handler({ ...scheduledEvent, time });

    await expect(invocation).rejects.toBeInstanceOf(EventTimeAheadError);
    await expect(invocation).rejects.toMatchObject({
      name: 'EventTimeAheadError',
      message: `Not a scheduled event: "time" ${time} is over 5 minutes ahead of the clock. To rotate by hand, give the stack a new Timestamp.`,
    });
    expect(cloudformation.calls()).toHaveLength(0);
    expect(log.mock.calls).toEqual([[expect.objectContaining({ result: 'failed', error: 'EventTimeAheadError' })]]);
  });

  it('accepts a time up to 5 minutes ahead of the clock, for clock skew', async () => {
    const outcome = await handler({ ...scheduledEvent, time: '2026-11-22T02:03:00Z' });

    expect(outcome).toMatchObject({ result: 'started', timestamp: '2026-11-22T02-03-00Z' });
  });
});
