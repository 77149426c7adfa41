// A fleet of this template's stacks as CloudFormation and CloudFront show them while rotations run,
// on an injected clock: an update runs its key and gate (GATE_MS), changes the distribution, which
// deploys for `deployMs`, then waits its monitoring period and cleans up. Each account and Region
// has clients of its own, as the fleet commands make them; the mocks tell them apart.
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ListStacksCommand,
  type StackEvent,
  type StackStatus,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { CloudFrontClient, ListDistributionsCommand } from '@aws-sdk/client-cloudfront';
import type { AwsStub } from 'aws-sdk-client-mock';
import type { Discovered } from '../../../scripts/cli/fleet/discovery';
import type { RegionalClients } from '../../../scripts/cli/fleet/status-all';
import type { Target } from '../../../scripts/cli/fleet/targets';
import { OWN_OUTPUTS, PARAMETERS, stack as stackOf } from '../../rotation.fixtures';

export const GATE_MS = 2_000;
const CLEANUP_MS = 1_000;

export interface StackSpec extends Target {
  name: string;
  timestamp?: string;
  /** How the rotation ends: cleaned up, rolled back by the gate, or complete with its old key's deletion failed. */
  outcome?: 'cleaned up' | 'rolled back' | 'cleanup failed';
  deployMs?: number;
  monitoringMinutes?: number;
  /** An update already under way (an earlier run's), started this long before the clock's start. */
  updatingForMs?: number;
}

interface SimulatedStack extends Required<Omit<StackSpec, 'updatingForMs'>> {
  stackId: string;
  updatedAt?: number;
}

export const idOf = (name: string, { account, region }: Target) => `arn:aws:cloudformation:${region}:${account}:stack/${name}/1`;

