// End to end, against the local AWS emulator (moto with this project's extension) and the
// stand-ins for API Gateway's stage and CloudFront: the real wire protocol, the real template.
import { GetApiKeyCommand, NotFoundException } from '@aws-sdk/client-api-gateway';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ListChangeSetsCommand,
  UpdateStackCommand,
  waitUntilStackCreateComplete,
  waitUntilStackUpdateComplete,
} from '@aws-sdk/client-cloudformation';
import { GetDistributionConfigCommand, UpdateDistributionCommand } from '@aws-sdk/client-cloudfront';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NotThisTemplateError, StackBusyError, StackNotFoundError } from '../../lambda/errors';
import { createHandler } from '../../lambda/handler';
import { rotateApiKey } from '../../lambda/rotation';
import { main as cli } from '../../scripts/cli/main';
import { OriginChangeNotConfirmedError } from '../../scripts/cli/errors';
import { dryRun } from '../../scripts/cli/rotate';
import { emulatorClientConfig } from '../../scripts/emulator/launch';
import { type LocalAws, emulatorSleep, emulatorWaiter, fireSchedule, get, scheduleArn, stackOutput } from '../../scripts/emulator/local-stack';
import { localAws } from '../support/emulator-broker';
import { scheduleTimes } from '../../scripts/emulator/scheduler-times';
import { recordingOutput } from '../cli/cli.fixtures';
import { deployStack, keyState, scheduledEvent } from './e2e.fixtures';

jest.setTimeout(60_000);

let aws: LocalAws;
let secrets: SecretsManagerClient;
const log = jest.fn();
/** The scheduled handler, then the update it started, to its end: UpdateStack answers once the update has started. */
const rotateByHandler = async (stackName: string, time: string) => {
  const outcome = await createHandler({ cloudformation: aws.cloudformation, stackName, log, now: () => new Date(time) })(scheduledEvent(time));
  await updated(stackName);
  return outcome;
};
const created = (stackName: string) => waitUntilStackCreateComplete(emulatorWaiter(aws.cloudformation), { StackName: stackName });
const updated = (stackName: string) => waitUntilStackUpdateComplete(emulatorWaiter(aws.cloudformation), { StackName: stackName });
/** The CLI in-process; `now` is the CLI's clock (keys age in the emulator's real time). */
const cliRun = async (argv: string[], now = new Date()) => {
  const output = recordingOutput();
  const code = await cli(argv, { output, clients: () => aws, now: () => now, sleep: emulatorSleep });
  return { code, output };
};
/** GET /pets through the distribution's "CloudFront" stand-in. */
const throughCloudFront = async (stackName: string) => get(`${(await aws.cloudFrontFor(stackName)).url}/pets`);
/** GET /pets straight to the API stage, with `key` as x-api-key when given. */
const toStage = async (stackName: string, key?: string) => {
  const stage = new URL(await stackOutput(aws.cloudformation, stackName, 'ApiStageURL'));
  return get(`${aws.apiStage.url}${stage.pathname}/pets`, { host: stage.host, ...(key === undefined ? {} : { 'x-api-key': key }) });
};

beforeAll(async () => {
  aws = await localAws();
  secrets = new SecretsManagerClient(emulatorClientConfig(aws.emulator.endpoint));
});

afterAll(async () => aws?.stop());

describe('deploy', () => {
  it('creates the stack: one enabled key, the header carrying its value, the API refusing direct calls', async () => {
    await deployStack(aws, 'deployed');

    const state = await keyState(aws, 'deployed');
    expect(state).toMatchObject({ keyName: 'CloudFront-2026-11-22T10-00-00Z', keyEnabled: true, planKeyIds: [state.keyId] });
    expect(state.keyValue).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(state.header).toBe(state.keyValue);
    expect((await throughCloudFront('deployed')).status).toBe(200);
    expect((await toStage('deployed')).status).toBe(403);
  });
});

