// The key gate end to end, on the emulator: CloudFormation invokes the gate's built inline code
// in a Node process, the gate asks the "API stage" stand-in with the new key, and a FAILED answer
// rolls the update back. Clients keep calling through the "CloudFront" stand-in meanwhile.
import { GetApiKeysCommand } from '@aws-sdk/client-api-gateway';
import {
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  waitUntilStackCreateComplete,
  waitUntilStackRollbackComplete,
  waitUntilStackUpdateComplete,
} from '@aws-sdk/client-cloudformation';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { main as cli } from '../../scripts/cli/main';
import { OperationFailedError } from '../../scripts/cli/errors';
import { rotate as rotateNow } from '../../scripts/cli/rotate';
import { collectStatus } from '../../scripts/cli/status';
import { ClientsRefusedError } from '../../scripts/cli/through-cloudfront';
import { carriedTemplate } from '../../scripts/template';
import { emulatorClientConfig } from '../../scripts/emulator/launch';
import { type LocalAws, emulatorSleep, emulatorWaiter, get, localClients, stackOutput, steadyTraffic } from '../../scripts/emulator/local-stack';
import { localAws } from '../support/emulator-broker';
import { recordingOutput } from '../cli/cli.fixtures';
import { deployStack, keyState, operationEvents, scheduledRotation, stackStatusEvent, verifierWithNotices } from './e2e.fixtures';
import { templateWithTripwire } from './tripwire.fixtures';

jest.setTimeout(90_000);

let aws: LocalAws;
let secrets: SecretsManagerClient;

beforeAll(async () => {
  aws = await localAws();
  secrets = new SecretsManagerClient(emulatorClientConfig(aws.emulator.endpoint));
});

afterEach(() => aws.apiStage.refuse(undefined));

afterAll(async () => aws?.stop());

