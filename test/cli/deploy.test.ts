import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { StackBusyError } from '../../lambda/errors';
import { deploy } from '../../scripts/cli/deploy';
import { OperationFailedError, TemplateTooLargeError, UsageError } from '../../scripts/cli/errors';
import { readTemplate } from '../../scripts/template';
import { NOT_FOUND, NO_UPDATES, PARAMETERS, stack } from '../rotation.fixtures';
import { START, newestFirst, noSleep, recordingOutput, stackEvent } from './cli.fixtures';

const cloudformation = mockClient(CloudFormationClient);
const templateBody = readTemplate();
const OUTPUTS = [{ OutputKey: 'CloudFrontURL', OutputValue: 'https://d111111abcdef8.cloudfront.net' }];
let output: ReturnType<typeof recordingOutput>;

const run = (request: Partial<Parameters<typeof deploy>[0]> = {}, body = templateBody) =>
  deploy(
    { stackName: 'edge-api', parameters: {}, rotate: false, ...request },
    { cloudformation: new CloudFormationClient({ region: 'eu-west-1' }), templateBody: body, now: () => START, sleep: noSleep, output },
  );

beforeEach(() => {
  cloudformation.reset();
  output = recordingOutput();
  cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Outputs: OUTPUTS })] });
  cloudformation.on(DescribeStackEventsCommand).resolves(
    newestFirst([stackEvent('edge-api', 'UPDATE_IN_PROGRESS', 1, { token: 'deploy-2026-11-22T10-00-00Z' }), stackEvent('edge-api', 'UPDATE_COMPLETE', 2, { token: 'deploy-2026-11-22T10-00-00Z' })]),
  );
});