describe('deploy refuses, changing nothing,', () => {
  it("a stack that was not made from this template, even with a Timestamp parameter", async () => {
    await aws.cloudformation.send(new CreateStackCommand({
      StackName: 'someone-elses',
      TemplateBody: JSON.stringify({
        Parameters: { Timestamp: { Type: 'String' } },
        Resources: { Topic: { Type: 'AWS::SNS::Topic', Properties: {} } },
        Outputs: { TopicArn: { Value: { Ref: 'Topic' } } },
      }),
      Parameters: [{ ParameterKey: 'Timestamp', ParameterValue: '2026-11-22' }],
    }));
    await created('someone-elses');
    const topicArn = await stackOutput(aws.cloudformation, 'someone-elses', 'TopicArn');

    await expect(deployStack(aws, 'someone-elses')).rejects.toBeInstanceOf(NotThisTemplateError);

    const { Stacks } = await aws.cloudformation.send(new DescribeStacksCommand({ StackName: 'someone-elses' }));
    expect(Stacks![0].StackStatus).toBe('CREATE_COMPLETE');
    await expect(new SNSClient(emulatorClientConfig(aws.emulator.endpoint)).send(new GetTopicAttributesCommand({ TopicArn: topicArn }))).resolves.toBeDefined();
  });

  it('re-pointing CloudFront at another origin without --change-origin', async () => {
    await deployStack(aws, 'pointed');
    const before = await keyState(aws, 'pointed');

    const elsewhere = 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod';

    await expect(deployStack(aws, 'pointed', { ApiURL: elsewhere })).rejects.toBeInstanceOf(OriginChangeNotConfirmedError);
    const confirmed = await cliRun(['deploy', '--stack-name', 'pointed', '--api-url', elsewhere, '--change-origin', '--region', 'us-east-1']);
    await expect(deployStack(aws, 'pointed', { ApiURL: '' })).resolves.toBeDefined();

    expect(confirmed.code).toBe(2);
    expect(confirmed.output.errors[0]).toMatch(/^error: --api-url names stage "prod" of REST API a1b2c3d4e5, which does not exist in us-east-1\./);
    expect(await keyState(aws, 'pointed')).toEqual(before);
  });
});

