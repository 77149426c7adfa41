// Which accounts and Regions a fleet command covers: --regions (or `all`, the Regions the
// account has enabled), optionally --accounts with --role-name (assume that role in each, the
// StackSets execution-role pattern), or --stack-set (its instances).
import { ListStackInstancesCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { UsageError } from '../errors';

export interface FleetSelection {
  regions: string[] | 'all';
  accounts?: string[];
  roleName?: string;
  stackSet?: string;
}

export interface Target {
  account: string;
  region: string;
}

export interface TargetDependencies {
  /** CloudFormation in the caller's own account and default Region (where a StackSet lives). */
  cloudformation: CloudFormationClient;
  callerAccount: () => Promise<string>;
  /** EC2 DescribeRegions without AllRegions: the Regions enabled for the calling account. */
  enabledRegions: () => Promise<string[]>;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ACCOUNT = /^\d{12}$/;

/** Checks the selection's form before any call: bad input changes nothing and reads nothing. */
export function checkSelection(selection: FleetSelection, command: string): void {
  checkNames(selection.regions, selection.accounts, command);
  if (selection.accounts && !selection.roleName) throw new UsageError('--accounts needs --role-name: the role to assume in each account.', command);
  if (selection.accounts && selection.stackSet) throw new UsageError('Give --accounts or --stack-set, not both: a StackSet names its own accounts.', command);
}

/** Region names and account IDs in their documented forms. */
export function checkNames(regions: string[] | 'all', accounts: string[] | undefined, command: string): void {
  const badRegion = regions === 'all' ? undefined : regions.find((r) => !REGION.test(r));
  if (badRegion !== undefined) throw new UsageError(`--regions: "${badRegion}" is not a Region name (for example eu-west-1), or give "all".`, command);
  const badAccount = accounts?.find((a) => !ACCOUNT.test(a));
  if (badAccount !== undefined) throw new UsageError(`--accounts: "${badAccount}" is not an account ID (12 digits).`, command);
}

export async function resolveTargets(selection: FleetSelection, deps: TargetDependencies): Promise<Target[]> {
  if (selection.stackSet) return stackSetTargets(selection.stackSet, selection.regions, deps.cloudformation);
  const regions = selection.regions === 'all' ? await deps.enabledRegions() : selection.regions;
  const accounts = selection.accounts ?? [await deps.callerAccount()];
  return accounts.flatMap((account) => regions.map((region) => ({ account, region })));
}

async function stackSetTargets(name: string, regions: string[] | 'all', cloudformation: CloudFormationClient): Promise<Target[]> {
  const instances = await listStackInstances(cloudformation, name);
  return instances.filter(({ region }) => regions === 'all' || regions.includes(region));
}

/** Every instance of the StackSet: its account and Region. */
export async function listStackInstances(cloudformation: CloudFormationClient, StackSetName: string): Promise<Target[]> {
  const instances: Target[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cloudformation.send(new ListStackInstancesCommand({ StackSetName, NextToken }));
    instances.push(...(page.Summaries ?? []).map(({ Account = '', Region = '' }) => ({ account: Account, region: Region })));
    NextToken = page.NextToken;
  } while (NextToken);
  return instances;
}
