import {
  CloudFormationClient,
  CreateStackInstancesCommand,
  CreateStackSetCommand,
  DescribeStackInstanceCommand,
  DescribeStackSetCommand,
  DescribeStackSetOperationCommand,
  ListStackInstancesCommand,
  ListStackSetOperationResultsCommand,
  UpdateStackInstancesCommand,
  UpdateStackSetCommand,
} from '@aws-sdk/client-cloudformation';
import { CreateBucketCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { StackSetBusyError, StackSetOperationFailedError, StackSetOriginChangeNotConfirmedError, StackSetTemplateDowngradeError, TemplateBucketOwnedElsewhereError, UsageError } from '../../../scripts/cli/errors';
import { describeFailure } from '../../../scripts/cli/failure';
import { parseApiUrls } from '../../../scripts/cli/stack-set/api-urls';
import { type StackSetDeployRequest, deployStackSet } from '../../../scripts/cli/stack-set/deploy-stack-set';
import { POLL_INTERVAL_MS } from '../../../scripts/cli/stack-set/operation';
import { deployTemplates, parseTemplate } from '../../../scripts/template';
import { START, recordingOutput } from '../cli.fixtures';

const cloudformation = mockClient(CloudFormationClient);
const s3 = mockClient(S3Client);
const sts = mockClient(STSClient);
/** The administrator account's own template bucket, in the StackSet's Region. */
const BUCKET = 'cloudfront-api-key-rotation-123456789012-us-east-1';
const A = '111111111111';
const B = '222222222222';
const url = (id: string, region = 'eu-west-1') => `${id.padEnd(10, '0')}.execute-api.${region}.amazonaws.com/prod`;
const STACK_SET = { StackSetName: 'edge-apis', PermissionModel: 'SELF_MANAGED' as const, Parameters: [{ ParameterKey: 'Timestamp', ParameterValue: '2026-11-01T00-00-00Z' }, { ParameterKey: 'ApiURL', ParameterValue: '' }] };

function request(overrides: Partial<StackSetDeployRequest> = {}): StackSetDeployRequest {
  return {
    stackSetName: 'edge-apis', regions: ['eu-west-1'], accounts: [A, B], parameters: {},
    apiUrls: parseApiUrls(JSON.stringify({ [`${A}/eu-west-1`]: url('a'), [`${B}/eu-west-1`]: url('b') }), 'urls'),
    changeOrigin: false, ...overrides,
  };
}

async function run(given = request()) {
  const sleeps: number[] = [];
  const output = recordingOutput();
  const deps = { cloudformation: new CloudFormationClient({ region: 'us-east-1' }), s3: new S3Client({ region: 'us-east-1' }), sts: new STSClient({ region: 'us-east-1' }), templateBody: deployTemplates().templateBody, now: () => START, sleep: async (ms: number) => { sleeps.push(ms); }, output };
  const outcome: { results?: Awaited<ReturnType<typeof deployStackSet>>; error?: Error } = await deployStackSet(given, deps).then((results) => ({ results }), (error: Error) => ({ error }));
  return { ...outcome, sleeps, output };
}

/** An operation that runs for one poll, then ends with these instance results. */
function operation(results: { Account: string; Region: string; Status: string; StatusReason?: string }[]) {
  cloudformation.on(DescribeStackSetOperationCommand).resolvesOnce({ StackSetOperation: { Status: 'RUNNING' } }).resolves({ StackSetOperation: { Status: results.every((r) => r.Status === 'SUCCEEDED') ? 'SUCCEEDED' : 'FAILED' } });
  cloudformation.on(ListStackSetOperationResultsCommand)
    .resolvesOnce({ Summaries: results.map((r) => ({ ...r, Status: 'RUNNING' as const, StatusReason: undefined })) })
    .resolves({ Summaries: results as never });
}

beforeEach(() => {
  cloudformation.reset();
  s3.reset();
  sts.reset();
  s3.onAnyCommand().resolves({});
  sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012' });
  s3.on(HeadBucketCommand).resolves({ BucketRegion: 'us-east-1' });
  cloudformation.on(CreateStackInstancesCommand).resolves({ OperationId: 'op-create' });
  cloudformation.on(UpdateStackSetCommand).resolves({ OperationId: 'op-update' });
  cloudformation.on(UpdateStackInstancesCommand).resolves({ OperationId: 'op-origin' });
});

describe('deployStackSet', () => {
  it('creates the set with Timestamp = now and one instance operation per group of accounts sharing Regions', async () => {
    cloudformation.on(DescribeStackSetCommand).rejects(Object.assign(new Error('StackSet edge-apis not found'), { name: 'StackSetNotFoundException' }));
    operation([{ Account: A, Region: 'eu-west-1', Status: 'SUCCEEDED' }]);

    const { results, sleeps, output } = await run(request({ apiUrls: new Map(), parameters: { ApiURL: '' } }));

    expect(results).toHaveLength(1);
    const created = cloudformation.commandCalls(CreateStackSetCommand)[0].args[0].input;
    expect(created).toMatchObject({ StackSetName: 'edge-apis', PermissionModel: 'SELF_MANAGED', Capabilities: ['CAPABILITY_IAM'] });
    const { Key } = s3.commandCalls(PutObjectCommand)[0].args[0].input;
    expect(created.TemplateURL).toBe(`https://${BUCKET}.s3.us-east-1.amazonaws.com/${Key}`);
    expect(created).not.toHaveProperty('TemplateBody');
    expect(created.Parameters).toContainEqual({ ParameterKey: 'Timestamp', ParameterValue: '2026-11-22T10-00-00Z' });
    const instances = cloudformation.commandCalls(CreateStackInstancesCommand).map((c) => c.args[0].input);
    expect(instances).toMatchObject([{ Accounts: [A, B], Regions: ['eu-west-1'], ParameterOverrides: [{ ParameterKey: 'ApiURL', ParameterValue: '' }], OperationPreferences: { RegionConcurrencyType: 'PARALLEL', MaxConcurrentPercentage: 100, FailureToleranceCount: 0, ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE' } }]);
    expect(sleeps).toEqual([POLL_INTERVAL_MS]);
    expect(output.lines).toContainEqual('create RUNNING: succeeded 0, failed 0, running 1, pending 0, 0 s');
    expect(output.lines).toContainEqual('create SUCCEEDED: succeeded 1, failed 0, running 0, pending 0, 0 s');
  });

  it('deploys at most --concurrency accounts per Region at once when narrowed', async () => {
    cloudformation.on(DescribeStackSetCommand).rejects(Object.assign(new Error('StackSet edge-apis not found'), { name: 'StackSetNotFoundException' }));
    operation([{ Account: A, Region: 'eu-west-1', Status: 'SUCCEEDED' }]);

    await run(request({ apiUrls: new Map(), parameters: { ApiURL: '' }, concurrency: 3 }));

    const [{ OperationPreferences }] = cloudformation.commandCalls(CreateStackInstancesCommand).map((c) => c.args[0].input);
    expect(OperationPreferences).toEqual({ RegionConcurrencyType: 'PARALLEL', MaxConcurrentCount: 3, FailureToleranceCount: 0, ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE' });
  });

  it('updates an existing set, keeping the parameters not given, and creates only the missing instances', async () => {
    cloudformation.on(DescribeStackSetCommand).resolves({ StackSet: STACK_SET });
    cloudformation.on(ListStackInstancesCommand).resolves({ Summaries: [{ Account: A, Region: 'eu-west-1' }] });
    cloudformation.on(DescribeStackInstanceCommand).resolves({ StackInstance: { ParameterOverrides: [{ ParameterKey: 'ApiURL', ParameterValue: url('a') }] } });
    operation([{ Account: A, Region: 'eu-west-1', Status: 'SUCCEEDED' }]);

    await run();

    const updated = cloudformation.commandCalls(UpdateStackSetCommand)[0].args[0].input;
    expect(updated.TemplateURL).toBe(`https://${BUCKET}.s3.us-east-1.amazonaws.com/${s3.commandCalls(PutObjectCommand)[0].args[0].input.Key}`);
    expect(updated).not.toHaveProperty('TemplateBody');
    const parameters = updated.Parameters;
    expect(parameters).toEqual(expect.arrayContaining([{ ParameterKey: 'Timestamp', ParameterValue: '2026-11-22T10-00-00Z' }]));
    expect(parameters).not.toContainEqual(expect.objectContaining({ ParameterKey: 'HealthCheckPath' }));
    expect(cloudformation.commandCalls(CreateStackInstancesCommand).map((c) => c.args[0].input)).toMatchObject([{ Accounts: [B], Regions: ['eu-west-1'], ParameterOverrides: [{ ParameterValue: url('b') }] }]);
    expect(cloudformation.commandCalls(UpdateStackInstancesCommand)).toHaveLength(0);
  });

  it('refuses, with exit code 2 and before anything changes, a set whose template is newer than the one this CLI carries', async () => {
    const carried = String(parseTemplate(deployTemplates().templateBody).Outputs.TemplateVersion.Value);
    cloudformation.on(DescribeStackSetCommand).resolves({ StackSet: { ...STACK_SET, TemplateBody: 'Outputs:\n  TemplateVersion:\n    Value: "9.0.0"\n' } });
    cloudformation.on(ListStackInstancesCommand).resolves({ Summaries: [] });

    const { error } = await run();

    expect(error).toBeInstanceOf(StackSetTemplateDowngradeError);
    expect(describeFailure(error)).toEqual({
      message: `StackSet "edge-apis" runs template 9.0.0, newer than this CLI's ${carried}: deploying would put the older template back on every instance. Upgrade the CLI first.`,
      exitCode: 2,
    });
    expect([...cloudformation.commandCalls(UpdateStackSetCommand), ...cloudformation.commandCalls(CreateStackInstancesCommand), ...s3.commandCalls(PutObjectCommand)]).toHaveLength(0);
  });

  it.each([
    ['the release it carries', () => deployTemplates().templateBody],
    ['a template from before releases were recorded (no TemplateVersion output)', () => 'Resources: {}\n'],
  ])('updates a set whose template is %s', async (_case, body) => {
    cloudformation.on(DescribeStackSetCommand).resolves({ StackSet: { ...STACK_SET, TemplateBody: body() } });
    cloudformation.on(ListStackInstancesCommand).resolves({ Summaries: [{ Account: A, Region: 'eu-west-1' }, { Account: B, Region: 'eu-west-1' }] });
    cloudformation.on(DescribeStackInstanceCommand).resolves({ StackInstance: { ParameterOverrides: [] } });
    operation([{ Account: A, Region: 'eu-west-1', Status: 'SUCCEEDED' }]);

    await run(request({ apiUrls: parseApiUrls('{}', 'urls'), parameters: {} }));

    expect(cloudformation.commandCalls(UpdateStackSetCommand)).toHaveLength(1);
  });

  it('creates and updates nothing when another account holds the name of its template bucket', async () => {
    cloudformation.on(DescribeStackSetCommand).resolves({ StackSet: STACK_SET });
    cloudformation.on(ListStackInstancesCommand).resolves({ Summaries: [{ Account: A, Region: 'eu-west-1' }] });
    cloudformation.on(DescribeStackInstanceCommand).resolves({ StackInstance: { ParameterOverrides: [{ ParameterKey: 'ApiURL', ParameterValue: url('a') }] } });
    s3.on(HeadBucketCommand).rejects(Object.assign(new Error('UnknownError'), { name: 'Unknown', $metadata: { httpStatusCode: 403 } }));
    s3.on(CreateBucketCommand).rejects(Object.assign(new Error('The requested bucket name is not available.'), { name: 'BucketAlreadyExists' }));

    const { error } = await run();

    expect(error).toBeInstanceOf(TemplateBucketOwnedElsewhereError);
    expect(error?.message).toContain('pass --template-bucket');
    expect(cloudformation.commandCalls(UpdateStackSetCommand)).toHaveLength(0);
    expect(cloudformation.commandCalls(CreateStackInstancesCommand)).toHaveLength(0);
    expect(cloudformation.commandCalls(UpdateStackInstancesCommand)).toHaveLength(0);
  });

  it('reports a busy instance\'s reason, stops before the next operation, and fails', async () => {
    cloudformation.on(DescribeStackSetCommand).resolves({ StackSet: STACK_SET });
    cloudformation.on(ListStackInstancesCommand).resolves({ Summaries: [{ Account: A, Region: 'eu-west-1' }] });
    cloudformation.on(DescribeStackInstanceCommand).resolves({ StackInstance: { ParameterOverrides: [{ ParameterKey: 'ApiURL', ParameterValue: url('a') }] } });
    const busy = 'Stack:arn:aws:cloudformation:eu-west-1:111111111111:stack/StackSet-edge-apis-1/2 is in UPDATE_IN_PROGRESS state and can not be updated.';
    operation([{ Account: A, Region: 'eu-west-1', Status: 'FAILED', StatusReason: busy }]);

    const { error, output } = await run();

    expect(error).toBeInstanceOf(StackSetOperationFailedError);
    expect(output.lines).toContainEqual(`${A}  eu-west-1  update  FAILED  ${busy}`);
    expect(output.lines).toContain('0 of 1 instance step(s) succeeded.');
    expect(cloudformation.commandCalls(CreateStackInstancesCommand)).toHaveLength(0);
  });

  it('asks for --change-origin before re-pointing an instance, changing nothing', async () => {
    cloudformation.on(DescribeStackSetCommand).resolves({ StackSet: STACK_SET });
    cloudformation.on(ListStackInstancesCommand).resolves({ Summaries: [{ Account: A, Region: 'eu-west-1' }] });
    cloudformation.on(DescribeStackInstanceCommand).resolves({ StackInstance: { ParameterOverrides: [{ ParameterKey: 'ApiURL', ParameterValue: url('old') }] } });

    const { error } = await run();

    expect(error).toBeInstanceOf(StackSetOriginChangeNotConfirmedError);
    expect(error?.message).toContain(`${A}/eu-west-1 from ${url('old')} to ${url('a')}`);
    expect(cloudformation.commandCalls(UpdateStackSetCommand)).toHaveLength(0);
  });

  it('re-points with --change-origin through UpdateStackInstances', async () => {
    cloudformation.on(DescribeStackSetCommand).resolves({ StackSet: STACK_SET });
    cloudformation.on(ListStackInstancesCommand).resolves({ Summaries: [{ Account: A, Region: 'eu-west-1' }, { Account: B, Region: 'eu-west-1' }] });
    cloudformation.on(DescribeStackInstanceCommand).resolves({ StackInstance: { ParameterOverrides: [{ ParameterKey: 'ApiURL', ParameterValue: url('b') }] } });
    operation([{ Account: A, Region: 'eu-west-1', Status: 'SUCCEEDED' }]);

    await run(request({ changeOrigin: true }));

    expect(cloudformation.commandCalls(UpdateStackInstancesCommand).map((c) => c.args[0].input)).toMatchObject([{ Accounts: [A], Regions: ['eu-west-1'], ParameterOverrides: [{ ParameterKey: 'ApiURL', ParameterValue: url('a') }] }]);
  });

  it('turns a running operation on the set into StackSetBusyError', async () => {
    cloudformation.on(DescribeStackSetCommand).resolves({ StackSet: STACK_SET });
    cloudformation.on(ListStackInstancesCommand).resolves({ Summaries: [] });
    cloudformation.on(UpdateStackSetCommand).rejects(Object.assign(new Error('Another Operation on StackSet is in progress'), { name: 'OperationInProgressException' }));

    const { error } = await run();

    expect(error).toBeInstanceOf(StackSetBusyError);
    expect((error as Error).cause).toMatchObject({ name: 'OperationInProgressException' });
  });

  it.each([
    ['a stage in another Region', request({ apiUrls: parseApiUrls(JSON.stringify({ [A]: url('a', 'us-east-1') }), 'urls') }), STACK_SET, /would get ApiURL .* a stage in us-east-1/],
    ['one stage for two accounts', request({ apiUrls: parseApiUrls(JSON.stringify({ 'eu-west-1': url('a') }), 'urls') }), STACK_SET, /would serve accounts 111111111111 and 222222222222/],
    ['account entries with --ou', request({ accounts: undefined, organizationalUnits: ['ou-ab12-cd345678'] }), STACK_SET, /--api-urls names accounts/],
    ['a set of another template', request(), { ...STACK_SET, Parameters: [] }, /was not made from this template/],
    [
      'an instance --api-urls names no stage for, which would get the demo API unasked',
      request({ regions: ['eu-west-1', 'us-west-2'] }),
      STACK_SET,
      /^--api-urls names no stage for 111111111111\/us-west-2, 222222222222\/us-west-2, which would get the demo API: add an entry for each, or pass --api-url '' /,
    ],
  ])('refuses %s before changing anything', async (_, given, stackSet, message) => {
    cloudformation.on(DescribeStackSetCommand).resolves({ StackSet: stackSet });
    cloudformation.on(ListStackInstancesCommand).resolves({ Summaries: [] });

    const { error } = await run(given);

    expect(error).toBeInstanceOf(UsageError);
    expect(error?.message).toMatch(message);
    expect(cloudformation.commandCalls(UpdateStackSetCommand)).toHaveLength(0);
    expect(cloudformation.commandCalls(CreateStackSetCommand)).toHaveLength(0);
  });

  it("gives the demo API to instances --api-urls names no stage for when asked to with --api-url ''", async () => {
    cloudformation.on(DescribeStackSetCommand).resolves({ StackSet: STACK_SET });
    cloudformation.on(ListStackInstancesCommand).resolves({ Summaries: [] });
    operation([{ Account: A, Region: 'us-west-2', Status: 'SUCCEEDED' }]);

    const { error } = await run(request({ regions: ['eu-west-1', 'us-west-2'], parameters: { ApiURL: '' } }));

    expect(error).toBeUndefined();
  });

  it('refuses to deploy a self-managed set with --ou', async () => {
    cloudformation.on(DescribeStackSetCommand).resolves({ StackSet: STACK_SET });

    const { error } = await run(request({ accounts: undefined, organizationalUnits: ['ou-ab12-cd345678'], apiUrls: new Map() }));

    expect(error?.message).toMatch(/StackSet "edge-apis" is SELF_MANAGED: deploy it with --accounts/);
  });
});