describe('a scheduled rotation through the handler', () => {
  it('replaces secret, key and usage-plan key, moves the header, and refuses the old key', async () => {
    await deployStack(aws, 'scheduled');
    const before = await keyState(aws, 'scheduled');

    const outcome = await rotateByHandler('scheduled', '2026-11-23T10:00:00Z');

    const after = await keyState(aws, 'scheduled');
    expect(outcome).toMatchObject({ result: 'started', timestamp: '2026-11-23T10-00-00Z' });
    expect(after.keyName).toBe('CloudFront-2026-11-23T10-00-00Z');
    expect(after.keyId).not.toBe(before.keyId);
    expect(after.keyValue).not.toBe(before.keyValue);
    expect(after.header).toBe(after.keyValue);
    expect(after.planKeyIds).toEqual([after.keyId]);
    expect(after.secretArn).not.toBe(before.secretArn);
    await expect(aws.apigateway.send(new GetApiKeyCommand({ apiKey: before.keyId }))).rejects.toBeInstanceOf(NotFoundException);
    await expect(secrets.send(new DescribeSecretCommand({ SecretId: before.secretArn }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect((await throughCloudFront('scheduled')).status).toBe(200);
    expect((await toStage('scheduled', before.keyValue)).status).toBe(403);
    expect((await toStage('scheduled', after.keyValue)).status).toBe(200);
  });

  it('skips a late retry of an older event once a newer rotation has run, changing nothing', async () => {
    await deployStack(aws, 'late');
    await rotateByHandler('late', '2026-11-24T10:00:00Z');
    const newer = await keyState(aws, 'late');

    const late = await createHandler({ cloudformation: aws.cloudformation, stackName: 'late', log, now: () => new Date('2026-11-24T10:30:00Z') })(
      scheduledEvent('2026-11-23T10:00:00Z'),
    );

    expect(late.result).toBe('superseded');
    expect(await keyState(aws, 'late')).toEqual(newer);
  });

  it('treats a retry of the same event as done', async () => {
    await deployStack(aws, 'retried');
    await rotateByHandler('retried', '2026-11-23T10:00:00Z');
    const rotated = await keyState(aws, 'retried');

    const retry = await rotateByHandler('retried', '2026-11-23T10:00:00Z');

    expect(retry.result).toBe('unchanged');
    expect((await keyState(aws, 'retried')).keyId).toBe(rotated.keyId);
  });

  it('rotates twice in a row, leaving one key each time', async () => {
    await deployStack(aws, 'twice');

    await rotateByHandler('twice', '2026-11-23T10:00:00Z');
    const first = await keyState(aws, 'twice');
    await rotateByHandler('twice', '2026-11-24T10:00:00Z');
    const second = await keyState(aws, 'twice');

    expect(second.keyName).toBe('CloudFront-2026-11-24T10-00-00Z');
    expect(second.keyId).not.toBe(first.keyId);
    expect(second.planKeyIds).toEqual([second.keyId]);
    expect(second.header).toBe(second.keyValue);
    expect((await throughCloudFront('twice')).status).toBe(200);
  });

  it("keeps the stack's capabilities: CloudFormation stores those of the last operation", async () => {
    await deployStack(aws, 'capable');

    await rotateByHandler('capable', '2026-11-23T10:00:00Z');

    const { Stacks } = await aws.cloudformation.send(new DescribeStacksCommand({ StackName: 'capable' }));
    expect(Stacks![0].Capabilities).toEqual(['CAPABILITY_IAM']);
    expect((await keyState(aws, 'capable')).keyName).toBe('CloudFront-2026-11-23T10-00-00Z');
  });

  it('keeps a parameter changed since creation', async () => {
    await deployStack(aws, 'rescheduled');
    await deployStack(aws, 'rescheduled', { ApiKeyRotationSchedule: 'Monthly' }, new Date('2026-11-22T11:00:00Z'));

    await rotateByHandler('rescheduled', '2026-11-23T10:00:00Z');

    const { Stacks } = await aws.cloudformation.send(new DescribeStacksCommand({ StackName: 'rescheduled' }));
    expect(Stacks![0].Parameters).toContainEqual({ ParameterKey: 'ApiKeyRotationSchedule', ParameterValue: 'Monthly' });
    expect(await stackOutput(aws.cloudformation, 'rescheduled', 'RotationSchedule')).toBe('Monthly (rate(30 days))');
    expect((await keyState(aws, 'rescheduled')).keyName).toBe('CloudFront-2026-11-23T10-00-00Z');
  });
});

describe('two rotations at once', () => {
  it('refuses the second while the first runs, as CloudFormation does, and never rotates backwards', async () => {
    await deployStack(aws, 'concurrent', { KeyGateTimeoutSeconds: '30' });
    // The key gate holds the first rotation for 2 s: a window in which the stack is busy.
    await aws.apiStage.refuse({ newKeys: { seconds: 2 } });
    // Each event handled once all three have fired.
    const handle = (time: string) =>
      createHandler({ cloudformation: aws.cloudformation, stackName: 'concurrent', log, now: () => new Date('2026-11-24T10:00:30Z') })(scheduledEvent(time));
    const first = handle('2026-11-23T10:00:00Z');
    while ((await aws.cloudformation.send(new DescribeStacksCommand({ StackName: 'concurrent' }))).Stacks![0].StackStatus !== 'UPDATE_IN_PROGRESS') {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const older = await handle('2026-11-22T12:00:00Z');
    const newer = handle('2026-11-24T10:00:00Z');

    expect(older.result).toBe('superseded');
    await expect(newer).rejects.toBeInstanceOf(StackBusyError);
    await expect(first).resolves.toMatchObject({ result: 'started' });
    await updated('concurrent');
    expect((await keyState(aws, 'concurrent')).keyName).toBe('CloudFront-2026-11-23T10-00-00Z');
    await aws.apiStage.refuse(undefined);
  });
});

describe('a rotation goes on after the call that starts it, as in CloudFormation', () => {
  it('UpdateStack answers, and the handler reports the rotation started, while the update is still in progress', async () => {
    await deployStack(aws, 'under-way', { KeyGateTimeoutSeconds: '30' });
    const before = await keyState(aws, 'under-way');
    // The key gate holds the update for 2 s, until the "API stage" accepts the new key.
    await aws.apiStage.refuse({ newKeys: { seconds: 2 } });
    const statusOf = async () => (await aws.cloudformation.send(new DescribeStacksCommand({ StackName: 'under-way' }))).Stacks![0].StackStatus;
    // The handler's own client, which reads the stack's status the moment UpdateStack answers.
    const cloudformation = new CloudFormationClient(emulatorClientConfig(aws.emulator.endpoint));
    const whenAnswered: (string | undefined)[] = [];
    cloudformation.middlewareStack.add((next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'UpdateStackCommand') whenAnswered.push(await statusOf());
      return result;
    }, { step: 'initialize' });

    const outcome = await createHandler({ cloudformation, stackName: 'under-way', log, now: () => new Date('2026-11-23T10:00:30Z') })(scheduledEvent('2026-11-23T10:00:00Z'));
    const returned = new Date();

    expect(whenAnswered).toEqual(['UPDATE_IN_PROGRESS']);
    expect(outcome).toMatchObject({ result: 'started', timestamp: '2026-11-23T10-00-00Z' });
    expect(await statusOf()).toBe('UPDATE_IN_PROGRESS');
    // Held at the key gate: CloudFront still sends the old key.
    expect((await keyState(aws, 'under-way')).header).toBe(before.keyValue);
    await updated('under-way');
    const { StackEvents = [] } = await aws.cloudformation.send(new DescribeStackEventsCommand({ StackName: 'under-way' }));
    const completed = StackEvents.find((e) => e.LogicalResourceId === 'under-way' && e.ResourceStatus === 'UPDATE_COMPLETE');
    expect(completed!.Timestamp!.getTime()).toBeGreaterThan(returned.getTime());
    const after = await keyState(aws, 'under-way');
    expect(after.keyName).toBe('CloudFront-2026-11-23T10-00-00Z');
    expect(after.header).toBe(after.keyValue);
    await aws.apiStage.refuse(undefined);
  });
});

describe('a rotation through the CLI', () => {
  it('rotates and follows the update to the end', async () => {
    await deployStack(aws, 'by-cli');
    const before = await keyState(aws, 'by-cli');

    const { code, output } = await cliRun(['rotate', '--stack-name', 'by-cli'], new Date('2026-11-24T08:00:00Z'));

    expect(code).toBe(0);
    expect(output.lines[0]).toMatch(/Timestamp 2026-11-22T10-00-00Z → 2026-11-24T08-00-00Z: rotation started\.$/);
    expect(output.lines.some((line) => /DELETE_COMPLETE\s+AWS::ApiGateway::ApiKey/.test(line))).toBe(true);
    const after = await keyState(aws, 'by-cli');
    expect(after.keyId).not.toBe(before.keyId);
    expect(after.header).toBe(after.keyValue);
  });

  it('shows with --dry-run exactly the replacements, and changes nothing', async () => {
    await deployStack(aws, 'dry-run');
    const before = await keyState(aws, 'dry-run');

    const changes = await dryRun('dry-run', { ...aws, now: () => new Date('2026-11-24T08:00:00Z'), sleep: emulatorSleep, output: recordingOutput() });

    expect(changes).toEqual([
      { action: 'Modify', logicalId: 'ApiKeySecret', type: 'AWS::SecretsManager::Secret', replacement: 'True' },
      { action: 'Modify', logicalId: 'ApiKey', type: 'AWS::ApiGateway::ApiKey', replacement: 'True' },
      // KeyId refers to the key being replaced: its new value is known only during the update.
      { action: 'Modify', logicalId: 'UsagePlanKey', type: 'AWS::ApiGateway::UsagePlanKey', replacement: 'Conditional' },
      { action: 'Modify', logicalId: 'KeyGate', type: 'AWS::CloudFormation::CustomResource', replacement: 'False' },
      { action: 'Modify', logicalId: 'Distribution', type: 'AWS::CloudFront::Distribution', replacement: 'False' },
    ]);
    expect(await keyState(aws, 'dry-run')).toEqual(before);
    expect((await aws.cloudformation.send(new ListChangeSetsCommand({ StackName: 'dry-run' }))).Summaries ?? []).toEqual([]);
  });
});

describe('a rotation by hand, as the console does it', () => {
  it('replaces the key when the Timestamp parameter is edited', async () => {
    await deployStack(aws, 'by-hand');
    const { Stacks } = await aws.cloudformation.send(new DescribeStacksCommand({ StackName: 'by-hand' }));

    await aws.cloudformation.send(new UpdateStackCommand({
      StackName: 'by-hand',
      UsePreviousTemplate: true,
      Capabilities: ['CAPABILITY_IAM'],
      Parameters: Stacks![0].Parameters!.map((p) =>
        p.ParameterKey === 'Timestamp' ? { ParameterKey: 'Timestamp', ParameterValue: '2027-01-01' } : { ParameterKey: p.ParameterKey, UsePreviousValue: true }),
    }));
    await updated('by-hand');

    const after = await keyState(aws, 'by-hand');
    expect(after.keyName).toBe('CloudFront-2027-01-01');
    expect(after.header).toBe(after.keyValue);
    expect((await throughCloudFront('by-hand')).status).toBe(200);
  });
});

describe('status', () => {
  it('is healthy after a rotation, and unhealthy once the header disagrees with the key', async () => {
    await deployStack(aws, 'watched');
    await rotateByHandler('watched', '2026-11-23T10:00:00Z');
    expect((await cliRun(['status', '--stack-name', 'watched'])).code).toBe(0);

    const distributionId = await stackOutput(aws.cloudformation, 'watched', 'DistributionId');
    const { DistributionConfig, ETag } = await aws.cloudfront.send(new GetDistributionConfigCommand({ Id: distributionId }));
    DistributionConfig!.Origins!.Items![0].CustomHeaders!.Items![0].HeaderValue = 'x'.repeat(40);
    await aws.cloudfront.send(new UpdateDistributionCommand({ Id: distributionId, IfMatch: ETag, DistributionConfig }));

    const { code, output } = await cliRun(['status', '--stack-name', 'watched']);
    expect(code).toBe(1);
    expect(output.lines).toContain('  - CloudFront sends a different x-api-key than the active key: the API refuses requests through CloudFront.');
    expect((await throughCloudFront('watched')).status).toBe(403);
  });

  it('runs as the built command, pointed at the emulator by AWS_ENDPOINT_URL', async () => {
    await deployStack(aws, 'from-shell');
    const cliPath = join(__dirname, '..', '..', 'dist', 'cli.js');

    // Without the SDK's switch that the test run sets (jest.config.js): the CLI must set it itself.
    const { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _set, ...env } = process.env;
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cliPath, 'status', '--stack-name', 'from-shell'], {
      env: { ...env, AWS_ENDPOINT_URL: aws.emulator.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', NO_COLOR: '1' },
    });

    expect(stdout).toContain('Healthy.');
    expect(stdout).not.toContain('Note:');
    expect(stderr).toBe('');
  });
});

describe('the rotation module refuses, over the wire,', () => {
  it('a stack that does not exist', async () => {
    await expect(rotateApiKey(aws.cloudformation, { stackName: 'nowhere', timestamp: '2026-11-23T10-00-00Z', clientRequestToken: 'rotate-x', now: '2026-11-23T10-00-00Z' }))
      .rejects.toBeInstanceOf(StackNotFoundError);
  });

  it('a stack without a Timestamp parameter', async () => {
    await aws.cloudformation.send(new CreateStackCommand({
      StackName: 'unrelated',
      TemplateBody: JSON.stringify({ Resources: { Logs: { Type: 'AWS::Logs::LogGroup', Properties: {} } } }),
    }));
    await created('unrelated');

    await expect(rotateApiKey(aws.cloudformation, { stackName: 'unrelated', timestamp: '2026-11-23T10-00-00Z', clientRequestToken: 'rotate-x', now: '2026-11-23T10-00-00Z' }))
      .rejects.toBeInstanceOf(NotThisTemplateError);
  });

  it("another template's stack with a Timestamp parameter, whose topic a new Timestamp would replace", async () => {
    await aws.cloudformation.send(new CreateStackCommand({
      StackName: 'lookalike',
      TemplateBody: JSON.stringify({
        Parameters: { Timestamp: { Type: 'String' } },
        Resources: { Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: { 'Fn::Sub': 'lookalike-${Timestamp}' } } } },
        Outputs: { TopicArn: { Value: { Ref: 'Topic' } } },
      }),
      Parameters: [{ ParameterKey: 'Timestamp', ParameterValue: '2026-11-22' }],
    }));
    await created('lookalike');
    const topicBefore = await stackOutput(aws.cloudformation, 'lookalike', 'TopicArn');

    await expect(rotateApiKey(aws.cloudformation, { stackName: 'lookalike', timestamp: '2026-11-23T10-00-00Z', clientRequestToken: 'rotate-y', now: '2026-11-23T10-00-00Z' }))
      .rejects.toBeInstanceOf(NotThisTemplateError);

    expect(await stackOutput(aws.cloudformation, 'lookalike', 'TopicArn')).toBe(topicBefore);
  });
});