describe('deploy', () => {
  it('creates an absent stack with Timestamp = now and only the parameters given', async () => {
    cloudformation.on(DescribeStacksCommand).rejectsOnce(NOT_FOUND).resolves({ Stacks: [stack({ StackStatus: 'CREATE_COMPLETE', Outputs: OUTPUTS })] });
    cloudformation.on(CreateStackCommand).resolves({ StackId: stack().StackId });

    await run({ parameters: { ApiKeyRotationSchedule: 'Monthly' } });

    expect(cloudformation.commandCalls(CreateStackCommand)[0].args[0].input).toEqual({
      StackName: 'edge-api',
      TemplateBody: templateBody,
      Parameters: [
        { ParameterKey: 'ApiKeyRotationSchedule', ParameterValue: 'Monthly' },
        { ParameterKey: 'Timestamp', ParameterValue: '2026-11-22T10-00-00Z' },
      ],
      Capabilities: ['CAPABILITY_IAM'],
      ClientRequestToken: 'deploy-2026-11-22T10-00-00Z',
    });
    expect(output.lines).toContain('  CloudFrontURL  https://d111111abcdef8.cloudfront.net');
  });

  it('updates an existing stack with the current template, keeping every parameter not given, Timestamp included', async () => {
    await run({ parameters: { ApiKeyRotationSchedule: 'Quarterly' } });

    expect(cloudformation.commandCalls(CreateStackCommand)).toHaveLength(0);
    expect(cloudformation.commandCalls(UpdateStackCommand)[0].args[0].input).toEqual({
      StackName: 'edge-api',
      TemplateBody: templateBody,
      Parameters: [
        { ParameterKey: 'ApiURL', UsePreviousValue: true },
        { ParameterKey: 'ApiKeyRotationSchedule', ParameterValue: 'Quarterly' },
        { ParameterKey: 'Timestamp', UsePreviousValue: true },
        { ParameterKey: 'WebACLArn', UsePreviousValue: true },
      ],
      Capabilities: ['CAPABILITY_IAM'],
      ClientRequestToken: 'deploy-2026-11-22T10-00-00Z',
    });
  });

  it('rotates as well with --rotate', async () => {
    await run({ rotate: true });

    expect(cloudformation.commandCalls(UpdateStackCommand)[0].args[0].input.Parameters).toContainEqual({
      ParameterKey: 'Timestamp',
      ParameterValue: '2026-11-22T10-00-00Z',
    });
  });

  it('lets a parameter new in this template version take its default', async () => {
    const older = PARAMETERS.filter((p) => p.ParameterKey !== 'WebACLArn');
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Parameters: older })] });

    await run();

    const keys = cloudformation.commandCalls(UpdateStackCommand)[0].args[0].input.Parameters!.map((p) => p.ParameterKey);
    expect(keys).toEqual(['ApiURL', 'ApiKeyRotationSchedule', 'Timestamp']);
  });

  it('treats "No updates are to be performed." as success and prints the outputs', async () => {
    cloudformation.on(UpdateStackCommand).rejects(NO_UPDATES);

    await run();

    expect(output.lines).toContain('No changes: the stack already matches the template and parameters.');
    expect(output.lines).toContain('  CloudFrontURL  https://d111111abcdef8.cloudfront.net');
  });

  it('fails with each failed resource and its reason when the stack rolls back', async () => {
    cloudformation.on(DescribeStacksCommand).resolvesOnce({ Stacks: [stack()] }).resolves({ Stacks: [stack({ StackStatus: 'UPDATE_ROLLBACK_COMPLETE' })] });
    cloudformation.on(DescribeStackEventsCommand).resolves(newestFirst([
      stackEvent('UsagePlan', 'UPDATE_FAILED', 1, { token: 'deploy-2026-11-22T10-00-00Z', reason: 'Invalid stage identifier specified' }),
      stackEvent('edge-api', 'UPDATE_ROLLBACK_COMPLETE', 2, { token: 'deploy-2026-11-22T10-00-00Z' }),
    ]));

    const deployment = run();

    await expect(deployment).rejects.toBeInstanceOf(OperationFailedError);
    await expect(deployment).rejects.toThrow('UsagePlan UPDATE_FAILED: Invalid stage identifier specified');
  });

  it.each([
    [{ ApiKeyRotationSchedule: 'Weekly' }, '--schedule "Weekly" is not valid: it must be one of Daily, Fortnightly, Monthly, Bimonthly, Quarterly.'],
    [{ ApiURL: 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod' }, '--api-url "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod" is not valid: it must be empty or'],
    [{ WebACLArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/a/b' }, '--web-acl-arn'],
    [{ NotificationEmail: 'ops at example.com' }, '--notification-email "ops at example.com" is not valid: it must be empty or an email address.'],
    [{ HealthCheckPath: 'health' }, '--health-check-path "health" is not valid: it must start with /'],
    [{ RollbackMonitoringMinutes: '181' }, '--rollback-minutes "181" is not valid: it must be a whole number from 0 to 180.'],
    [{ KeyGateTimeoutSeconds: '900' }, '--key-gate-seconds "900" is not valid: it must be a whole number from 0 to 840.'],
    [{ RollbackMonitoringMinutes: 'ten' }, '--rollback-minutes "ten" is not valid: it must be a whole number from 0 to 180.'],
  ])('refuses %j before calling AWS', async (parameters, message) => {
    const deployment = run({ parameters });

    await expect(deployment).rejects.toBeInstanceOf(UsageError);
    await expect(deployment).rejects.toThrow(message);
    expect(cloudformation.calls()).toHaveLength(0);
  });

  it('refuses a template too large for a direct upload', async () => {
    await expect(run({}, `${templateBody}\n#${'x'.repeat(51_200)}`)).rejects.toBeInstanceOf(TemplateTooLargeError);
    expect(cloudformation.calls()).toHaveLength(0);
  });

  it('refuses a busy stack without updating it', async () => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ StackStatus: 'UPDATE_IN_PROGRESS' })] });

    await expect(run()).rejects.toBeInstanceOf(StackBusyError);
    expect(cloudformation.commandCalls(UpdateStackCommand)).toHaveLength(0);
  });
});
