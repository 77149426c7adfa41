// Which accounts and Regions a fleet command covers: --regions (or `all`, the Regions the
// account has enabled), optionally --accounts with --role-name (assume that role in each, the
// StackSets execution-role pattern). --stack-set covers its instances instead (stack-set-fleet.ts).
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
  callerAccount: () => Promise<string>;
  /** EC2 DescribeRegions without AllRegions: the Regions enabled for the calling account. */
  enabledRegions: () => Promise<string[]>;
}

// eu-west-1, us-gov-west-1, and the European Sovereign Cloud's eusc-de-east-1.
const REGION = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;
const ACCOUNT = /^\d{12}$/;

/** A Region name in its documented form. The SDK takes any host label ("useast1") for one, and then fails to connect. */
export const isRegionName = (name: string) => REGION.test(name);

/** Checks the selection's form before any call: bad input changes nothing and reads nothing. */
export function checkSelection(selection: FleetSelection, command: string): void {
  checkNames(selection.regions, selection.accounts, command);
  if (selection.accounts && !selection.roleName) throw new UsageError('--accounts needs --role-name: the role to assume in each account.', command);
  if (selection.roleName && !selection.accounts && !selection.stackSet) throw new UsageError('--role-name needs --accounts or --stack-set: the accounts to assume it in.', command);
  if (selection.accounts && selection.stackSet) throw new UsageError('Give --accounts or --stack-set, not both: a StackSet names its own accounts.', command);
}

/** Region names and account IDs in their documented forms. */
export function checkNames(regions: string[] | 'all', accounts: string[] | undefined, command: string): void {
  const badRegion = regions === 'all' ? undefined : regions.find((r) => !isRegionName(r));
  if (badRegion !== undefined) throw new UsageError(`--regions: "${badRegion}" is not a Region name (for example eu-west-1), or give "all".`, command);
  const badAccount = accounts?.find((a) => !ACCOUNT.test(a));
  if (badAccount !== undefined) throw new UsageError(`--accounts: "${badAccount}" is not an account ID (12 digits).`, command);
}

/** The accounts and Regions to look for rotating stacks in (a StackSet names its own stacks). */
export async function resolveTargets(selection: Pick<FleetSelection, 'regions' | 'accounts'>, deps: TargetDependencies): Promise<Target[]> {
  const regions = selection.regions === 'all' ? await deps.enabledRegions() : selection.regions;
  const accounts = selection.accounts ?? [await deps.callerAccount()];
  return accounts.flatMap((account) => regions.map((region) => ({ account, region })));
}