// The rotation window end to end: the schedule the template makes, fired as Scheduler fires it at
// the times Scheduler's rules give for its expression, runs the deployed rotation function.
describe('a rotation window', () => {
  it('rotates once a day at 9:30 in Europe/Berlin across both daylight-saving changes, each key named after its scheduled time', async () => {
    await deployStack(aws, 'windowed', { RotationHour: '9', RotationMinute: '30', RotationTimeZone: 'Europe/Berlin' }, new Date('2026-03-01T00:00:00Z'));
    const [, expression, zone] = /^Daily \((cron\(.+\)) in (.+)\)$/.exec(await stackOutput(aws.cloudformation, 'windowed', 'RotationSchedule'))!;
    const arn = await scheduleArn(aws.cloudformation, 'windowed', 'RotationWindow', 'RotationScheduleGroup');
    // The last Sundays of March and October 2026: 29 March, 25 October.
    const times = [
      ...scheduleTimes(expression, zone, new Date('2026-03-28T00:00:00Z'), new Date('2026-03-31T00:00:00Z')),
      ...scheduleTimes(expression, zone, new Date('2026-10-24T00:00:00Z'), new Date('2026-10-27T00:00:00Z')),
    ].map((time) => time.toISOString().replace('.000Z', 'Z'));

    const keyNames: string[] = [];
    for (const time of times) {
      expect(await fireSchedule(aws, arn, time)).toMatchObject({ result: { result: 'started' } });
      await updated('windowed');
      const state = await keyState(aws, 'windowed');
      expect(state.header).toBe(state.keyValue);
      keyNames.push(state.keyName!);
    }

    expect(times).toEqual([
      '2026-03-28T08:30:00Z', '2026-03-29T07:30:00Z', '2026-03-30T07:30:00Z',
      '2026-10-24T07:30:00Z', '2026-10-25T08:30:00Z', '2026-10-26T08:30:00Z',
    ]);
    expect(keyNames).toEqual(times.map((time) => `CloudFront-${time.replace(/:/g, '-')}`));
  });

  it('does nothing for a second firing of one scheduled time (an at-least-once retry)', async () => {
    await deployStack(aws, 'window-retry', { RotationHour: '9' }, new Date('2026-03-01T00:00:00Z'));
    const arn = await scheduleArn(aws.cloudformation, 'window-retry', 'RotationWindow', 'RotationScheduleGroup');
    await fireSchedule(aws, arn, '2026-03-02T09:00:00Z');
    await updated('window-retry');
    const before = await keyState(aws, 'window-retry');

    const again = await fireSchedule(aws, arn, '2026-03-02T09:00:00Z');

    expect(again).toMatchObject({ result: { result: 'unchanged' } });
    expect(await keyState(aws, 'window-retry')).toEqual(before);
  });
});