export function simulatedFleet(
  mocks: { cloudformation: AwsStub<any, any, any>; cloudfront: AwsStub<any, any, any> },
  clock: () => number,
  specs: StackSpec[],
  { listStacksError }: { listStacksError?: (place: Target) => Error | undefined } = {},
) {
  const stacks: SimulatedStack[] = specs.map((spec) => ({
    outcome: 'cleaned up', deployMs: 30_000, monitoringMinutes: 10, timestamp: '2026-10-01T00-00-00Z', ...spec,
    stackId: idOf(spec.name, spec),
    updatedAt: spec.updatingForMs === undefined ? undefined : clock() - spec.updatingForMs,
  }));
  const places = new Map<unknown, Target>();
  const clients = new Map<string, RegionalClients>();
  const clientsFor = ({ account, region }: Target): RegionalClients => {
    const key = `${account}/${region}`;
    if (!clients.has(key)) {
      const made = { cloudformation: new CloudFormationClient({ region }), apigateway: new APIGatewayClient({ region }), cloudfront: new CloudFrontClient({ region }) };
      places.set(made.cloudformation, { account, region });
      places.set(made.cloudfront, { account, region });
      clients.set(key, made);
    }
    return clients.get(key)!;
  };
  const placeOf = (getClient: () => unknown) => places.get(getClient())!;
  const byId = (id: string) => stacks.find((s) => s.stackId === id);

  /** The stack's status now, and when its distribution was last changed and whether it is deployed. */
  const stateOf = (s: SimulatedStack): { status: StackStatus; distributionChangedAt?: number; deployed: boolean } => {
    if (s.updatedAt === undefined) return { status: 'UPDATE_COMPLETE', deployed: true };
    const elapsed = clock() - s.updatedAt;
    if (s.outcome === 'rolled back') return { status: elapsed < GATE_MS ? 'UPDATE_IN_PROGRESS' : 'UPDATE_ROLLBACK_COMPLETE', deployed: true };
    const changedAt = s.updatedAt + GATE_MS;
    if (elapsed < GATE_MS) return { status: 'UPDATE_IN_PROGRESS', deployed: true };
    const monitoringEnds = GATE_MS + s.deployMs + s.monitoringMinutes * 60_000;
    if (elapsed < GATE_MS + s.deployMs) return { status: 'UPDATE_IN_PROGRESS', distributionChangedAt: changedAt, deployed: false };
    if (elapsed < monitoringEnds) return { status: 'UPDATE_IN_PROGRESS', distributionChangedAt: changedAt, deployed: true };
    if (elapsed < monitoringEnds + CLEANUP_MS) return { status: 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', distributionChangedAt: changedAt, deployed: true };
    return { status: 'UPDATE_COMPLETE', distributionChangedAt: changedAt, deployed: true };
  };
  const describe = (s: SimulatedStack) => stackOf({
    StackName: s.name,
    StackId: s.stackId,
    StackStatus: stateOf(s).status,
    Parameters: PARAMETERS.map((p) => (p.ParameterKey === 'Timestamp' ? { ...p, ParameterValue: s.timestamp } : p)),
    Outputs: [
      ...OWN_OUTPUTS.filter((o) => o.OutputKey !== 'DistributionId'),
      { OutputKey: 'DistributionId', OutputValue: `E${s.name.toUpperCase()}` },
      { OutputKey: 'RollbackConfiguration', OutputValue: JSON.stringify({ MonitoringTimeInMinutes: s.monitoringMinutes }) },
    ],
  });
  const eventsOf = (s: SimulatedStack): StackEvent[] => {
    const at = (ms: number) => new Date(s.updatedAt! + ms);
    const own = (ResourceStatus: StackEvent['ResourceStatus'], ms: number): StackEvent => ({ EventId: `${s.name}-${ResourceStatus}`, StackId: s.stackId, StackName: s.name, LogicalResourceId: s.name, PhysicalResourceId: s.stackId, ResourceType: 'AWS::CloudFormation::Stack', ResourceStatus, Timestamp: at(ms) });
    const resource = (LogicalResourceId: string, ResourceStatus: StackEvent['ResourceStatus'], ResourceStatusReason: string, ms: number): StackEvent =>
      ({ EventId: `${s.name}-${LogicalResourceId}-${ResourceStatus}`, StackId: s.stackId, StackName: s.name, LogicalResourceId, PhysicalResourceId: 'x', ResourceType: 'AWS::ApiGateway::ApiKey', ResourceStatus, ResourceStatusReason, Timestamp: at(ms) });
    const earlier = resource('ApiKey', 'DELETE_FAILED', 'an earlier operation failed', -60_000);
    const events = [earlier, own('UPDATE_IN_PROGRESS', 0)];
    if (s.outcome === 'rolled back') events.push(resource('KeyGate', 'CREATE_FAILED', 'The API did not accept the new key.', GATE_MS - 1), own('UPDATE_ROLLBACK_COMPLETE', GATE_MS));
    if (s.outcome === 'cleanup failed') events.push(resource('ApiKey', 'DELETE_FAILED', 'Rate exceeded', GATE_MS + s.deployMs + s.monitoringMinutes * 60_000 + 1));
    return events.reverse();
  };

  mocks.cloudformation.on(DescribeStacksCommand).callsFake(async ({ StackName }) => ({ Stacks: [byId(StackName)].filter(Boolean).map((s) => describe(s!)) }));
  mocks.cloudformation.on(UpdateStackCommand).callsFake(async ({ StackName, Parameters }) => {
    const s = byId(StackName)!;
    s.updatedAt = clock();
    s.timestamp = Parameters.find((p: { ParameterKey: string }) => p.ParameterKey === 'Timestamp').ParameterValue;
    return {};
  });
  mocks.cloudformation.on(ListStacksCommand).callsFake(async ({ StackStatusFilter }, getClient) => {
    const { account, region } = placeOf(getClient);
    const error = listStacksError?.({ account, region });
    if (error) throw error;
    const summaries = stacks
      .filter((s) => s.account === account && s.region === region && StackStatusFilter.includes(stateOf(s).status))
      .map((s) => ({ StackName: s.name, StackId: s.stackId, StackStatus: stateOf(s).status, LastUpdatedTime: s.updatedAt === undefined ? undefined : new Date(s.updatedAt), CreationTime: new Date(0) }));
    return { StackSummaries: summaries };
  });
  mocks.cloudformation.on(DescribeStackEventsCommand).callsFake(async ({ StackName }) => ({ StackEvents: eventsOf(byId(StackName)!) }));
  mocks.cloudfront.on(ListDistributionsCommand).callsFake(async (_input, getClient) => {
    const { account } = placeOf(getClient);
    const Items = stacks.filter((s) => s.account === account).map((s) => {
      const { distributionChangedAt, deployed } = stateOf(s);
      return { Id: `E${s.name.toUpperCase()}`, Status: deployed ? 'Deployed' : 'InProgress', LastModifiedTime: new Date(distributionChangedAt ?? 0) };
    });
    return { DistributionList: { Items, IsTruncated: false, Quantity: Items.length, MaxItems: 100, Marker: '' } };
  });

  const found: Discovered[] = stacks.map((s) => ({ account: s.account, region: s.region, stack: s.name, stackId: s.stackId }));
  return { found, clientsFor, stateOf: (name: string) => stateOf(stacks.find((s) => s.name === name)!) };
}
