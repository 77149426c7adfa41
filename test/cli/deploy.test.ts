import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStackEventsCommand,
  DescribeStackResourceCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  UpdateStackCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { APIGatewayClient, GetStageCommand } from '@aws-sdk/client-api-gateway';
import { HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NotThisTemplateError, StackBusyError, StackNotUpdatableError } from '../../lambda/errors';
import { deploy } from '../../scripts/cli/deploy';
import { checkNamesFit } from '../../scripts/cli/deploy-guards';
import {
  DistributionChangeError,
  NotServiceRoleStackError,
  OperationFailedError,
  OriginChangeNotConfirmedError,
  ServiceRoleNamesTakenError,
  ServiceRoleOutputMissingError,
  StackCreationFailedError,
  StackNotCreatedError,
  TemplateBucketAccessDeniedError,
  TemplateDowngradeError,
  TemplateTooLargeError,
  UsageError,
} from '../../scripts/cli/errors';
import { describeFailure } from '../../scripts/cli/failure';
import { deployTemplates } from '../../scripts/template';
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { NOT_FOUND, NO_UPDATES, PARAMETERS, stack } from '../rotation.fixtures';
import { START, newestFirst, noSleep, recordingOutput, stackEvent } from './cli.fixtures';

const cloudformation = mockClient(CloudFormationClient);
const apigateway = mockClient(APIGatewayClient);
const s3 = mockClient(S3Client);
const sts = mockClient(STSClient);
const { templateBody, serviceRoleTemplateBody } = deployTemplates();
const VERSION = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).version;
const BUCKET = 'cloudfront-api-key-rotation-123456789012-eu-west-1';
const TEMPLATE_KEY = `templates/${VERSION}/${createHash('sha256').update(templateBody).digest('hex')}.yaml`;
const TEMPLATE_URL = `https://${BUCKET}.s3.eu-west-1.amazonaws.com/${TEMPLATE_KEY}`;
const OUTPUTS = [
  { OutputKey: 'CloudFrontURL', OutputValue: 'https://d111111abcdef8.cloudfront.net' },
  ...['ApiKeyId', 'ApiKeySecretArn', 'DistributionId', 'UsagePlanId'].map((OutputKey) => ({ OutputKey, OutputValue: 'x' })),
];
const CURRENT_API = PARAMETERS.find((p) => p.ParameterKey === 'ApiURL')!.ParameterValue!;
let output: ReturnType<typeof recordingOutput>;

const run = (request: Partial<Parameters<typeof deploy>[0]> = {}, body = templateBody) =>
  deploy(
    { stackName: 'edge-api', parameters: {}, rotate: false, testRotation: false, ...request },
    {
      cloudformation: new CloudFormationClient({ region: 'eu-west-1' }),
      apigateway: new APIGatewayClient({ region: 'eu-west-1' }),
      lambda: new LambdaClient({ region: 'eu-west-1' }),
      s3: new S3Client({ region: 'eu-west-1' }),
      sts: new STSClient({ region: 'eu-west-1' }),
      templateBody: body,
      serviceRoleTemplateBody,
      now: () => START,
      sleep: noSleep,
      output,
    },
  );

