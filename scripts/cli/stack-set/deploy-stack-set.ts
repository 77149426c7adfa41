// `deploy --stack-set`: the template as a CloudFormation StackSet, one instance per account and
// Region, each with its own API stage (--api-urls).
//
// The rule that keeps a StackSet and its instances' own rotations apart: every StackSet update is
// a rotation. Each instance's function changes its own stack's Timestamp, and every StackSet
// operation applies the set's parameter values again. So each deploy gives the set the Timestamp
// of its own start: every instance moves forward to a time no earlier than any it had from the
// set, gets a new key (a new secret, a new value) through the key gate, and CloudFront's header
// changes in the same stack update as the key. An instance in the middle of its own rotation is
// refused by CloudFormation (the stack is busy): it fails in the operation, its rotation goes on,
// and the next deploy updates it. ApiURL is always an instance override, so a set-wide value never
// re-points an instance by accident.
import {
  type CloudFormationClient,
  CreateStackInstancesCommand,
  CreateStackSetCommand,
  DescribeStackInstanceCommand,
  DescribeStackSetCommand,
  type Parameter,
  type StackSet,
  type StackSetOperationPreferences,
  UpdateStackInstancesCommand,
  UpdateStackSetCommand,
} from '@aws-sdk/client-cloudformation';
import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import { TIMESTAMP_PARAMETER, parameterOf } from '../../../lambda/rotation';
import { timestampFrom } from '../../../lambda/timestamp';
import { CAPABILITIES, checkDeployable } from '../deploy';
import { StackSetBusyError, StackSetOperationFailedError, StackSetOriginChangeNotConfirmedError, StackSetTemplateDowngradeError, UsageError } from '../errors';
import { alignColumns } from '../fleet/table';
import { mapPool } from '../fleet/pool';
import { listStackInstances } from '../fleet/stack-set-fleet';
import type { Target } from '../fleet/targets';
import { type Output, paint } from '../output';
import { compareReleases } from '../release';
import { uploadTemplate } from '../template-url';
import { parseTemplate, templateRelease } from '../../template';
import { type ApiUrls, accountEntries, apiUrlFor, regionOf } from './api-urls';
import { type InstanceResult, followOperation } from './operation';

export interface StackSetDeployRequest {
  stackSetName: string;
  regions: string[];
  /** Self-managed: the target accounts. */
  accounts?: string[];
  /** Service-managed: the target organizational units, with automatic deployment. */
  organizationalUnits?: string[];
  /** Set-wide parameter values from the command line; ApiURL here is the default for instances. */
  parameters: Record<string, string>;
  apiUrls: ApiUrls;
  /** At most this many accounts per Region at once; undefined: all of them. */
  concurrency?: number;
  changeOrigin: boolean;
  /** The user's S3 bucket for the template (--template-bucket); otherwise deploy's own. */
  templateBucket?: string;
}

export interface StackSetDeployDependencies {
  cloudformation: CloudFormationClient;
  s3: S3Client;
  sts: STSClient;
  templateBody: string;
  now: () => Date;
  sleep: (milliseconds: number) => Promise<void>;
  output: Output;
}

const API_URL = 'ApiURL';
/** Instances described at once, to compare their overrides. */
const READ_CONCURRENCY = 8;

const key = ({ account, region }: Target) => `${account}/${region}`;

