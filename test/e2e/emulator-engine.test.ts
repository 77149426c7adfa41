// The emulator's stack engine (moto_extension/engine.py, stack_sets.py) on small templates: what
// it does with an internal error, with a stack it must not update, and with a StackSet instance
// whose stack was deleted outside StackSets; and EventBridge Scheduler's resource types and the
// route that fires a schedule (scheduler.py); and the reset that readies a running emulator for
// the next test file (reset.py), last, since it empties the emulator.
import {
  CloudFormationClient,
  CreateStackCommand,
  CreateStackInstancesCommand,
  CreateStackSetCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStackInstanceCommand,
  DescribeStacksCommand,
  DescribeStackSetOperationCommand,
  ListStackInstancesCommand,
  ListStackSetOperationResultsCommand,
  UpdateStackCommand,
  UpdateStackSetCommand,
  waitUntilStackCreateComplete,
  waitUntilStackDeleteComplete,
  waitUntilStackUpdateComplete,
} from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { readFileSync } from 'node:fs';
import { type Emulator, emulatorClientConfig, startEmulator } from '../../scripts/emulator/launch';
import { emulatorWaiter, fireSchedule, scheduleArn, stackOutput } from '../../scripts/emulator/local-stack';

jest.setTimeout(60_000);

let emulator: Emulator;
let cloudformation: CloudFormationClient;

beforeAll(async () => {
  emulator = await startEmulator();
  cloudformation = new CloudFormationClient(emulatorClientConfig(emulator.endpoint));
});

afterAll(async () => emulator?.stop());