const rotate = (stackName: string, time: string, until?: typeof waitUntilStackUpdateComplete) => scheduledRotation(aws, stackName, time, until);
const stackStatus = async (stackName: string) =>
  (await aws.cloudformation.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks![0].StackStatus;
const keysNamed = async (name: string) => (await aws.apigateway.send(new GetApiKeysCommand({ nameQuery: name }))).items ?? [];
const failureReason = async (stackName: string, logicalId: string) => {
  const { StackEvents = [] } = await aws.cloudformation.send(new DescribeStackEventsCommand({ StackName: stackName }));
  return StackEvents.find((e) => e.LogicalResourceId === logicalId && e.ResourceStatus?.endsWith('_FAILED'))?.ResourceStatusReason ?? '';
};
const GATE_STOPPED = new RegExp(
  '^Received response status \\[FAILED\\] from custom resource\\. Message returned: The key gate stopped the rotation: the API did not accept ' +
    'the new key \\w{10}\\. GET https://\\w{10}\\.execute-api\\.us-east-1\\.amazonaws\\.com/prod/pets answered 403 ' +
    '\\(the last of \\d+ attempts over \\d+ s\\)\\. CloudFront was not switched to it\\. \\(RequestId: [\\w-]+\\)$',
);

// The review's outage: with the gate off, a key the API refuses reaches CloudFront, and every
// other check (the stack, the key, the usage plan, the header) still agrees.
describe('with the key gate off, a rotation to a key the API refuses', () => {
  it('fails rotate and makes status unhealthy, from what clients get through CloudFront', async () => {
    await deployStack(aws, 'ungated', { KeyGateTimeoutSeconds: '0', RollbackMonitoringMinutes: '0' });
    await aws.apiStage.refuse({ newKeys: {} });
    const deps = { ...aws, now: () => new Date(), sleep: emulatorSleep, output: recordingOutput() };

    await expect(rotateNow('ungated', true, deps)).rejects.toBeInstanceOf(ClientsRefusedError);

    const report = await collectStatus('ungated', { ...aws, ...carriedTemplate(), now: () => new Date() });
    expect(report.healthy).toBe(false);
    expect(report.clients).toMatchObject({ status: 403 });
    expect(report.problems).toContainEqual(expect.stringMatching(/^GET https:\/\/\S+\/pets through CloudFront answered 403: clients are refused\.$/));
  });
});

describe('a rotation through the key gate', () => {
  it('passes once the API accepts the new key, between the usage-plan key and the distribution', async () => {
    await deployStack(aws, 'gated');

    await rotate('gated', '2026-11-23T10:00:00Z');

    const events = await operationEvents(aws, 'gated', 'rotate-2026-11-23T10-00-00Z');
    expect(events.indexOf('UsagePlanKey UPDATE_COMPLETE')).toBeLessThan(events.indexOf('KeyGate UPDATE_IN_PROGRESS'));
    expect(events.indexOf('KeyGate UPDATE_COMPLETE')).toBeLessThan(events.indexOf('Distribution UPDATE_IN_PROGRESS'));
    expect(await stackStatus('gated')).toBe('UPDATE_COMPLETE');
  });

  it('stops a key the API refuses: the update rolls back, CloudFront keeps the old key, and no request through it is refused', async () => {
    await deployStack(aws, 'refused', { KeyGateTimeoutSeconds: '3' });
    const before = await keyState(aws, 'refused');
    const { verify, notices } = await verifierWithNotices(aws, 'refused');
    await aws.apiStage.refuse({ newKeys: {} });
    const traffic = await steadyTraffic(aws, 'refused');

    await rotate('refused', '2026-11-23T11:00:00Z', waitUntilStackRollbackComplete);

    const { sent, refused, refusals } = await traffic.stop();
    expect(await stackStatus('refused')).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(await keyState(aws, 'refused')).toEqual(before);
    expect(await keysNamed('CloudFront-2026-11-23T11-00-00Z')).toEqual([]);
    await expect(secrets.send(new DescribeSecretCommand({ SecretId: 'refused/cloudfront-api-key/2026-11-23T11-00-00Z' })))
      .rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(sent).toBeGreaterThan(20);
    expect({ refused, refusals }).toEqual({ refused: 0, refusals: {} });
    expect(await failureReason('refused', 'KeyGate')).toMatch(GATE_STOPPED);
    expect(await operationEvents(aws, 'refused', 'rotate-2026-11-23T11-00-00Z')).not.toContain('Distribution UPDATE_IN_PROGRESS');

    await verify(await stackStatusEvent(aws, 'refused', 'UPDATE_ROLLBACK_COMPLETE', 'rotate-2026-11-23T11-00-00Z'));
    const [notice] = await notices();
    expect(notice.Subject).toBe('ACTION NEEDED: API key rotation of refused');
    expect(notice.Message).toContain(`Active key: ${before.keyName} (${before.keyId}`);
    expect(notice.Message).toMatch(/^Cause: KeyGate UPDATE_FAILED: Received response status \[FAILED\] from custom resource\. Message returned: The key gate stopped the rotation: the API did not accept the new key/m);
  });

  it('waits out an activation delay shorter than its bound, and no request through CloudFront is refused', async () => {
    await deployStack(aws, 'delayed', { KeyGateTimeoutSeconds: '30' });
    await aws.apiStage.refuse({ newKeys: { seconds: 2 } });
    const traffic = await steadyTraffic(aws, 'delayed');

    await rotate('delayed', '2026-11-23T10:00:00Z');

    const { sent, refused, refusals } = await traffic.stop();
    const after = await keyState(aws, 'delayed');
    expect(await stackStatus('delayed')).toBe('UPDATE_COMPLETE');
    expect(after.keyName).toBe('CloudFront-2026-11-23T10-00-00Z');
    expect(after.header).toBe(after.keyValue);
    expect(sent).toBeGreaterThan(20);
    expect({ refused, refusals }).toEqual({ refused: 0, refusals: {} });
  });
});

describe('the key gate never holds up', () => {
  it('a rollback for another reason, even when the API refuses the previous key by then', async () => {
    const { Capabilities, TemplateBody } = templateWithTripwire();
    await aws.cloudformation.send(new CreateStackCommand({
      StackName: 'tripped',
      TemplateBody,
      Capabilities,
      Parameters: [{ ParameterKey: 'Timestamp', ParameterValue: '2026-11-22' }, { ParameterKey: 'KeyGateTimeoutSeconds', ParameterValue: '3' }],
    }));
    await waitUntilStackCreateComplete(emulatorWaiter(aws.cloudformation), { StackName: 'tripped' });
    const before = await keyState(aws, 'tripped');
    await aws.apiStage.refuse({ keyId: before.keyId });

    await rotate('tripped', '2026-11-23T10:00:00Z', waitUntilStackRollbackComplete);

    expect(await stackStatus('tripped')).toBe('UPDATE_ROLLBACK_COMPLETE');
    const events = await operationEvents(aws, 'tripped', 'rotate-2026-11-23T10-00-00Z');
    const rollback = events.slice(events.indexOf('tripped UPDATE_ROLLBACK_IN_PROGRESS'));
    expect(events).toContain('Tripwire UPDATE_FAILED');
    expect(rollback).toEqual(expect.arrayContaining(['KeyGate UPDATE_IN_PROGRESS', 'KeyGate UPDATE_COMPLETE', 'Distribution UPDATE_COMPLETE']));
    expect(rollback).not.toContain('KeyGate UPDATE_FAILED');
    expect((await keyState(aws, 'tripped')).header).toBe(before.keyValue);
  });

  it('a stack deletion', async () => {
    await deployStack(aws, 'deleted');
    const { keyId } = await keyState(aws, 'deleted');
    const { Stacks } = await aws.cloudformation.send(new DescribeStacksCommand({ StackName: 'deleted' }));
    await aws.apiStage.refuse({ keyId });

    await aws.cloudformation.send(new DeleteStackCommand({ StackName: 'deleted' }));

    expect(await stackStatus(Stacks![0].StackId!)).toBe('DELETE_COMPLETE');
  });
});

describe('creating a stack through the key gate', () => {
  it('fails with the reason when the API refuses the first key, and rolls back', async () => {
    await aws.apiStage.refuse({ newKeys: {} });

    const deployed = deployStack(aws, 'first-key', { KeyGateTimeoutSeconds: '2' }, new Date('2026-11-21T09:00:00Z'));

    await expect(deployed).rejects.toBeInstanceOf(OperationFailedError);
    await expect(deployed).rejects.toThrow(/^Stack "first-key" ended in ROLLBACK_COMPLETE\. KeyGate CREATE_FAILED: Received response status \[FAILED\].* The key gate stopped the rotation/);
    expect(await stackStatus('first-key')).toBe('ROLLBACK_COMPLETE');
    expect(await failureReason('first-key', 'KeyGate')).toMatch(GATE_STOPPED);
    expect(await keysNamed('CloudFront-2026-11-21T09-00-00Z')).toEqual([]);
    await expect(secrets.send(new DescribeSecretCommand({ SecretId: 'first-key/cloudfront-api-key/2026-11-21T09-00-00Z' })))
      .rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('the key gate in every account and Region the emulator serves', () => {
  const OTHER = '111111111111';

  it.each([
    ['123456789012', 'eu-west-1'],
    [OTHER, 'us-west-2'],
  ])('in %s %s: deploy creates the stack with the gate on, and its test rotation passes the gate to a header that is the key', async (account, region) => {
    // moto serves another account to credentials from STS AssumeRole on a role ARN in that account.
    const { Credentials } = await new STSClient(emulatorClientConfig(aws.emulator.endpoint))
      .send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/deployer`, RoleSessionName: 'deploy' }));
    const there = localClients(aws.emulator.endpoint, region, { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken });
    const output = recordingOutput();
    const stackName = `gated-${region}`;

    const code = await cli(['deploy', '--stack-name', stackName, '--region', region], { output, clients: () => there, now: () => new Date(), sleep: emulatorSleep });

    expect({ code, errors: output.errors }).toEqual({ code: 0, errors: [] });
    const { Stacks } = await there.cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    expect(Stacks![0]).toMatchObject({ StackId: expect.stringContaining(`:${region}:${account}:`), StackStatus: 'UPDATE_COMPLETE' });
    expect(Stacks![0].Parameters).toContainEqual({ ParameterKey: 'KeyGateTimeoutSeconds', ParameterValue: '300' });
    expect(output.lines).toContainEqual(expect.stringMatching(/^Checked: the rotation function, invoked as its schedule invokes it, rotated the key/));
    const after = await keyState(there, stackName);
    expect(after.header).toBe(after.keyValue);
    expect((await get(`${(await aws.cloudFrontFor(stackName, there)).url}/pets`)).status).toBe(200);
    const stage = new URL(await stackOutput(there.cloudformation, stackName, 'ApiStageURL'));
    expect((await get(`${aws.apiStage.url}${stage.pathname}/pets`, { host: stage.host, 'x-api-key': 'x'.repeat(40) })).status).toBe(403);
  });
});
