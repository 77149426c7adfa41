// `status`: is rotation healthy? Reads the stack, the active key, the usage plan and the
// distribution's header, and compares key and header by SHA-256 fingerprint: the first 8 hex
// digits of each, never a value.
import { type ApiStage, APIGatewayClient, GetApiKeyCommand, GetUsagePlanCommand, GetUsagePlanKeysCommand } from '@aws-sdk/client-api-gateway';
import type { CloudFormationClient, StackEvent } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient, GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
import { fingerprintOf, originKeyOf } from '../../lambda/origin-key';
import { type ClientsView, type EdgeGet, isRefused, refusalText, viewAsClient } from './through-cloudfront';
import { describeRotatableStack, outputOf, parameterOf } from '../../lambda/rotation';
import { type Output, paint } from './output';
import { type Release, describeRelease, releaseOf } from './release';
import { refuseUncreatedStack } from './refusals';
import { stackEventPages } from './stack-events';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** A scheduled rotation may start late and takes minutes (CloudFront deploys for up to ~30). */
export const OVERDUE_MARGIN_MS = HOUR_MS;
/**
 * The longest a rotation's update runs on AWS before its cleanup, besides its rollback monitoring
 * (RollbackMonitoringMinutes): the key gate's custom resource (its ServiceTimeout, 15 minutes),
 * CloudFront's deployment (30 to 35 minutes for custom origins), and a margin for the rest.
 */