beforeEach(() => {
  cloudformation.reset();
  apigateway.reset();
  s3.reset();
  sts.reset();
  s3.onAnyCommand().resolves({});
  apigateway.on(GetStageCommand).resolves({ stageName: 'prod' });
  sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012' });
  s3.on(HeadBucketCommand).resolves({ BucketRegion: 'eu-west-1' });
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
      TemplateURL: TEMPLATE_URL,
      Parameters: [
        { ParameterKey: 'ApiKeyRotationSchedule', ParameterValue: 'Monthly' },
        { ParameterKey: 'Timestamp', ParameterValue: '2026-11-22T10-00-00Z' },
      ],
      Capabilities: ['CAPABILITY_IAM'],
      ClientRequestToken: 'deploy-2026-11-22T10-00-00Z',
    });
    expect(output.lines).toContainEqual(expect.stringMatching(/^  CloudFrontURL +https:\/\/d111111abcdef8\.cloudfront\.net$/));
  });

  it('updates an existing stack with the current template, keeping every parameter not given, Timestamp included', async () => {
    await run({ parameters: { ApiKeyRotationSchedule: 'Quarterly' } });

    expect(cloudformation.commandCalls(CreateStackCommand)).toHaveLength(0);
    expect(cloudformation.commandCalls(UpdateStackCommand)[0].args[0].input).toEqual({
      StackName: 'edge-api',
      TemplateURL: TEMPLATE_URL,
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
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Parameters: older, Outputs: OUTPUTS })] });

    await run();

    const keys = cloudformation.commandCalls(UpdateStackCommand)[0].args[0].input.Parameters!.map((p) => p.ParameterKey);
    expect(keys).toEqual(['ApiURL', 'ApiKeyRotationSchedule', 'Timestamp']);
  });

  it('treats "No updates are to be performed." as success and prints the outputs', async () => {
    cloudformation.on(UpdateStackCommand).rejects(NO_UPDATES);

    await run();

    expect(output.lines).toContain('No changes: the stack already matches the template and parameters.');
    expect(output.lines).toContainEqual(expect.stringMatching(/^  CloudFrontURL +https:\/\/d111111abcdef8\.cloudfront\.net$/));
  });

  it('fails with each failed resource and its reason when the stack rolls back', async () => {
    cloudformation.on(DescribeStacksCommand).resolvesOnce({ Stacks: [stack({ Outputs: OUTPUTS })] }).resolves({ Stacks: [stack({ StackStatus: 'UPDATE_ROLLBACK_COMPLETE' })] });
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

  it.each([
    [`s${'x'.repeat(55)}`, { RotationHour: '9' }, `is too long for a rotation window: its EventBridge Scheduler schedule group is named s${'x'.repeat(55)}.rotation, 65 characters, and takes at most 64. Nothing changed; choose a stack name of at most 55 characters, or deploy without --rotation-hour.`],
    [`s${'x'.repeat(118)}`, { SlackWorkspaceId: 'T01ABCDEFGH', SlackChannelId: 'C01ABCDEFGH' }, 'is too long for a Slack channel: its Q Developer chat configuration is named'],
  ])('refuses a stack name too long for a name the template builds from it, and changes nothing: %#', async (stackName, parameters, message) => {
    const deployment = run({ stackName, parameters });

    await expect(deployment).rejects.toBeInstanceOf(UsageError);
    await expect(deployment).rejects.toThrow(message);
    expect([...cloudformation.commandCalls(CreateStackCommand), ...cloudformation.commandCalls(UpdateStackCommand)]).toHaveLength(0);
  });

  it.each([
    [`s${'x'.repeat(54)}`, { RotationHour: '9' }],
    [`s${'x'.repeat(117)}`, { SlackChannelId: 'C01ABCDEFGH' }],
    [`s${'x'.repeat(127)}`, {}],
  ])('accepts the longest stack name each takes: %#', (stackName, values: Record<string, string>) => {
    expect(() => checkNamesFit(stackName, 'eu-west-1', (key) => values[key] ?? '')).not.toThrow();
  });

  const CERTIFICATE = 'arn:aws:acm:us-east-1:123456789012:certificate/473e64fd-f30b-4765-81a0-62ad96dd167a';
  it.each([
    ['domain names without a certificate', { DomainNames: 'api.example.com' }, 'DomainNamesNeedCertificate'],
    ['a certificate without domain names', { CertificateArn: CERTIFICATE }, 'CertificateNeedsDomainNames'],
  ])("refuses %s by the template's own rule, before anything changes", async (_case, parameters, rule) => {
    cloudformation.on(DescribeStacksCommand).rejects(NOT_FOUND);

    const deployed = run({ parameters });

    await expect(deployed).rejects.toBeInstanceOf(UsageError);
    await expect(deployed).rejects.toThrow(`--certificate-arn and --domain-names: DomainNames and CertificateArn go together (the template's rule ${rule}). Nothing changed.`);
    expect(cloudformation.commandCalls(CreateStackCommand)).toHaveLength(0);
  });

  it("judges the rule on the values the stack would have: given ones, and the stack's for the rest", async () => {
    const withDomain = [...PARAMETERS, { ParameterKey: 'DomainNames', ParameterValue: 'api.example.com' }, { ParameterKey: 'CertificateArn', ParameterValue: CERTIFICATE }];
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Outputs: OUTPUTS, Parameters: withDomain })] });
    cloudformation.on(UpdateStackCommand).resolves({});

    await run({ parameters: { DomainNames: 'www.example.com' } });

    expect(cloudformation.commandCalls(UpdateStackCommand)).toHaveLength(1);
  });

  it('refuses a stack name too long for a service role, before anything changes', async () => {
    const deployed = run({ stackName: 'a-stack-name-of-thirty-one-char', serviceRole: true });

    await expect(deployed).rejects.toBeInstanceOf(UsageError);
    await expect(deployed).rejects.toThrow('--stack-name "a-stack-name-of-thirty-one-char" cannot have a service role: it must be a stack name of at most 30 characters');
    expect([...cloudformation.commandCalls(CreateStackCommand), ...cloudformation.commandCalls(UpdateStackCommand)]).toHaveLength(0);
  });

  it('refuses a template too large for S3 (TemplateURL takes 1 MB), uploading nothing', async () => {
    await expect(run({}, `${templateBody}\n#${'x'.repeat(1_000_000)}`)).rejects.toBeInstanceOf(TemplateTooLargeError);
    expect(cloudformation.calls()).toHaveLength(0);
    expect(s3.calls()).toHaveLength(0);
  });

  it.each([
    ['has no Timestamp parameter', { Parameters: [{ ParameterKey: 'Env', ParameterValue: 'prod' }] }, 'it has no parameter Timestamp'],
    ['has a Timestamp parameter but not the outputs', { Outputs: [{ OutputKey: 'TopicArn', OutputValue: 'arn' }] }, 'it has no output ApiKeyId, no output ApiKeySecretArn'],
  ])('refuses to replace the template of a stack that %s, and changes nothing', async (_case, overrides, reason) => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Outputs: OUTPUTS, ...overrides })] });

    const deployed = run();

    await expect(deployed).rejects.toBeInstanceOf(NotThisTemplateError);
    await expect(deployed).rejects.toThrow(`Stack "edge-api" was not made from this template (${reason}`);
    expect(cloudformation.commandCalls(UpdateStackCommand)).toHaveLength(0);
  });

  it.each([
    ['from its own distribution to an existing one', '', 'E2QWRUHAPOMQZL', 'from its own distribution to the existing distribution E2QWRUHAPOMQZL: CloudFormation would delete its own distribution'],
    ['from an existing distribution to another', 'E2QWRUHAPOMQZL', 'E3OTHER000000', 'from the existing distribution E2QWRUHAPOMQZL to the existing distribution E3OTHER000000: the stack would leave its x-api-key header on E2QWRUHAPOMQZL'],
    ['from an existing distribution to one of its own', 'E2QWRUHAPOMQZL', '', 'to its own distribution: the stack would leave its x-api-key header on E2QWRUHAPOMQZL'],
  ])('refuses, with exit code 2 and changing nothing, to move a stack %s', async (_case, current, DistributionId, message) => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Outputs: OUTPUTS, Parameters: [...PARAMETERS, { ParameterKey: 'DistributionId', ParameterValue: current }] })] });

    const error = await run({ parameters: { DistributionId } }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DistributionChangeError);
    expect(describeFailure(error)).toMatchObject({ message: expect.stringContaining(message), exitCode: 2 });
    expect([...cloudformation.commandCalls(UpdateStackCommand), ...s3.commandCalls(PutObjectCommand)]).toHaveLength(0);
  });

  it('updates a stack given the distribution it already has', async () => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ Outputs: OUTPUTS, Parameters: [...PARAMETERS, { ParameterKey: 'DistributionId', ParameterValue: 'E2QWRUHAPOMQZL' }] })] });

    await run({ parameters: { DistributionId: 'E2QWRUHAPOMQZL' } });

    expect(cloudformation.commandCalls(UpdateStackCommand)).toHaveLength(1);
  });

  const withRelease = (release: string) => ({ Stacks: [stack({ Outputs: [...OUTPUTS, { OutputKey: 'TemplateVersion', OutputValue: release }] })] });

  it('refuses, before anything changes and with exit code 2, a stack that runs a newer release: deploying would put an older template back', async () => {
    cloudformation.on(DescribeStacksCommand).resolves(withRelease('9.0.0'));

    const error = await run().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TemplateDowngradeError);
    expect(describeFailure(error)).toEqual({ message: `Stack "edge-api" runs template 9.0.0, newer than this CLI's ${VERSION}: deploying would put the older template back. Upgrade the CLI first.`, exitCode: 2 });
    expect([...cloudformation.commandCalls(UpdateStackCommand), ...s3.commandCalls(PutObjectCommand)]).toHaveLength(0);
  });

  it.each([['the release it carries', VERSION], ['an older release', '0.1.0']])('updates a stack that runs %s', async (_case, release) => {
    cloudformation.on(DescribeStacksCommand).resolves(withRelease(release));

    await run();

    expect(cloudformation.commandCalls(UpdateStackCommand)).toHaveLength(1);
  });

  it.each([
    ['the demo API', '', 'at the demo API instead of a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod'],
    ['another API', 'f6g7h8i9j0.execute-api.eu-west-1.amazonaws.com/prod', 'at f6g7h8i9j0.execute-api.eu-west-1.amazonaws.com/prod instead of'],
  ])('asks for --change-origin before pointing CloudFront at %s', async (_case, ApiURL, message) => {
    const refused = run({ parameters: { ApiURL } });

    await expect(refused).rejects.toBeInstanceOf(OriginChangeNotConfirmedError);
    await expect(refused).rejects.toThrow(message);
    expect(cloudformation.commandCalls(UpdateStackCommand)).toHaveLength(0);

    await run({ parameters: { ApiURL }, changeOrigin: true });
    expect(cloudformation.commandCalls(UpdateStackCommand)[0].args[0].input.Parameters).toContainEqual({ ParameterKey: 'ApiURL', ParameterValue: ApiURL });
  });

  it('needs no confirmation to give the current origin again', async () => {
    await run({ parameters: { ApiURL: CURRENT_API } });

    expect(cloudformation.commandCalls(UpdateStackCommand)).toHaveLength(1);
  });

  it.each([
    ['a stage that does not exist', () => apigateway.on(GetStageCommand).rejects(Object.assign(new Error('Invalid stage identifier specified'), { name: 'NotFoundException' })), 'names stage "prod" of REST API a1b2c3d4e5, which does not exist in eu-west-1'],
  ])('refuses an --api-url that names %s before CloudFormation would', async (_case, arrange, message) => {
    arrange();
    cloudformation.on(DescribeStacksCommand).rejects(NOT_FOUND);

    await expect(run({ parameters: { ApiURL: CURRENT_API } })).rejects.toThrow(message);
    expect(cloudformation.commandCalls(CreateStackCommand)).toHaveLength(0);
  });

  it.each([
    ['a new stack', () => cloudformation.on(DescribeStacksCommand).rejects(NOT_FOUND), 'would be'],
    // Before the origin change is even considered: confirming it would not help.
    ['an existing stack, before asking to confirm the origin change', () => undefined, 'is'],
  ])('refuses an --api-url in another Region than %s, with a separate stack in its Region as the remedy', async (_case, arrange, verb) => {
    arrange();

    const deployed = run({ parameters: { ApiURL: 'a1b2c3d4e5.execute-api.us-west-2.amazonaws.com/prod' } });

    await expect(deployed).rejects.toBeInstanceOf(UsageError);
    await expect(deployed).rejects.toThrow(
      `--api-url is in us-west-2, the stack ${verb} in eu-west-1: a stack's origin must be in the stack's own Region, as its usage plan and key are. Nothing changed; deploy a separate stack in us-west-2 with --region us-west-2.`,
    );
    expect([...cloudformation.commandCalls(CreateStackCommand), ...cloudformation.commandCalls(UpdateStackCommand)]).toHaveLength(0);
  });

  it('goes on when the stage cannot be read (access denied proves nothing)', async () => {
    apigateway.on(GetStageCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    cloudformation.on(DescribeStacksCommand).rejects(NOT_FOUND).resolves({ Stacks: [stack({ Outputs: OUTPUTS })] });
    cloudformation.on(DescribeStacksCommand).rejectsOnce(NOT_FOUND).resolves({ Stacks: [stack({ Outputs: OUTPUTS, StackStatus: 'CREATE_COMPLETE' })] });
    cloudformation.on(CreateStackCommand).resolves({});

    await run({ parameters: { ApiURL: CURRENT_API } });

    expect(cloudformation.commandCalls(CreateStackCommand)).toHaveLength(1);
  });

  it.each([
    ['REVIEW_IN_PROGRESS', StackNotCreatedError, 'execute or delete that change set first'],
    ['ROLLBACK_COMPLETE', StackCreationFailedError, 'delete it (the delete command: delete --stack-name edge-api), then deploy again'],
  ] as const)('refuses a stack in %s with the remedy that applies to deploy', async (StackStatus, errorClass, remedy) => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ StackStatus })] });

    const refused = run();

    await expect(refused).rejects.toBeInstanceOf(errorClass);
    await expect(refused).rejects.toThrow(remedy);
    expect(cloudformation.commandCalls(UpdateStackCommand)).toHaveLength(0);
  });

  it('refuses a busy stack without updating it', async () => {
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack({ StackStatus: 'UPDATE_IN_PROGRESS', Outputs: OUTPUTS })] });

    await expect(run()).rejects.toBeInstanceOf(StackBusyError);
    expect(cloudformation.commandCalls(UpdateStackCommand)).toHaveLength(0);
  });
});