const TOPIC = { Parameters: { Name: { Type: 'String' } }, Resources: { Topic: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: { Ref: 'Name' } } } } };
// A custom resource whose function does not exist: its creation fails, and the stack rolls back.
const FAILING = {
  Parameters: { Name: { Type: 'String' } },
  Resources: { Custom: { Type: 'AWS::CloudFormation::CustomResource', Properties: { ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:none', Name: { Ref: 'Name' } } } },
};

const describe1 = async (StackName: string, client = cloudformation) => (await client.send(new DescribeStacksCommand({ StackName }))).Stacks![0];

/** The stack once its operation has ended. */
async function ended(StackName: string) {
  for (;;) {
    const stack = await describe1(StackName);
    if (!stack.StackStatus!.endsWith('_IN_PROGRESS')) return stack;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const stackEvents = async (StackName: string) =>
  ((await cloudformation.send(new DescribeStackEventsCommand({ StackName }))).StackEvents ?? []).map((e) => `${e.ResourceStatus} ${e.ResourceStatusReason ?? ''}`.trim()).reverse();

describe('an internal error during a stack operation', () => {
  it('fails a creation, which rolls back, with the error as the reason and its traceback in the log', async () => {
    await cloudformation.send(new CreateStackCommand({ StackName: 'no-resources', TemplateBody: '{}' }));

    expect((await ended('no-resources')).StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(await stackEvents('no-resources')).toEqual([
      'CREATE_IN_PROGRESS User Initiated',
      "ROLLBACK_IN_PROGRESS Internal Failure: KeyError: 'Resources'",
      'ROLLBACK_COMPLETE',
    ]);
    expect(readFileSync(emulator.logFile, 'utf8')).toMatch(/Traceback \(most recent call last\):[\s\S]*KeyError: 'Resources'/);
  });

  it('fails an update, which rolls back to the previous template', async () => {
    const before = JSON.stringify(TOPIC);
    await cloudformation.send(new CreateStackCommand({ StackName: 'topic', TemplateBody: before, Parameters: [{ ParameterKey: 'Name', ParameterValue: 'a' }] }));
    await waitUntilStackCreateComplete(emulatorWaiter(cloudformation), { StackName: 'topic' });

    // A resource that is not an object: CloudFormation refuses the template ("Every Resources
    // object must contain a Type member"), moto takes it, and the engine fails on it.
    const broken = { ...TOPIC, Resources: { ...TOPIC.Resources, Broken: 'not a resource' } };
    await cloudformation.send(new UpdateStackCommand({ StackName: 'topic', TemplateBody: JSON.stringify(broken), Parameters: [{ ParameterKey: 'Name', ParameterValue: 'a' }] }));

    expect((await ended('topic')).StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect((await stackEvents('topic')).slice(-4)).toEqual([
      'UPDATE_IN_PROGRESS User Initiated',
      "UPDATE_ROLLBACK_IN_PROGRESS Internal Failure: AttributeError: 'str' object has no attribute 'get'",
      'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
      'UPDATE_ROLLBACK_COMPLETE',
    ]);
    expect((await cloudformation.send(new DescribeStacksCommand({ StackName: 'topic' }))).Stacks![0].Parameters).toEqual([{ ParameterKey: 'Name', ParameterValue: 'a' }]);
  });
});

describe('a stack whose creation failed (ROLLBACK_COMPLETE)', () => {
  it('is refused an update for its state before "no updates": the same template and parameters', async () => {
    const TemplateBody = JSON.stringify(FAILING);
    const Parameters = [{ ParameterKey: 'Name', ParameterValue: 'a' }];
    const { StackId } = await cloudformation.send(new CreateStackCommand({ StackName: 'failed', TemplateBody, Parameters }));
    expect((await ended('failed')).StackStatus).toBe('ROLLBACK_COMPLETE');

    await expect(cloudformation.send(new UpdateStackCommand({ StackName: 'failed', TemplateBody, Parameters }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: `Stack:${StackId} is in ROLLBACK_COMPLETE state and can not be updated.`,
    });
  });
});

describe('CreateStackInstances', () => {
  it("answers at the first attempt, before the instances' stacks exist, and each instance then names its stack", async () => {
    await cloudformation.send(new CreateStackSetCommand({ StackSetName: 'first-attempt', TemplateBody: JSON.stringify(TOPIC), Parameters: [{ ParameterKey: 'Name', ParameterValue: 'a' }] }));

    const { $metadata } = await cloudformation.send(new CreateStackInstancesCommand({ StackSetName: 'first-attempt', Accounts: ['123456789012'], Regions: ['us-east-1'] }));

    // A second attempt would mean the first failed inside the emulator, and the SDK retried it.
    expect($metadata.attempts).toBe(1);
    const { Summaries = [] } = await cloudformation.send(new ListStackInstancesCommand({ StackSetName: 'first-attempt' }));
    expect(Summaries.map((s) => s.StackId)).toEqual([expect.stringMatching(/^arn:aws:cloudformation:us-east-1:123456789012:stack\/StackSet-first-attempt-/)]);
  });
});

describe('a StackSet instance whose stack was deleted outside StackSets', () => {
  it('fails the next update of the set with the reason, OUTDATED, and its stack stays deleted', async () => {
    const parameters = (value: string) => [{ ParameterKey: 'Name', ParameterValue: value }];
    await cloudformation.send(new CreateStackSetCommand({ StackSetName: 'topics', TemplateBody: JSON.stringify(TOPIC), Parameters: parameters('a') }));
    await cloudformation.send(new CreateStackInstancesCommand({ StackSetName: 'topics', Accounts: ['123456789012'], Regions: ['us-east-1', 'eu-west-1'] }));
    const { Summaries = [] } = await cloudformation.send(new ListStackInstancesCommand({ StackSetName: 'topics' }));
    const stackId = Summaries.find((s) => s.Region === 'eu-west-1')!.StackId!;
    const europe = new CloudFormationClient({ ...emulatorClientConfig(emulator.endpoint), region: 'eu-west-1' });
    await europe.send(new DeleteStackCommand({ StackName: stackId }));

    const { OperationId } = await cloudformation.send(new UpdateStackSetCommand({ StackSetName: 'topics', TemplateBody: JSON.stringify(TOPIC), Parameters: parameters('b') }));

    const { StackSetOperation } = await cloudformation.send(new DescribeStackSetOperationCommand({ StackSetName: 'topics', OperationId }));
    expect(StackSetOperation?.Status).toBe('FAILED');
    const refused = `Stack:${stackId} is in DELETE_COMPLETE state and can not be updated.`;
    const results = await cloudformation.send(new ListStackSetOperationResultsCommand({ StackSetName: 'topics', OperationId }));
    expect(results.Summaries?.map(({ Region, Status, StatusReason }) => ({ Region, Status, StatusReason }))).toEqual([
      { Region: 'us-east-1', Status: 'SUCCEEDED', StatusReason: undefined },
      { Region: 'eu-west-1', Status: 'FAILED', StatusReason: refused },
    ]);
    const { StackInstance } = await cloudformation.send(new DescribeStackInstanceCommand({ StackSetName: 'topics', StackInstanceAccount: '123456789012', StackInstanceRegion: 'eu-west-1' }));
    expect(StackInstance).toMatchObject({ Status: 'OUTDATED', StatusReason: refused, StackInstanceStatus: { DetailedStatus: 'FAILED' } });
    expect((await describe1(stackId, europe)).StackStatus).toBe('DELETE_COMPLETE');
  });
});

describe('a stack whose creation rolled back', () => {
  it('has no outputs, once deleted too: DescribeStacks by its ID answers DELETE_COMPLETE', async () => {
    const template = { ...FAILING, Outputs: { CustomId: { Value: { Ref: 'Custom' } } } };
    const { StackId } = await cloudformation.send(new CreateStackCommand({ StackName: 'never-created', TemplateBody: JSON.stringify(template), Parameters: [{ ParameterKey: 'Name', ParameterValue: 'x' }] }));
    const rolledBack = await ended('never-created');
    expect([rolledBack.StackStatus, rolledBack.Outputs]).toEqual(['ROLLBACK_COMPLETE', undefined]);

    await cloudformation.send(new DeleteStackCommand({ StackName: 'never-created' }));

    const deleted = await ended(StackId!);
    expect([deleted.StackStatus, deleted.Outputs]).toEqual(['DELETE_COMPLETE', undefined]);
  });
});

describe('a schedule group and a schedule', () => {
  const ROLE = (service: string) => ({
    Type: 'AWS::IAM::Role',
    Properties: { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] } },
  });
  // The function answers the event it was given, which the fire route passes back.
  const template = ({ expression, label, name, group = 'Group' }: { expression: string; label: string; name?: string; group?: string }) => JSON.stringify({
    Resources: {
      FunctionRole: ROLE('lambda.amazonaws.com'),
      SchedulerRole: ROLE('scheduler.amazonaws.com'),
      Echo: {
        Type: 'AWS::Lambda::Function',
        Properties: { Runtime: 'nodejs24.x', Handler: 'index.handler', Role: { 'Fn::GetAtt': ['FunctionRole', 'Arn'] }, Code: { ZipFile: 'exports.handler = async (event) => ({ received: event });' } },
      },
      Group: { Type: 'AWS::Scheduler::ScheduleGroup', Properties: {} },
      Other: { Type: 'AWS::Scheduler::ScheduleGroup', Properties: {} },
      Window: {
        Type: 'AWS::Scheduler::Schedule',
        Properties: {
          ...(name && { Name: name }),
          GroupName: { Ref: group },
          ScheduleExpression: expression,
          ScheduleExpressionTimezone: 'Europe/Berlin',
          FlexibleTimeWindow: { Mode: 'OFF' },
          State: 'ENABLED',
          Target: {
            Arn: { 'Fn::GetAtt': ['Echo', 'Arn'] },
            RoleArn: { 'Fn::GetAtt': ['SchedulerRole', 'Arn'] },
            Input: JSON.stringify({ time: '<aws.scheduler.scheduled-time>', schedule: '<aws.scheduler.schedule-arn>', attempt: '<aws.scheduler.attempt-number>', execution: '<aws.scheduler.execution-id>', label }),
          },
        },
      },
    },
    Outputs: {
      WindowArn: { Value: { 'Fn::GetAtt': ['Window', 'Arn'] } },
      GroupArn: { Value: { 'Fn::GetAtt': ['Group', 'Arn'] } },
    },
  });
  const output = (StackName: string, key: string) => stackOutput(cloudformation, StackName, key);
  const fire = (arn: string, time: string) => fireSchedule({ emulator }, arn, time);

  it('is created with generated names, fires with the rendered Input, updates in place, is replaced for a new Name, and is deleted', async () => {
    const StackName = 'scheduled';
    await cloudformation.send(new CreateStackCommand({ StackName, TemplateBody: template({ expression: 'cron(30 9 * * ? *)', label: 'first' }), Capabilities: ['CAPABILITY_IAM'] }));
    await waitUntilStackCreateComplete(emulatorWaiter(cloudformation), { StackName });

    // CloudFormation's generated names: <stack>-<logical ID>-<12 letters and digits>.
    const arn = await output(StackName, 'WindowArn');
    const [, group, name] = /^arn:aws:scheduler:us-east-1:123456789012:schedule\/(scheduled-Group-[0-9A-Za-z]{12})\/(scheduled-Window-[0-9A-Za-z]{12})$/.exec(arn) ?? [];
    expect([group, name]).toEqual([expect.any(String), expect.any(String)]);
    expect(await output(StackName, 'GroupArn')).toBe(`arn:aws:scheduler:us-east-1:123456789012:schedule-group/${group}`);
    expect(await scheduleArn(cloudformation, StackName, 'Window', 'Group')).toBe(arn);

    const fired = await fire(arn, '2027-03-28T07:30:00Z');
    expect(fired).toEqual({ result: { received: { time: '2027-03-28T07:30:00Z', schedule: arn, attempt: '1', execution: expect.stringMatching(/^[0-9a-f]{16}$/), label: 'first' } } });

    // A new expression and Input: no create-only property changed, so the same schedule, updated.
    await cloudformation.send(new UpdateStackCommand({ StackName, TemplateBody: template({ expression: 'cron(30 2 * * ? *)', label: 'second' }), Capabilities: ['CAPABILITY_IAM'] }));
    await waitUntilStackUpdateComplete(emulatorWaiter(cloudformation), { StackName });
    expect(await output(StackName, 'WindowArn')).toBe(arn);
    expect(await fire(arn, '2027-10-31T00:30:00Z')).toMatchObject({ result: { received: { time: '2027-10-31T00:30:00Z', label: 'second' } } });

    // Name is create-only: a new one replaces the schedule, and the old one is deleted.
    await cloudformation.send(new UpdateStackCommand({ StackName, TemplateBody: template({ expression: 'cron(30 2 * * ? *)', label: 'second', name: 'named-window' }), Capabilities: ['CAPABILITY_IAM'] }));
    await waitUntilStackUpdateComplete(emulatorWaiter(cloudformation), { StackName });
    const replaced = await output(StackName, 'WindowArn');
    expect(replaced).toBe(`arn:aws:scheduler:us-east-1:123456789012:schedule/${group}/named-window`);
    await expect(fire(arn, '2027-10-31T00:30:00Z')).rejects.toThrow(`404 {"__type": "ResourceNotFoundException", "message": "Schedule ${name} does not exist."}`);
    expect(await fire(replaced, '2027-10-31T00:30:00Z')).toMatchObject({ result: { received: { schedule: replaced } } });

    await cloudformation.send(new DeleteStackCommand({ StackName }));
    await waitUntilStackDeleteComplete(emulatorWaiter(cloudformation), { StackName });
    await expect(fire(replaced, '2027-10-31T00:30:00Z')).rejects.toThrow(`404 {"__type": "ResourceNotFoundException", "message": "Schedule group ${group} does not exist."}`);
  });

  it('fails an update that moves the schedule to another group, as CloudFormation does, and rolls it back', async () => {
    const StackName = 'regrouped';
    const TemplateBody = template({ expression: 'cron(30 9 * * ? *)', label: 'first' });
    await cloudformation.send(new CreateStackCommand({ StackName, TemplateBody, Capabilities: ['CAPABILITY_IAM'] }));
    await waitUntilStackCreateComplete(emulatorWaiter(cloudformation), { StackName });
    const arn = await output(StackName, 'WindowArn');
    const name = arn.split('/')[2];

    await cloudformation.send(new UpdateStackCommand({ StackName, TemplateBody: template({ expression: 'cron(30 9 * * ? *)', label: 'first', group: 'Other' }), Capabilities: ['CAPABILITY_IAM'] }));

    expect((await ended(StackName)).StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    const { StackEvents = [] } = await cloudformation.send(new DescribeStackEventsCommand({ StackName }));
    expect(StackEvents.find((e) => e.LogicalResourceId === 'Window' && e.ResourceStatus === 'UPDATE_FAILED')?.ResourceStatusReason).toBe(
      `Resource of type 'AWS::Scheduler::Schedule' with identifier '${name}' was not found.`,
    );
    expect(await output(StackName, 'WindowArn')).toBe(arn);
    expect(await fire(arn, '2027-03-28T07:30:00Z')).toMatchObject({ result: { received: { label: 'first' } } });
  });
});

describe("the reset for the next test file, on the emulator's last tests", () => {
  // Answers with the URL it is given for the "API stage", after `event.ms` milliseconds.
  const ECHO = `exports.handler = async (event) => {
  await new Promise((resolve) => setTimeout(resolve, event.ms ?? 0));
  return process.env.LOCAL_EXECUTE_API_URL;
};`;
  const FUNCTION = JSON.stringify({
    Resources: {
      Role: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] } } },
      Echo: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'echo', Runtime: 'nodejs24.x', Handler: 'index.handler', Timeout: 900, Role: { 'Fn::GetAtt': ['Role', 'Arn'] }, Code: { ZipFile: ECHO } } },
    },
  });
  const lambda = () => new LambdaClient(emulatorClientConfig(emulator.endpoint));
  const reset = (body: unknown) => fetch(`${emulator.endpoint}/moto-api/extension/reset`, { method: 'POST', body: JSON.stringify(body) });
  const echo = async (InvocationType: 'Event' | 'RequestResponse', ms = 0) =>
    (await lambda().send(new InvokeCommand({ FunctionName: 'echo', InvocationType, Payload: Buffer.from(JSON.stringify({ ms })) }))).Payload;
  async function createEcho() {
    await cloudformation.send(new CreateStackCommand({ StackName: 'echo', TemplateBody: FUNCTION, Capabilities: ['CAPABILITY_IAM'] }));
    await waitUntilStackCreateComplete(emulatorWaiter(cloudformation), { StackName: 'echo' });
  }

  it('gives the invocations still running a second to end, then ends them; with a shorter wait, answers 409 and changes nothing', async () => {
    await createEcho();
    await echo('Event', 60_000);

    const early = await reset({ executeApiUrl: 'http://127.0.0.1:1', waitSeconds: 0.2 });

    expect(early.status).toBe(409);
    expect(await early.json()).toEqual({ message: 'Still running after 0.2 s: 0 stack operations, 1 invocations' });
    expect((await describe1('echo')).StackStatus).toBe('CREATE_COMPLETE');
    // Within its default 30 s wait, far short of the invocation's 60 s: only ending it answers 200.
    expect((await reset({ executeApiUrl: 'http://127.0.0.1:2' })).status).toBe(200);
  });

  it("empties every backend, and gives the functions the new stand-in's URL from then on", async () => {
    await createEcho();
    expect((await reset({ executeApiUrl: 'http://127.0.0.1:3' })).status).toBe(200);

    await expect(describe1('echo')).rejects.toThrow('Stack with id echo does not exist');
    await createEcho();
    expect(JSON.parse(Buffer.from((await echo('RequestResponse'))!).toString())).toBe('http://127.0.0.1:3');
  });

  it.each([[{}], [{ executeApiUrl: 'https://example.com' }], [{ executeApiUrl: 'http://127.0.0.1:4', waitSeconds: -1 }]])('refuses the body %j with 400', async (body) => {
    expect((await reset(body)).status).toBe(400);
  });
});