export async function deployStackSet(request: StackSetDeployRequest, deps: StackSetDeployDependencies): Promise<InstanceResult[]> {
  const { cloudformation, templateBody, output } = deps;
  const template = checkDeployable(templateBody, request.parameters);
  const declared: Record<string, any> = template.Parameters ?? {};
  const serviceManaged = request.organizationalUnits !== undefined;
  if (serviceManaged && accountEntries(request.apiUrls).length > 0) {
    throw new UsageError(`--api-urls names accounts (${accountEntries(request.apiUrls).join(', ')}), but with --ou the accounts come from the organizational units: give ApiURLs by Region, or deploy with --accounts.`, 'deploy');
  }

  const existing = await findStackSet(cloudformation, request.stackSetName);
  if (existing) {
    checkStackSet(existing, request.stackSetName, serviceManaged);
    checkStackSetRelease(existing, request.stackSetName, templateRelease(template) ?? '');
  }
  const previous = (name: string) => parameterOf(existing, name);
  const setApiUrl = request.parameters[API_URL] ?? previous(API_URL) ?? '';
  const desired = (instance: Target) => apiUrlFor(request.apiUrls, instance.account, instance.region) ?? setApiUrl;

  // Where instances should be: every account and Region given, or with --ou every Region (accounts unknown).
  const targets = (serviceManaged ? [''] : request.accounts!).flatMap((account) => request.regions.map((region) => ({ account, region })));
  checkApiUrls(targets.map((target) => ({ ...target, url: desired(target) })));
  // With --api-urls, an instance it misses would quietly get the demo API: only if asked for.
  const unmatched = request.apiUrls.size > 0 && setApiUrl === '' && !(API_URL in request.parameters)
    ? targets.filter((target) => apiUrlFor(request.apiUrls, target.account, target.region) === undefined)
    : [];
  if (unmatched.length > 0) {
    throw new UsageError(`--api-urls names no stage for ${unmatched.map((t) => `${t.account ? `${t.account}/` : ''}${t.region}`).join(', ')}, which would get the demo API: add an entry for each, or pass --api-url '' to give the demo API to every instance without one. Nothing changed.`, 'deploy');
  }

  const instances = existing ? await listStackInstances(cloudformation, request.stackSetName) : [];
  const present = new Set(instances.map(key));
  const selected = instances.filter((i) => request.regions.includes(i.region) && (serviceManaged || request.accounts!.includes(i.account)));
  const current = await mapPool(selected, READ_CONCURRENCY, async (instance) => ({ ...instance, from: await apiUrlOf(cloudformation, request.stackSetName, instance, previous(API_URL) ?? '') }));
  const changes = current.map((i) => ({ ...i, to: desired(i) })).filter((i) => i.from !== i.to);
  if (changes.length > 0 && !request.changeOrigin) throw new StackSetOriginChangeNotConfirmedError(request.stackSetName, changes);

  const timestamp = timestampFrom(deps.now());
  const parameters = Object.keys(declared).flatMap((name): Parameter[] => {
    if (name === TIMESTAMP_PARAMETER) return [{ ParameterKey: name, ParameterValue: timestamp }];
    if (name === API_URL) return [{ ParameterKey: name, ParameterValue: setApiUrl }];
    if (name in request.parameters) return [{ ParameterKey: name, ParameterValue: request.parameters[name] }];
    return previous(name) === undefined ? [] : [{ ParameterKey: name, UsePreviousValue: true }];
  });
  // The widest StackSets allow unless --concurrency narrows it: every Region at once, and every
  // account of a Region at once (MaxConcurrentPercentage 100). Stop starting instances after the
  // first failure, without lowering concurrency to 1: STRICT_FAILURE_TOLERANCE caps it at
  // FailureToleranceCount + 1 (API Reference, StackSetOperationPreferences, ConcurrencyMode).
  const preferences: StackSetOperationPreferences = {
    RegionConcurrencyType: 'PARALLEL',
    ...(request.concurrency === undefined ? { MaxConcurrentPercentage: 100 } : { MaxConcurrentCount: request.concurrency }),
    FailureToleranceCount: 0,
    ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE',
  };
  // Into a bucket in the StackSet's own Region, the one it is administered from; before the first change.
  const templateUrl = await uploadTemplate(templateBody, await cloudformation.config.region(), request.templateBucket, deps);
  const results: InstanceResult[] = [];
  const anyFailed = () => results.some((r) => r.status !== 'SUCCEEDED');
  const run = async (action: string, start: () => Promise<{ OperationId?: string }>) => {
    const { OperationId } = await start().catch((error) => Promise.reject(error?.name === 'OperationInProgressException' ? new StackSetBusyError(request.stackSetName, { cause: error }) : error));
    results.push(...(await followOperation(request.stackSetName, OperationId ?? '', action, deps)));
  };

  if (!existing) {
    output.line(`Creating StackSet ${request.stackSetName} (Timestamp ${timestamp}) …`);
    await cloudformation.send(new CreateStackSetCommand({
      StackSetName: request.stackSetName,
      TemplateURL: templateUrl,
      Parameters: parameters,
      Capabilities: CAPABILITIES,
      PermissionModel: serviceManaged ? 'SERVICE_MANAGED' : 'SELF_MANAGED',
      ...(serviceManaged && { AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false } }),
    }));
  } else {
    output.line(`Updating StackSet ${request.stackSetName}: every instance gets this template and rotates its key (Timestamp ${timestamp}) …`);
    await run('update', () => cloudformation.send(new UpdateStackSetCommand({
      StackSetName: request.stackSetName, TemplateURL: templateUrl, Parameters: parameters, Capabilities: CAPABILITIES, OperationPreferences: preferences,
    })));
  }

  if (serviceManaged) {
    const newRegions = request.regions.filter((region) => !instances.some((i) => i.region === region));
    for (const [url, regions] of groupBy(newRegions, (region) => desired({ account: '', region }))) {
      if (anyFailed()) break;
      output.line(`Adding instances in ${regions.join(', ')} for every account of ${request.organizationalUnits!.join(', ')} …`);
      await run('create', () => cloudformation.send(new CreateStackInstancesCommand({
        StackSetName: request.stackSetName, DeploymentTargets: { OrganizationalUnitIds: request.organizationalUnits }, Regions: regions,
        ParameterOverrides: [{ ParameterKey: API_URL, ParameterValue: url }], OperationPreferences: preferences,
      })));
    }
  } else {
    const missing = targets.filter((i) => !present.has(key(i)));
    for (const [url, accounts, regions] of rectangles(missing, desired)) {
      if (anyFailed()) break;
      output.line(`Adding instances: ${accounts.join(', ')} in ${regions.join(', ')} …`);
      await run('create', () => cloudformation.send(new CreateStackInstancesCommand({
        StackSetName: request.stackSetName, Accounts: accounts, Regions: regions,
        ParameterOverrides: [{ ParameterKey: API_URL, ParameterValue: url }], OperationPreferences: preferences,
      })));
    }
  }
  for (const [url, accounts, regions] of rectangles(changes, (i) => i.to)) {
    if (anyFailed()) break;
    output.line(`Pointing CloudFront of ${accounts.join(', ')} in ${regions.join(', ')} at ${url || 'the demo API'} …`);
    await run('origin', () => cloudformation.send(new UpdateStackInstancesCommand({
      StackSetName: request.stackSetName, ...(serviceManaged ? { DeploymentTargets: { OrganizationalUnitIds: request.organizationalUnits } } : { Accounts: accounts }), Regions: regions,
      ParameterOverrides: [{ ParameterKey: API_URL, ParameterValue: url }], OperationPreferences: preferences,
    })));
  }

  printResults(results, output);
  const unfinished = results.filter((r) => r.status !== 'SUCCEEDED').length;
  if (unfinished > 0) throw new StackSetOperationFailedError(request.stackSetName, unfinished);
  return results;
}