describe('deploy passes the template through S3', () => {
  it('uploads the compact template to its own bucket before creating the stack, and gives CloudFormation its URL, never the body', async () => {
    cloudformation.on(DescribeStacksCommand).rejectsOnce(NOT_FOUND).resolves({ Stacks: [stack({ StackStatus: 'CREATE_COMPLETE', Outputs: OUTPUTS })] });
    cloudformation.on(CreateStackCommand).callsFake(async () => {
      expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
      return { StackId: stack().StackId };
    });

    await run();

    expect(s3.commandCalls(HeadBucketCommand)[0].args[0].input).toEqual({ Bucket: BUCKET, ExpectedBucketOwner: '123456789012' });
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input).toEqual({ Bucket: BUCKET, Key: TEMPLATE_KEY, Body: templateBody, ExpectedBucketOwner: '123456789012' });
    const input = cloudformation.commandCalls(CreateStackCommand)[0].args[0].input;
    expect(input.TemplateURL).toBe(TEMPLATE_URL);
    expect(input).not.toHaveProperty('TemplateBody');
  });

  it('updates from the URL too, and uses --template-bucket as it is', async () => {
    await run({ templateBucket: 'ops-templates' });

    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input).toMatchObject({ Bucket: 'ops-templates', Key: TEMPLATE_KEY });
    const input = cloudformation.commandCalls(UpdateStackCommand)[0].args[0].input;
    expect(input.TemplateURL).toBe(`https://ops-templates.s3.eu-west-1.amazonaws.com/${TEMPLATE_KEY}`);
    expect(input).not.toHaveProperty('TemplateBody');
  });

  it('changes nothing in CloudFormation when S3 refuses the upload', async () => {
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));

    const deployed = run();

    await expect(deployed).rejects.toBeInstanceOf(TemplateBucketAccessDeniedError);
    await expect(deployed).rejects.toThrow(`S3 denied s3:PutObject on bucket "${BUCKET}"`);
    expect([...cloudformation.commandCalls(CreateStackCommand), ...cloudformation.commandCalls(UpdateStackCommand)]).toHaveLength(0);
  });
});