export const ROTATION_BOUND_MINUTES = 15 + 35 + 10;
const HEALTHY_STATES = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE']);
const ROTATING_STATES = new Set(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS']);

export interface StatusDependencies {
  cloudformation: CloudFormationClient;
  apigateway: APIGatewayClient;
  cloudfront: CloudFrontClient;
  /** The deployable template's ScheduleMap: schedule name → `rate(N days)`. */
  scheduleMap: Record<string, { Rate: string }>;
  /** The template release this CLI carries (its TemplateVersion output). */
  release: string;
  now: () => Date;
  /** Requests through CloudFront; undefined where CloudFront cannot be reached (an emulator's endpoint). */
  edge?: EdgeGet;
}

export interface StatusReport {
  stack: string;
  status: string;
  timestamp: string;
  release: Release;
  schedule: { name: string; rate: string; intervalDays: number | null };
  /** The distribution whose header carries the key: the stack's own, or an existing one it sets the header of (DistributionId). */
  distribution: { id: string; mode: 'own' | 'existing' };
  activeKey: { id: string; name: string; enabled: boolean; createdDate: string; ageHours: number; overdue: boolean } | null;
  usagePlanKeys: Array<{ id: string; name: string }>;
  fingerprints: { key: string | null; header: string | null; match: boolean };
  lastRotation: { outcome: string; time: string } | null;
  /** When the operation the stack is in now began; null when none is in progress, or unread. */
  inProgressSince: string | null;
  /** HealthCheckPath through CloudFront, as clients get it; null when it was not requested. */
  clients: ClientsView | null;
  healthy: boolean;
  problems: string[];
  /** What could not be read, with the error's name: its part of the report is unknown. */
  unread: string[];
}

type Read<T> = { value: T } | { error: Error };
const attempt = <T>(call: () => Promise<T>): Promise<Read<T>> => call().then((value) => ({ value }), (error: Error) => ({ error }));
/** API Gateway's and CloudFront's "it does not exist": deleted outside the stack. */
const isGone = (error: Error) => error.name === 'NotFoundException' || error.name === 'NoSuchDistribution';

/**
 * `<api-id>/<stage>` of a stage URL without its scheme, split as the template's UsagePlan splits
 * ApiURL: the API ID before the first dot, the stage after the first slash.
 */
const stageOf = (stageUrl: string) => `${stageUrl.split('.')[0]}/${stageUrl.split('/')[1]}`;

/**
 * The one stage the template gives the usage plan: ApiURL's, or the demo API's `prod`, whose ID
 * only the ApiStageURL output holds (DescribeStacks gives it already, so no extra call).
 */
function expectedStage(apiUrl: string, apiStageUrl: string | undefined): string | undefined {
  if (apiUrl !== '') return stageOf(apiUrl);
  return apiStageUrl === undefined ? undefined : stageOf(apiStageUrl.replace(/^https:\/\//, ''));
}

/**
 * IAM cannot limit which stages an update puts in a usage plan, so whoever can update the stack
 * can make its key valid on another team's API: any stage but the expected one is a finding.
 */
function stageProblems(usagePlanId: string, expected: string | undefined, apiStages: ApiStage[]): string[] {
  if (expected === undefined) return ["The stack lacks the ApiStageURL output, so the stage its usage plan should name is unknown: was it deployed from this template?"];
  const named = apiStages.map(({ apiId, stage }) => `${apiId}/${stage}`);
  const unexpected = named.filter((stage) => stage !== expected);
  const lacksExpected = !named.includes(expected);
  if (unexpected.length > 0) {
    const [stages, them] = unexpected.length === 1 ? ['stage', 'it'] : ['stages', 'them'];
    return [`The usage plan ${usagePlanId} names ${stages} ${unexpected.join(', ')} ${lacksExpected ? 'instead of' : 'besides'} ${expected}, the one stage the stack's parameters give it: this stack's key is valid there. Remove ${them} from the usage plan, or deploy the stack again from this template (which resets its ApiStages), and check who can update the stack or its service role.`];
  }
  if (lacksExpected) return [`The usage plan ${usagePlanId} names no stage, not even ${expected}, the one the stack's parameters give it: the API refuses the key. Deploy the stack again from this template, which resets its ApiStages.`];
  return [];
}

/** `rate(1 day)`, `rate(14 days)` → days; null for anything else. */
export function intervalDays(rate: string): number | null {
  const match = /^rate\((\d+) days?\)$/.exec(rate);
  return match ? Number(match[1]) : null;
}

export async function collectStatus(stackName: string, deps: StatusDependencies): Promise<StatusReport> {
  const { cloudformation, apigateway, cloudfront, now } = deps;
  // A failed first create, or a mere change set, has no key to report on: say what to do instead.
  await refuseUncreatedStack(cloudformation, stackName);
  const { stack, previousTimestamp } = await describeRotatableStack(cloudformation, stackName);
  const output = (key: string) => outputOf(stack, key);
  const parameter = (key: string) => parameterOf(stack, key) ?? '';
  const status = stack.StackStatus ?? '';
  const rotating = ROTATING_STATES.has(status);
  const problems: string[] = [];

  // The CDK construct writes the schedule into its stack's template: the output names it first.
  const scheduleName = parameter('ApiKeyRotationSchedule') || (output('RotationSchedule') ?? '').split(' ')[0];
  const rate = deps.scheduleMap[scheduleName]?.Rate ?? '';
  const schedule = { name: scheduleName, rate, intervalDays: intervalDays(rate) };

  const unread: string[] = [];
  /** The value, or undefined with the failure recorded: a finding when the resource is gone (if `gone` words it), else unread. */
  const settle = <T>(read: Read<T>, what: string, gone?: string): T | undefined => {
    if ('value' in read) return read.value;
    if (!isGone(read.error)) unread.push(`${what} (${read.error.name}: ${read.error.message})`);
    else if (gone !== undefined) problems.push(gone);
    return undefined;
  };

  let activeKey: StatusReport['activeKey'] = null;
  let keyValue: string | undefined;
  const keyId = output('ApiKeyId');
  const key = keyId
    ? settle(await attempt(() => apigateway.send(new GetApiKeyCommand({ apiKey: keyId, includeValue: true }))), `the active key ${keyId}`,
      `The active key ${keyId} (the ApiKeyId output) no longer exists: it was deleted outside the stack, and the API refuses every request through CloudFront. Deploy with --rotate to create a new one.`)
    : undefined;
  if (keyId && key) {
    keyValue = key.value;
    const created = key.createdDate ?? now();
    const ageMs = now().getTime() - created.getTime();
    const overdue = schedule.intervalDays !== null && ageMs > schedule.intervalDays * DAY_MS + OVERDUE_MARGIN_MS;
    activeKey = { id: keyId, name: key.name ?? '', enabled: key.enabled ?? false, createdDate: created.toISOString(), ageHours: Math.floor(ageMs / HOUR_MS), overdue };
  }

  const usagePlanId = output('UsagePlanId');
  const planKeys = usagePlanId
    ? settle(await attempt(() => apigateway.send(new GetUsagePlanKeysCommand({ usagePlanId, limit: 500 }))), `the usage plan ${usagePlanId}'s keys`,
      `The usage plan ${usagePlanId} no longer exists: it was deleted outside the stack, and the API accepts no key.`)
    : undefined;
  const usagePlanKeys = (planKeys?.items ?? []).map((k) => ({ id: k.id ?? '', name: k.name ?? '' }));
  // A plan deleted outside the stack is reported by the keys' read above.
  const plan = usagePlanId
    ? settle(await attempt(() => apigateway.send(new GetUsagePlanCommand({ usagePlanId }))), `the stages of the usage plan ${usagePlanId}`)
    : undefined;

  const distributionId = output('DistributionId');
  const distribution = distributionId
    ? settle(await attempt(() => cloudfront.send(new GetDistributionConfigCommand({ Id: distributionId }))), `the distribution ${distributionId}`,
      `The distribution ${distributionId} no longer exists: it was deleted outside the stack.`)
    : undefined;
  const headerValue = distribution ? originKeyOf(distribution.DistributionConfig, output('ApiStageURL')) : undefined;
  const fingerprints = {
    key: keyValue === undefined ? null : fingerprintOf(keyValue),
    header: headerValue === undefined ? null : fingerprintOf(headerValue),
    match: keyValue !== undefined && keyValue === headerValue,
  };

  const history = settle(await attempt(() => readHistory(cloudformation, stackName)), "the stack's events");
  const lastRotation = history?.lastRotation ?? null;
  const inProgressSince = history?.inProgressSince ?? null;

  // Outputs exist once the create completes: until then, their absence says nothing of the template.
  if (status === 'CREATE_IN_PROGRESS') problems.push('The stack is still being created (CREATE_IN_PROGRESS): its key, usage plan and distribution are not all there yet. Run status again once it is CREATE_COMPLETE.');
  else if (!HEALTHY_STATES.has(status) && !rotating) problems.push(`The stack is ${status}${status === 'UPDATE_ROLLBACK_COMPLETE' ? ': its last update was rolled back' : ''}; see its events.`);
  if (status !== 'CREATE_IN_PROGRESS' && (!keyId || !usagePlanId || !distributionId)) problems.push('The stack lacks the ApiKeyId, UsagePlanId or DistributionId output: was it deployed from this template?');
  if (activeKey && !activeKey.enabled) problems.push(`The active key ${activeKey.name} is disabled: the API refuses every request through CloudFront.`);
  if (activeKey?.overdue) problems.push(`The active key is ${Math.floor(activeKey.ageHours / 24)} days old, but the schedule rotates every ${schedule.intervalDays} days: check the rotation Lambda's logs.`);
  if (activeKey && planKeys && !usagePlanKeys.some((k) => k.id === activeKey?.id)) problems.push('The active key is not in the usage plan: the API refuses it.');
  if (!rotating && usagePlanKeys.length > 1) problems.push(`The usage plan holds ${usagePlanKeys.length} keys, not 1: a failed cleanup left an old key valid. Remove it by hand.`);
  if (!rotating && keyValue !== undefined && distribution && !fingerprints.match) problems.push('CloudFront sends a different x-api-key than the active key: the API refuses requests through CloudFront.');
  // An update that changes ApiURL changes the parameter before the plan: judge the plan after it.
  if (!rotating && usagePlanId && plan) problems.push(...stageProblems(usagePlanId, expectedStage(parameter('ApiURL'), output('ApiStageURL')), plan.apiStages ?? []));
  if (rotating && inProgressSince !== null) {
    const minutes = Math.floor((now().getTime() - Date.parse(inProgressSince)) / 60_000);
    const bound = ROTATION_BOUND_MINUTES + (Number(parameter('RollbackMonitoringMinutes')) || 0);
    if (minutes > bound) problems.push(stuckText(stackName, status, minutes, bound, previousTimestamp, activeKey?.name));
  }
  if (lastRotation && !['UPDATE_COMPLETE', 'CREATE_COMPLETE', 'in progress'].includes(lastRotation.outcome)) problems.push(`The last rotation ended in ${lastRotation.outcome}.`);
  // Whatever the reads above say, a refusal here is what clients get, during a rotation too.
  const clients = deps.edge ? (await viewAsClient(stack, deps.edge)) ?? null : null;
  if (clients && isRefused(clients)) problems.push(refusalText(clients));
  if (deps.edge && !clients) unread.push('what clients get through CloudFront (the stack has no DistributionURL output: deploy it again from this template)');

  return {
    stack: stackName, status, timestamp: previousTimestamp, release: releaseOf(stack, deps.release), schedule,
    distribution: { id: distributionId ?? '', mode: parameter('DistributionId') ? 'existing' : 'own' }, activeKey, usagePlanKeys, fingerprints,
    lastRotation, inProgressSince, clients,
    healthy: problems.length === 0 && unread.length === 0, problems, unread,
  };
}

/** An update past any rotation's length is stuck: say so, and how to give it up. */
function stuckText(stackName: string, status: string, minutes: number, bound: number, timestamp: string, keyName: string | undefined): string {
  const ahead = keyName !== undefined && keyName !== `CloudFront-${timestamp}` ? ` Its Timestamp ${timestamp} is ahead of the active key ${keyName}.` : '';
  return `The stack has been ${status} for ${minutes} minutes, longer than a rotation takes (${bound}: the key gate, CloudFront's deployment and the rollback monitoring): it is stuck.${ahead} See its events${status === 'UPDATE_IN_PROGRESS' ? `; to give the update up and roll it back: aws cloudformation cancel-update-stack --stack-name ${stackName}` : ''}.`;
}

/**
 * From the stack's events (oldest first, grouped by the stack's own start and end events): the
 * newest operation that touched the API key and how it ended, and when the operation still in
 * progress began.
 */
async function readHistory(cloudformation: CloudFormationClient, stackName: string): Promise<Pick<StatusReport, 'lastRotation' | 'inProgressSince'>> {
  const events: StackEvent[] = [];
  let pages = 0;
  for await (const page of stackEventPages(cloudformation, stackName)) {
    events.push(...page);
    if (++pages === 5) break;
  }
  let current: { touchedKey: boolean; outcome: string; time: string } | null = null;
  let last: StatusReport['lastRotation'] = null;
  for (const event of events.reverse()) {
    const status = event.ResourceStatus ?? '';
    const time = event.Timestamp?.toISOString() ?? '';
    if (event.ResourceType === 'AWS::CloudFormation::Stack' && event.LogicalResourceId === stackName) {
      if (status === 'CREATE_IN_PROGRESS' || status === 'UPDATE_IN_PROGRESS') current = { touchedKey: false, outcome: 'in progress', time };
      else if (current && !status.endsWith('_IN_PROGRESS')) {
        current.outcome = status;
        current.time = time;
      }
    } else if (current && event.LogicalResourceId === 'ApiKey') current.touchedKey = true;
    if (current?.touchedKey) last = { outcome: current.outcome, time: current.time };
  }
  return { lastRotation: last, inProgressSince: current?.outcome === 'in progress' ? current.time : null };
}

export function printStatus(report: StatusReport, output: Output): void {
  const row = (label: string, value: string) => output.line(`${label.padEnd(14)}${value}`);
  const { activeKey: key, schedule, fingerprints } = report;
  row('Stack', `${report.stack}  ${report.status}`);
  row('Schedule', `${schedule.name} (${schedule.rate})`);
  row('Timestamp', report.timestamp);
  row('Release', describeRelease(report.release, report.stack));
  row('Distribution', `${report.distribution.id || 'unknown'} (${report.distribution.mode === 'existing' ? 'existing: the stack sets its x-api-key header' : "the stack's own"})`);
  row('Active key', key
    ? `${key.name} (${key.id}), created ${key.createdDate}, ${key.ageHours} h old${key.overdue ? `, ${paint(output, 'red', 'OVERDUE')}` : ''}${key.enabled ? '' : `, ${paint(output, 'red', 'DISABLED')}`}`
    : 'unknown');
  const unknown = (what: string) => report.unread.some((part) => part.startsWith(what));
  row('Usage plan', unknown('the usage plan') ? 'unknown' : `${report.usagePlanKeys.length} key(s): ${report.usagePlanKeys.map((k) => `${k.name} (${k.id})`).join(', ') || 'none'}`);
  row('Header', fingerprints.header === null || fingerprints.key === null
    ? `CloudFront sends ${fingerprints.header ?? (unknown('the distribution') ? 'unknown' : 'no x-api-key')}, active key is ${fingerprints.key ?? 'unknown'}: not compared`
    : `CloudFront sends ${fingerprints.header}, active key is ${fingerprints.key} (SHA-256 prefixes): ${fingerprints.match ? paint(output, 'green', 'match') : paint(output, 'red', 'MISMATCH')}`);
  row('Last rotation', report.lastRotation ? `${report.lastRotation.outcome} at ${report.lastRotation.time}` : 'none found in recent events');
  row('Clients', report.clients
    ? `GET ${report.clients.url} through CloudFront: ${isRefused(report.clients) ? paint(output, 'red', `${report.clients.status || 'no answer'}, REFUSED`) : paint(output, 'green', String(report.clients.status))}`
    : unknown('what clients get') ? 'unknown' : 'not requested: CloudFront is out of reach of this endpoint (AWS_ENDPOINT_URL is not AWS)');
  output.line();
  if (ROTATING_STATES.has(report.status)) output.line('A rotation is in progress: until it ends, two keys in the usage plan are expected.');
  if (report.healthy) output.line(paint(output, 'green', 'Healthy.'));
  if (report.problems.length > 0) {
    output.line(paint(output, 'red', 'Unhealthy:'));
    for (const problem of report.problems) output.line(`  - ${problem}`);
  }
  if (report.unread.length > 0) {
    output.line(paint(output, 'yellow', 'Unknown: these could not be read, so their part of the report is unknown:'));
    for (const part of report.unread) output.line(`  - ${part}`);
  }
}
