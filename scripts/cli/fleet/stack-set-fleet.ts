// `--stack-set NAME`: the set's instances and nothing else. Its accounts and Regions may hold other
// rotating stacks (a single-stack deploy, another set's instances, a look-alike): only the stacks
// ListStackInstances names by stack ID are the set's, each read where its stack ID says it lives.
import { type CloudFormationClient, ListStackInstancesCommand } from '@aws-sdk/client-cloudformation';
import { StackSetNeedsRoleError, StackSetNotFoundError } from '../errors';
import type { Discovered } from './discovery';
import { placeOf } from './stack-id';
import type { FleetSelection, Target } from './targets';

export interface StackInstance extends Target {
  /** Absent until the instance's operation has created its stack. */
  stackId?: string;
  status: string;
  reason?: string;
}

/** Every instance of the StackSet, on every page. */
export async function listStackInstances(cloudformation: CloudFormationClient, StackSetName: string): Promise<StackInstance[]> {
  const instances: StackInstance[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cloudformation.send(new ListStackInstancesCommand({ StackSetName, NextToken })).catch(async (error) => {
      if (error?.name !== 'StackSetNotFoundException') throw error;
      throw new StackSetNotFoundError(StackSetName, await cloudformation.config.region(), { cause: error });
    });
    for (const { Account = '', Region = '', StackId, Status = '', StatusReason } of page.Summaries ?? []) {
      instances.push({ account: Account, region: Region, stackId: StackId, status: Status, reason: StatusReason });
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return instances;
}

/** Each instance's stack where its stack ID places it; an instance without one is reported, never looked for. */
export function instanceStacks(instances: StackInstance[]): Discovered[] {
  return instances.map(({ account, region, stackId, status, reason }): Discovered => {
    const place = stackId === undefined ? undefined : placeOf(stackId);
    if (place && stackId) return { ...place, stackId };
    return { account, region, stack: '', unreachable: `The StackSet instance has no stack yet (${reason ? `${status}: ${reason}` : status}): nothing to read or rotate until its operation creates one.` };
  });
}

/** The set's stacks in the Regions selected; without --role-name, only if all are the caller's own. */
export async function stackSetFleet(
  stackSetName: string,
  { regions, roleName }: Pick<FleetSelection, 'regions' | 'roleName'>,
  deps: { cloudformation: CloudFormationClient; callerAccount: () => Promise<string> },
): Promise<Discovered[]> {
  const stacks = instanceStacks(await listStackInstances(deps.cloudformation, stackSetName)).filter(({ region }) => regions === 'all' || regions.includes(region));
  if (!roleName) {
    // The caller's credentials would read the caller's own account whatever account was asked.
    const caller = await deps.callerAccount();
    const others = [...new Set(stacks.map(({ account }) => account))].filter((account) => account !== caller).sort();
    if (others.length > 0) throw new StackSetNeedsRoleError(stackSetName, others, caller);
  }
  return stacks;
}