/**
 * Each instance's stage must be in its Region, and in its account: a usage plan covers stages of
 * its own account's APIs only. The account cannot be read from an ApiURL, but one URL given to two
 * accounts is wrong for at least one of them.
 */
function checkApiUrls(targets: { account: string; region: string; url: string }[]): void {
  for (const { account, region, url } of targets) {
    const urlRegion = regionOf(url);
    if (urlRegion !== undefined && urlRegion !== region) {
      throw new UsageError(`The instance in ${account ? `${account}/` : ''}${region} would get ApiURL ${url}, a stage in ${urlRegion}: give it one in ${region} in --api-urls (usage plans are regional). Nothing changed.`, 'deploy');
    }
  }
  for (const [url, sharing] of groupBy(targets.filter((t) => t.url !== ''), (t) => t.url)) {
    const accounts = [...new Set(sharing.map((t) => t.account))];
    if (accounts.length > 1) {
      throw new UsageError(`ApiURL ${url} would serve accounts ${accounts.join(' and ')}, but a usage plan covers only its own account's APIs: give each account its own stage in --api-urls (account/Region entries). Nothing changed.`, 'deploy');
    }
  }
}

async function findStackSet(cloudformation: CloudFormationClient, StackSetName: string): Promise<StackSet | undefined> {
  return cloudformation.send(new DescribeStackSetCommand({ StackSetName })).then(
    ({ StackSet }) => StackSet,
    (error) => (error?.name === 'StackSetNotFoundException' ? undefined : Promise.reject(error)),
  );
}