describe('deploy --service-role', () => {
  const ROLE = 'arn:aws:iam::123456789012:role/cloudfront-api-key-rotation/edge-api-cfn';
  // A companion as template/service-role.yaml makes it: named after the stack it serves, which its StackName parameter names.
  const companion = (overrides: Partial<Stack> = {}) => stack({
    StackName: 'edge-api-service-role',
    StackStatus: 'CREATE_COMPLETE',
    Parameters: [{ ParameterKey: 'StackName', ParameterValue: 'edge-api' }],
    Outputs: [{ OutputKey: 'ServiceRoleArn', OutputValue: ROLE }, { OutputKey: 'FunctionBoundaryArn', OutputValue: 'arn:aws:iam::123456789012:policy/edge-api-boundary' }],
    ...overrides,
  });
  const companionOutputs = { Stacks: [companion()] };
  const SCOPED_OUTPUTS = [
    ...OUTPUTS.filter((o) => o.OutputKey !== 'DistributionId' && o.OutputKey !== 'UsagePlanId'),
    { OutputKey: 'DistributionId', OutputValue: 'E2EDGEAPI0001' },
    { OutputKey: 'UsagePlanId', OutputValue: 'plan01' },
  ];
  // A stack made before role paths: its three roles are at path / and the next update replaces them.
  const unpathedTemplate = JSON.stringify({
    Resources: Object.fromEntries(['KeyGateRole', 'RotationRole', 'VerifierRole'].map((id) => [id, { Type: 'AWS::IAM::Role', Properties: {} }])),
  });
  const OLD_ROLES = ['edge-api-KeyGateRole-A1', 'edge-api-RotationRole-B2', 'edge-api-VerifierRole-C3'];
  const companionCalls = () =>
    [...cloudformation.commandCalls(CreateStackCommand), ...cloudformation.commandCalls(UpdateStackCommand)]
      .map((call) => call.args[0].input)
      .filter((input) => input.StackName === 'edge-api-service-role');
  const parametersOf = (input: { Parameters?: { ParameterKey?: string; ParameterValue?: string }[] }) =>
    Object.fromEntries((input.Parameters ?? []).map((p) => [p.ParameterKey, p.ParameterValue]));

  beforeEach(() => {
    cloudformation.on(DescribeStacksCommand, { StackName: 'edge-api-service-role' }).rejectsOnce(NOT_FOUND).resolves(companionOutputs);
    cloudformation.on(CreateStackCommand).resolves({});
    cloudformation.on(UpdateStackCommand, { StackName: 'edge-api-service-role' }).resolves({});
    cloudformation.on(GetTemplateCommand).resolves({ TemplateBody: templateBody });
  });

  it('creates the companion stack for this stack first, then updates the stack with its role as service role and parameter', async () => {
    await run({ serviceRole: true, parameters: { WebACLArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/a/473e64fd-f30b-4765-81a0-62ad96dd167a' } });

    expect(cloudformation.commandCalls(CreateStackCommand)[0].args[0].input).toMatchObject({
      StackName: 'edge-api-service-role',
      TemplateBody: serviceRoleTemplateBody,
      Parameters: [
        { ParameterKey: 'StackName', ParameterValue: 'edge-api' },
        { ParameterKey: 'WebACLArn', ParameterValue: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/a/473e64fd-f30b-4765-81a0-62ad96dd167a' },
        { ParameterKey: 'HostedZoneId', ParameterValue: '' },
        { ParameterKey: 'AccessLogBucket', ParameterValue: '' },
        { ParameterKey: 'DomainNames', ParameterValue: '' },
        { ParameterKey: 'AdoptedDistributionId', ParameterValue: '' },
        { ParameterKey: 'DistributionId', ParameterValue: 'x' },
        { ParameterKey: 'UsagePlanId', ParameterValue: 'x' },
        { ParameterKey: 'RetiringRoleNames', ParameterValue: '' },
      ],
      Capabilities: ['CAPABILITY_NAMED_IAM'],
    });
    const update = cloudformation.commandCalls(UpdateStackCommand)[0].args[0].input;
    expect(update.RoleARN).toBe(ROLE);
    expect(update.Parameters).toContainEqual({ ParameterKey: 'ServiceRoleArn', ParameterValue: ROLE });
  });

  it('keeps the companion in step on every later deploy of a stack that has a service role', async () => {
    cloudformation.on(DescribeStacksCommand, { StackName: 'edge-api' }).resolves({
      Stacks: [stack({ Outputs: OUTPUTS, RoleARN: ROLE, Parameters: [...PARAMETERS, { ParameterKey: 'ServiceRoleArn', ParameterValue: ROLE }] })],
    });
    cloudformation.on(DescribeStacksCommand, { StackName: 'edge-api-service-role' }).resolves(companionOutputs);
    cloudformation.on(UpdateStackCommand, { StackName: 'edge-api-service-role' }).rejects(NO_UPDATES);

    await run();

    expect(cloudformation.commandCalls(UpdateStackCommand).map((call) => call.args[0].input.StackName)).toEqual(['edge-api-service-role', 'edge-api']);
    expect(output.lines).toContain('No changes to edge-api-service-role.');
  });

  it('after creating the stack, scopes the companion to the new distribution and usage plan', async () => {
    cloudformation.on(DescribeStacksCommand, { StackName: 'edge-api' }).rejectsOnce(NOT_FOUND).resolves({ Stacks: [stack({ StackStatus: 'CREATE_COMPLETE', Outputs: SCOPED_OUTPUTS })] });

    await run({ serviceRole: true });

    expect(companionCalls().map(parametersOf)).toEqual([
      expect.objectContaining({ DistributionId: '', UsagePlanId: '', RetiringRoleNames: '' }),
      expect.objectContaining({ DistributionId: 'E2EDGEAPI0001', UsagePlanId: 'plan01', RetiringRoleNames: '' }),
    ]);
  });

  it("on an existing distribution, lets the functions' boundary reach it, and never scopes the role itself to it", async () => {
    const adopting = { ApiURL: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod', DistributionId: 'E2TEAM00000001' };
    const created = stack({ StackStatus: 'CREATE_COMPLETE', Outputs: SCOPED_OUTPUTS.map((o) => (o.OutputKey === 'DistributionId' ? { ...o, OutputValue: 'E2TEAM00000001' } : o)), Parameters: Object.entries(adopting).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })) });
    cloudformation.on(DescribeStacksCommand, { StackName: 'edge-api' }).rejectsOnce(NOT_FOUND).resolves({ Stacks: [created] });

    await run({ serviceRole: true, parameters: adopting });

    expect(companionCalls().map(parametersOf)).toEqual([
      expect.objectContaining({ AdoptedDistributionId: 'E2TEAM00000001', DistributionId: '', UsagePlanId: '' }),
      expect.objectContaining({ AdoptedDistributionId: 'E2TEAM00000001', DistributionId: '', UsagePlanId: 'plan01' }),
    ]);
  });

  it('lets the upgrade of a stack from before role paths replace exactly its old roles, then takes them away', async () => {
    cloudformation.on(DescribeStacksCommand, { StackName: 'edge-api' }).resolves({
      Stacks: [stack({ Outputs: SCOPED_OUTPUTS, RoleARN: ROLE, Parameters: [...PARAMETERS, { ParameterKey: 'ServiceRoleArn', ParameterValue: ROLE }] })],
    });
    cloudformation.on(DescribeStacksCommand, { StackName: 'edge-api-service-role' }).resolves(companionOutputs);
    cloudformation.on(GetTemplateCommand).resolvesOnce({ TemplateBody: unpathedTemplate }).resolves({ TemplateBody: templateBody });
    cloudformation.on(DescribeStackResourcesCommand).resolves({
      StackResources: OLD_ROLES.map((PhysicalResourceId) => ({
        LogicalResourceId: PhysicalResourceId.split('-')[2], PhysicalResourceId, ResourceType: 'AWS::IAM::Role', ResourceStatus: 'UPDATE_COMPLETE', Timestamp: START,
      })),
    });

    await run();

    expect(cloudformation.commandCalls(UpdateStackCommand).map((call) => call.args[0].input.StackName)).toEqual(['edge-api-service-role', 'edge-api', 'edge-api-service-role']);
    expect(companionCalls().map((input) => parametersOf(input).RetiringRoleNames)).toEqual([OLD_ROLES.join(','), '']);
  });

  it.each([
    ['whose first create failed (ROLLBACK_COMPLETE), naming the delete that removes it', companion({ StackStatus: 'ROLLBACK_COMPLETE', Outputs: [] }), StackCreationFailedError,
      'Stack "edge-api-service-role" failed to create (ROLLBACK_COMPLETE), and such a stack can only be deleted. Nothing changed; delete it (the delete command: delete --stack-name edge-api-service-role), then deploy again.'],
    ['in a failed state UpdateStack refuses', companion({ StackStatus: 'UPDATE_ROLLBACK_FAILED' }), StackNotUpdatableError, 'Stack "edge-api-service-role" is in the failed state UPDATE_ROLLBACK_FAILED.'],
    ['busy with another operation', companion({ StackStatus: 'UPDATE_IN_PROGRESS' }), StackBusyError, 'Stack "edge-api-service-role" is busy (UPDATE_IN_PROGRESS).'],
    ['of another template that bears its name', stack({ StackName: 'edge-api-service-role' }), NotServiceRoleStackError, 'was not made from template/service-role.yaml for that stack'],
  ])('refuses a companion %s before anything changes', async (_case, found, errorClass, message) => {
    cloudformation.on(DescribeStacksCommand, { StackName: 'edge-api-service-role' }).resolves({ Stacks: [found] });

    const deployed = run({ serviceRole: true });

    await expect(deployed).rejects.toBeInstanceOf(errorClass);
    await expect(deployed).rejects.toThrow(message);
    expect([...cloudformation.commandCalls(CreateStackCommand), ...cloudformation.commandCalls(UpdateStackCommand)]).toHaveLength(0);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('stops, creating no stack, when the companion gives no ServiceRoleArn output', async () => {
    cloudformation.on(DescribeStacksCommand, { StackName: 'edge-api' }).rejects(NOT_FOUND);
    cloudformation.on(DescribeStacksCommand, { StackName: 'edge-api-service-role' }).rejectsOnce(NOT_FOUND).resolves({ Stacks: [companion({ Outputs: [] })] });

    await expect(run({ serviceRole: true })).rejects.toBeInstanceOf(ServiceRoleOutputMissingError);

    expect(cloudformation.commandCalls(CreateStackCommand).map((call) => call.args[0].input.StackName)).toEqual(['edge-api-service-role']);
  });

  it('says that IAM names are global when the companion cannot create a role or policy whose name another Region\'s stack holds', async () => {
    cloudformation.on(DescribeStacksCommand, { StackName: 'edge-api' }).rejects(NOT_FOUND);
    cloudformation.on(DescribeStacksCommand, { StackName: 'edge-api-service-role' }).rejectsOnce(NOT_FOUND).resolves({ Stacks: [companion({ StackStatus: 'ROLLBACK_COMPLETE', Outputs: [] })] });
    cloudformation.on(DescribeStackEventsCommand, { StackName: 'edge-api-service-role' }).resolves(newestFirst([
      stackEvent('FunctionBoundary', 'CREATE_FAILED', 1, { type: 'AWS::IAM::ManagedPolicy', reason: 'A policy called edge-api-boundary already exists. Duplicate names are not allowed.', token: 'deploy-2026-11-22T10-00-00Z-role' }),
    ]));

    const deployed = run({ serviceRole: true });

    await expect(deployed).rejects.toBeInstanceOf(ServiceRoleNamesTakenError);
    await expect(deployed).rejects.toThrow(
      'The service role stack "edge-api-service-role" failed to create: FunctionBoundary CREATE_FAILED: A policy called edge-api-boundary already exists. Duplicate names are not allowed. IAM names are global across the Regions of an account',
    );
    await expect(deployed).rejects.toThrow('Delete the failed companion (delete --stack-name edge-api-service-role), then deploy this stack under another --stack-name.');
    expect(cloudformation.commandCalls(CreateStackCommand).map((call) => call.args[0].input.StackName)).toEqual(['edge-api-service-role']);
  });

  it('does not scope the companion again when the stack update fails', async () => {
    const serviceRoleStack = { Outputs: SCOPED_OUTPUTS, RoleARN: ROLE, Parameters: [...PARAMETERS, { ParameterKey: 'ServiceRoleArn', ParameterValue: ROLE }] };
    cloudformation.on(DescribeStacksCommand, { StackName: 'edge-api' })
      .resolvesOnce({ Stacks: [stack(serviceRoleStack)] })
      .resolves({ Stacks: [stack({ ...serviceRoleStack, StackStatus: 'UPDATE_ROLLBACK_COMPLETE' })] });
    cloudformation.on(DescribeStacksCommand, { StackName: 'edge-api-service-role' }).resolves(companionOutputs);
    cloudformation.on(GetTemplateCommand).resolves({ TemplateBody: unpathedTemplate });
    cloudformation.on(DescribeStackResourcesCommand).resolves({ StackResources: [] });
    cloudformation.on(DescribeStackEventsCommand).resolves(
      newestFirst([
        stackEvent('edge-api', 'UPDATE_IN_PROGRESS', 1, { token: 'deploy-2026-11-22T10-00-00Z' }),
        stackEvent('edge-api', 'UPDATE_ROLLBACK_COMPLETE', 2, { token: 'deploy-2026-11-22T10-00-00Z' }),
      ]),
    );

    await expect(run()).rejects.toBeInstanceOf(OperationFailedError);

    expect(companionCalls()).toHaveLength(1);
  });
});

describe('deploy tests the unattended path', () => {
  const lambda = mockClient(LambdaClient);
  const ROTATED = { stack: 'edge-api', previousTimestamp: '2026-11-22T10-00-00Z', timestamp: '2026-11-22T10-00-00Z', result: 'unchanged' };

  beforeEach(() => {
    lambda.reset();
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(ROTATED)) as InvokeCommandOutput['Payload'] });
    cloudformation.on(DescribeStackResourceCommand).resolves({ StackResourceDetail: { PhysicalResourceId: 'edge-api-RotationFunction-AbC' } as never });
  });

  const touching = (type: string) => newestFirst([
    stackEvent('RotationRole', 'UPDATE_COMPLETE', 1, { token: 'deploy-2026-11-22T10-00-00Z', type }),
    stackEvent('edge-api', 'UPDATE_COMPLETE', 2, { token: 'deploy-2026-11-22T10-00-00Z' }),
  ]);

  it.each([
    ['an IAM role', 'AWS::IAM::Role', true],
    ['a Lambda function', 'AWS::Lambda::Function', true],
    ['only the distribution', 'AWS::CloudFront::Distribution', false],
  ])('after an update that changed %s: %s', async (_, type, invoked) => {
    cloudformation.on(DescribeStackEventsCommand).resolves(touching(type));

    await run({ testRotation: true });

    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(invoked ? 1 : 0);
  });

  it('then prints the outputs, as they are after the test rotation replaced the key', async () => {
    cloudformation.on(DescribeStackEventsCommand).resolves(touching('AWS::IAM::Role'));

    await run({ testRotation: true });

    const tested = output.lines.findIndex((line) => line.startsWith('Testing the unattended path'));
    const outputs = output.lines.findIndex((line) => line.includes('Outputs'));
    expect(tested).toBeGreaterThanOrEqual(0);
    expect(outputs).toBeGreaterThan(tested);
  });

  it('after a create', async () => {
    cloudformation.on(DescribeStacksCommand).rejectsOnce(NOT_FOUND).resolves({ Stacks: [stack({ StackStatus: 'CREATE_COMPLETE', Outputs: OUTPUTS })] });
    cloudformation.on(CreateStackCommand).resolves({});

    await run({ testRotation: true });

    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1);
  });

  it('never after "No updates are to be performed.", nor when told not to', async () => {
    cloudformation.on(DescribeStackEventsCommand).resolves(touching('AWS::IAM::Role'));
    await run({ testRotation: false });
    cloudformation.on(UpdateStackCommand).rejects(NO_UPDATES);
    await run({ testRotation: true });

    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });
});
