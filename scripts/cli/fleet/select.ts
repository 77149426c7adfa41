// The stacks a fleet command covers: with --stack-set, the set's instances; otherwise every
// rotating stack in the accounts and Regions selected. A selection with none is refused: a fleet
// of no stack is no healthy fleet, and an emergency rotation of none rotates nothing.
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { NoRotatingStackError, NoStackSetInstanceError } from '../errors';
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
    if (stacks.length === 0) throw new NoStackSetInstanceError(selection.stackSet, selection.regions);
    return { stacks, places: new Set(stacks.map(({ account, region }) => `${account} ${region}`)).size };
  }
  const targets = await resolveTargets(selection, deps);
  const stacks = await discoverFleet(targets, deps.cloudformationFor, deps.concurrency, deps.gauge ?? new Gauge());
  if (stacks.length === 0) throw new NoRotatingStackError([...new Set(targets.map((t) => t.account))], [...new Set(targets.map((t) => t.region))]);
  return { stacks, places: targets.length };
}
