// The stacks a fleet command covers: with --stack-set, the set's instances; otherwise every
// rotating stack in the accounts and Regions selected.
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { type Discovered, discoverFleet } from './discovery';
import { Gauge } from './pool';
import { stackSetFleet } from './stack-set-fleet';
import { type FleetSelection, type Target, type TargetDependencies, resolveTargets } from './targets';

export interface FleetDependencies extends TargetDependencies {
  /** CloudFormation in the caller's own account and configured Region, where a StackSet lives. */
  cloudformation: CloudFormationClient;
  cloudformationFor: (target: Target) => CloudFormationClient;
  concurrency: number;
  gauge?: Gauge;
}

export interface Fleet {
  stacks: Discovered[];
  /** How many account and Region pairs were read (for a StackSet: where its instances are). */
  places: number;
}

export async function selectFleet(selection: FleetSelection, deps: FleetDependencies): Promise<Fleet> {
  if (selection.stackSet) {
    const stacks = await stackSetFleet(selection.stackSet, selection, deps);
    return { stacks, places: new Set(stacks.map(({ account, region }) => `${account} ${region}`)).size };
  }
  const targets = await resolveTargets(selection, deps);
  return { stacks: await discoverFleet(targets, deps.cloudformationFor, deps.concurrency, deps.gauge ?? new Gauge()), places: targets.length };
}