function checkStackSet(stackSet: StackSet, name: string, serviceManaged: boolean): void {
  if (!stackSet.Parameters?.some((p) => p.ParameterKey === TIMESTAMP_PARAMETER)) {
    throw new UsageError(`StackSet "${name}" was not made from this template (it has no ${TIMESTAMP_PARAMETER} parameter), so deploy will not replace its template. Nothing changed; choose another --stack-set.`, 'deploy');
  }
  const model = stackSet.PermissionModel ?? 'SELF_MANAGED';
  if ((model === 'SERVICE_MANAGED') !== serviceManaged) {
    throw new UsageError(`StackSet "${name}" is ${model}: deploy it with ${model === 'SERVICE_MANAGED' ? '--ou' : '--accounts'}. Nothing changed.`, 'deploy');
  }
}

/** The set's current template (DescribeStackSet's TemplateBody) must be no newer than the one deploy carries; one without a TemplateVersion output is older. */
function checkStackSetRelease(stackSet: StackSet, name: string, carried: string): void {
  const release = templateRelease(parseTemplate(stackSet.TemplateBody ?? ''));
  if (release !== undefined && compareReleases(release, carried) > 0) throw new StackSetTemplateDowngradeError(name, release, carried);
}

/** The ApiURL an instance's stack has: its override, else the set's value. */
async function apiUrlOf(cloudformation: CloudFormationClient, StackSetName: string, instance: Target, setValue: string): Promise<string> {
  const { StackInstance } = await cloudformation.send(new DescribeStackInstanceCommand({ StackSetName, StackInstanceAccount: instance.account, StackInstanceRegion: instance.region }));
  return StackInstance?.ParameterOverrides?.find((p) => p.ParameterKey === API_URL)?.ParameterValue ?? setValue;
}

function groupBy<T>(items: T[], by: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(by(item), [...(groups.get(by(item)) ?? []), item]);
  return groups;
}

/**
 * Instance operations take accounts × Regions: the instances that share an ApiURL, as few such
 * rectangles as grouping accounts by their Regions gives.
 */
function rectangles<T extends Target>(instances: T[], url: (instance: T) => string): [string, string[], string[]][] {
  return [...groupBy(instances, url)].flatMap(([value, sharing]) => {
    const regionsOf = groupBy(sharing, (i) => i.account);
    const byRegions = groupBy([...regionsOf.keys()], (account) => regionsOf.get(account)!.map((i) => i.region).sort().join(','));
    return [...byRegions].map(([regions, accounts]): [string, string[], string[]] => [value, accounts, regions.split(',')]);
  });
}

function printResults(results: InstanceResult[], output: Output): void {
  if (results.length === 0) return;
  output.line();
  const rows = alignColumns([['ACCOUNT', 'REGION', 'STEP', 'RESULT', 'REASON'], ...results.map((r) => [r.account, r.region, r.action, r.status, r.reason ?? ''])]);
  output.line(paint(output, 'bold', rows[0]));
  rows.slice(1).forEach((row) => output.line(row));
  const succeeded = results.filter((r) => r.status === 'SUCCEEDED').length;
  output.line();
  output.line(`${succeeded} of ${results.length} instance step(s) succeeded.`);
}
