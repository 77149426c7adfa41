// An existing distribution (DistributionId) end to end, on the emulator: a team's distribution with
// a site, a partner origin with a header of its own and the API, made outside any stack, is
// adopted by deploy, rotated, refused safely at the key gate, rolled back after its header moved,
// and released by deleting the stack. After each step its whole configuration is compared with
// what it was, the API origin's x-api-key header alone allowed to differ.
import { CreateStackCommand, DeleteStackCommand, DescribeStacksCommand, UpdateStackCommand, waitUntilStackCreateComplete, waitUntilStackDeleteComplete, waitUntilStackRollbackComplete, waitUntilStackUpdateComplete } from '@aws-sdk/client-cloudformation';
import { type DistributionConfig, GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
import { type LocalAws, emulatorWaiter, get, steadyTraffic } from '../../scripts/emulator/local-stack';
import { localAws } from '../support/emulator-broker';
import { withApiKeyHeader } from '../distribution.fixtures';
import { createTeamDistribution } from '../../scripts/emulator/team-distribution';
import { deployStack, keyState, scheduledRotation } from './e2e.fixtures';
import { templateWithTripwire } from './tripwire.fixtures';

jest.setTimeout(90_000);

let aws: LocalAws;
let apiUrl: string;
let distributionId: string;
let original: DistributionConfig;

const configNow = async () => (await aws.cloudfront.send(new GetDistributionConfigCommand({ Id: distributionId }))).DistributionConfig!;
const rotate = (stackName: string, time: string, until?: typeof waitUntilStackUpdateComplete) => scheduledRotation(aws, stackName, time, until);

beforeAll(async () => {
  aws = await localAws();
  ({ apiUrl, distributionId } = await createTeamDistribution(aws));
  original = await configNow();
});

afterEach(() => aws.apiStage.refuse(undefined));

afterAll(async () => aws?.stop());

describe('a stack on an existing distribution', () => {
  it('adopts it on create: the API origin gets the key through the gate, and nothing else of the distribution changes', async () => {
    await deployStack(aws, 'team-edge', { ApiURL: apiUrl, DistributionId: distributionId, KeyGateTimeoutSeconds: '3' });

    const state = await keyState(aws, 'team-edge');
    expect(state.header).toBe(state.keyValue);
    expect(await configNow()).toEqual(withApiKeyHeader(original, state.keyValue));
    const edge = await aws.cloudFrontFor('team-edge');
    expect((await get(`${edge.url}/pets`)).status).toBe(200);
    const [host, stage] = apiUrl.split('/');
    expect((await get(`${aws.apiStage.url}/${stage}/pets`, { host })).status).toBe(403);
  });

  it('rotates: the header moves to the new key on the API origin alone, and no request through CloudFront is refused', async () => {
    const before = await keyState(aws, 'team-edge');
    const traffic = await steadyTraffic(aws, 'team-edge');

    await rotate('team-edge', '2026-11-23T10:00:00Z');

    const { refused, sent } = await traffic.stop();
    const after = await keyState(aws, 'team-edge');
    expect(after.keyId).not.toBe(before.keyId);
    expect(after.planKeyIds).toEqual([after.keyId]);
    expect(await configNow()).toEqual(withApiKeyHeader(original, after.keyValue));
    expect({ refused, sent: sent > 0 }).toEqual({ refused: 0, sent: true });
  });

  it('keeps the header when the API refuses the new key: the gate rolls back before it moves, and no request is refused', async () => {
    const before = await keyState(aws, 'team-edge');
    await aws.apiStage.refuse({ newKeys: {} });
    const traffic = await steadyTraffic(aws, 'team-edge');

    await rotate('team-edge', '2026-11-24T10:00:00Z', waitUntilStackRollbackComplete);

    const { refused } = await traffic.stop();
    expect(await keyState(aws, 'team-edge')).toEqual(before);
    expect(await configNow()).toEqual(withApiKeyHeader(original, before.keyValue));
    expect(refused).toBe(0);
  });

  it('rolls a by-hand move to a distribution that does not exist back, leaving its own as it was', async () => {
    const before = await keyState(aws, 'team-edge');
    const { Stacks } = await aws.cloudformation.send(new DescribeStacksCommand({ StackName: 'team-edge' }));
    const Parameters = Stacks![0].Parameters!.map(({ ParameterKey }) => (ParameterKey === 'DistributionId' ? { ParameterKey, ParameterValue: 'E2NOSUCHONE00' } : { ParameterKey, UsePreviousValue: true }));

    await aws.cloudformation.send(new UpdateStackCommand({ StackName: 'team-edge', UsePreviousTemplate: true, Parameters, Capabilities: ['CAPABILITY_IAM'] }));
    await waitUntilStackRollbackComplete(emulatorWaiter(aws.cloudformation), { StackName: 'team-edge' });

    expect(await keyState(aws, 'team-edge')).toEqual(before);
    expect(await configNow()).toEqual(withApiKeyHeader(original, before.keyValue));
  });

  it('releases it on delete: the header is removed and the distribution is as it was before the stack', async () => {
    await aws.cloudformation.send(new DeleteStackCommand({ StackName: 'team-edge' }));
    await waitUntilStackDeleteComplete(emulatorWaiter(aws.cloudformation), { StackName: 'team-edge' });

    expect(await configNow()).toEqual(original);
  });
});

describe('a rotation rolled back after the header moved', () => {
  it('puts the previous key back on the existing distribution', async () => {
    const { Capabilities, TemplateBody } = templateWithTripwire('OriginHeader');
    await aws.cloudformation.send(new CreateStackCommand({
      StackName: 'team-tripped',
      TemplateBody,
      Capabilities,
      Parameters: [
        { ParameterKey: 'Timestamp', ParameterValue: '2026-11-22' },
        { ParameterKey: 'ApiURL', ParameterValue: apiUrl },
        { ParameterKey: 'DistributionId', ParameterValue: distributionId },
      ],
    }));
    await waitUntilStackCreateComplete(emulatorWaiter(aws.cloudformation), { StackName: 'team-tripped' });
    const before = await keyState(aws, 'team-tripped');

    await rotate('team-tripped', '2026-11-23T10:00:00Z', waitUntilStackRollbackComplete);

    expect(await keyState(aws, 'team-tripped')).toEqual(before);
    expect(await configNow()).toEqual(withApiKeyHeader(original, before.keyValue));
  });
});
