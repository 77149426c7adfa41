// `status --all`: the status report of every stack of the fleet (select.ts), one line each,
// worst first, then a summary. An account or Region that cannot be read is reported and never
// stops the rest; throttling is retried by the SDK's retry strategy.
import type { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { describeFailure } from '../failure';
import { type Output, paint } from '../output';
import { releaseCell } from '../release';
import { type StatusReport, collectStatus } from '../status';
import type { Discovered } from './discovery';
import { type Gauge, mapPool } from './pool';
import { alignColumns } from './table';
import type { Target } from './targets';

export interface RegionalClients {
  cloudformation: CloudFormationClient;
  apigateway: APIGatewayClient;
  cloudfront: CloudFrontClient;
}

export interface FleetStatusDependencies {
  clientsFor: (target: Target) => RegionalClients;
  scheduleMap: Record<string, { Rate: string }>;
  /** The template release this CLI carries. */
  release: string;
  now: () => Date;
  concurrency: number;
  gauge?: Gauge;
}

export interface FleetStackStatus extends Target {
  /** The stack's name; empty when the account or Region itself could not be read. */
  stack: string;
  stackId?: string;
  report?: StatusReport;
  /** Why the stack, or the whole account and Region, could not be read. */
  unreachable?: string;
}

export type Health = 'unhealthy' | 'unreachable' | 'healthy';

export function healthOf({ report, unreachable }: FleetStackStatus): Health {
  if (report && report.problems.length > 0) return 'unhealthy';
  if (unreachable !== undefined || (report && report.unread.length > 0)) return 'unreachable';
  return 'healthy';
}

const RANK: Record<Health, number> = { unhealthy: 0, unreachable: 1, healthy: 2 };

export async function collectFleetStatus(found: Discovered[], deps: FleetStatusDependencies): Promise<FleetStackStatus[]> {
  const stacks = await mapPool(found, deps.concurrency, async (entry): Promise<FleetStackStatus> => {
    if (entry.unreachable !== undefined) return entry;
    try {
      // By name, in the account and Region of its stack ID: the report matches its stack's own
      // events by name.
      return { ...entry, report: await collectStatus(entry.stack, { ...deps.clientsFor(entry), scheduleMap: deps.scheduleMap, release: deps.release, now: deps.now }) };
    } catch (error) {
      return { ...entry, unreachable: describeFailure(error, { readOnly: true }).message };
    }
  }, deps.gauge);
  return stacks.sort((a, b) => RANK[healthOf(a)] - RANK[healthOf(b)] || `${a.account} ${a.region} ${a.stack}`.localeCompare(`${b.account} ${b.region} ${b.stack}`));
}

/** Like `status` for one stack: 1 if any stack is unhealthy, else 2 if any is unknown, else 0. */
export function fleetExitCode(stacks: FleetStackStatus[]): number {
  const healths = new Set(stacks.map(healthOf));
  return healths.has('unhealthy') ? 1 : healths.has('unreachable') ? 2 : 0;
}

const HEADINGS = ['ACCOUNT', 'REGION', 'STACK', 'STATE', 'RELEASE', 'DISTRIBUTION', 'SCHEDULE', 'KEY AGE', 'OVERDUE', 'PLAN KEYS', 'HEADER', 'LAST ROTATION'];

function columns({ account, region, stack, report }: FleetStackStatus): string[] {
  if (!report) return [account, region, stack || '-', 'UNREACHABLE', '', '', '', '', '', '', '', ''];
  const key = report.activeKey;
  const { key: keyPrint, header, match } = report.fingerprints;
  return [
    account, region, stack, report.status, releaseCell(report.release), report.distribution.mode, report.schedule.name,
    key ? `${Math.floor(key.ageHours / 24)}d ${key.ageHours % 24}h` : '?',
    key ? (key.overdue ? 'yes' : 'no') : '?',
    String(report.usagePlanKeys.length),
    keyPrint === null || header === null ? '?' : match ? 'match' : 'MISMATCH',
    report.lastRotation ? `${report.lastRotation.outcome} ${report.lastRotation.time.slice(0, 16)}` : '-',
  ];
}

export function printFleetStatus(stacks: FleetStackStatus[], output: Output): void {
  const style = { unhealthy: 'red', unreachable: 'yellow', healthy: 'green' } as const;
  alignColumns([HEADINGS, ...stacks.map(columns)]).forEach((text, index) => {
    output.line(index === 0 ? paint(output, 'bold', text) : paint(output, style[healthOf(stacks[index - 1])], text));
  });
  const count = (health: Health) => stacks.filter((s) => healthOf(s) === health).length;
  output.line();
  output.line(`${count('healthy')} healthy, ${count('unhealthy')} unhealthy, ${count('unreachable')} unreachable.`);
  const outdated = stacks.filter((s) => s.report?.release.outdated).length;
  if (outdated > 0) output.line(`${outdated} of ${stacks.filter((s) => s.report).length} run an older template than this CLI's ${stacks.find((s) => s.report)!.report!.release.carried}: upgrade each with \`deploy --stack-name NAME\` in its account and Region (a StackSet's with \`deploy --stack-set NAME\`).`);
  const newer = stacks.filter((s) => s.report?.release.newer).length;
  if (newer > 0) output.line(`${newer} run a newer template than this CLI's: upgrade the CLI before deploying to them.`);
  for (const entry of stacks) {
    const where = `${entry.account} ${entry.region}${entry.stack ? ` ${entry.stack}` : ''}`;
    const health = healthOf(entry);
    if (health === 'healthy') continue;
    const reasons = entry.unreachable !== undefined ? [entry.unreachable] : health === 'unhealthy' ? entry.report!.problems : entry.report!.unread.map((part) => `could not read ${part}`);
    output.line(`  ${paint(output, style[health], health)} ${where}: ${reasons.join(' ')}`);
  }
}

/** `--json`: one JSON object per stack and line, worst first. */
export function fleetStatusJson(stacks: FleetStackStatus[]): string[] {
  return stacks.map((entry) => JSON.stringify({ ...entry, health: healthOf(entry) }));
}
