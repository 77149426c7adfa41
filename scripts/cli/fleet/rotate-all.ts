// `rotate --all`, the emergency rotation: every stack of the fleet (select.ts) rotated now,
// through the same rotation module as the Lambda. First a plan, from one read of each stack: what
// will rotate, what an earlier run already started (followed, not started again), and what is
// skipped (a key already as new as --since, a busy stack) or cannot be (unread). A dry run stops
// there. Then every rotation is started as fast as API Gateway's key quotas allow, none waiting
// for another to end, and all are followed at once (follow-rotations.ts) until each ends or
// --timeout-minutes passes. --concurrency bounds the API calls in flight, not the rotations under
// way: those are bounded only by the fleet. Safe to run again with --since: a stack already rotated
// is skipped, one still rotating is followed, so nothing is rotated twice.
import { StackBusyError } from '../../../lambda/errors';
import { describeRotatableStack, outputOf, rollbackConfiguration, rotateApiKey } from '../../../lambda/rotation';
import { clientRequestTokenFor } from '../../../lambda/timestamp';
import { RotationTimeoutError } from '../errors';
import { describeFailure } from '../failure';
import { type Output, paint } from '../output';
import type { Discovered } from './discovery';
import { type FleetSnapshot, type FollowedRotation, followRotations } from './follow-rotations';
import { type Gauge, mapPool } from './pool';
import type { RegionalClients } from './status-all';
import { alignColumns } from './table';
import type { Target } from './targets';

/**
 * API Gateway allows 5 CreateApiKey, and 5 DeleteApiKey, requests per second per account, not
 * adjustable (Developer Guide, "Amazon API Gateway quotas": the table names no Region), and each
 * rotation creates one key and deletes one: rotations start at most this often per account,
 * across all its Regions.
 */
export const START_INTERVAL_MS = 250;

/** 'rotating': a rotation an earlier run started, still under way: followed, not started again. */
export type RotationState = 'rotated' | 'would rotate' | 'rotating' | 'failed' | 'skipped';

export interface FleetRotation extends Target {
  stack: string;
  stackId?: string;
  state: RotationState;
  detail: string;
  distributionId?: string;
  monitoringMinutes?: number;
}

export interface PlanDependencies {
  clientsFor: (target: Target) => RegionalClients;
  /** The Timestamp every rotation of this run gets. */
  timestamp: string;
  /** Stacks whose Timestamp is this or newer are skipped, or followed while they still rotate. */
  since?: string;
  /** At most this many API calls in flight. */
  concurrency: number;
  gauge?: Gauge;
}

export interface RotateAllDependencies extends PlanDependencies {
  timeoutMs: number;
  now: () => Date;
  sleep: (milliseconds: number) => Promise<void>;
  output: Output;
  pollIntervalMs?: number;
  /** Told once every planned rotation has been started or refused, before following begins. */
  onStarted?: (results: FleetRotation[]) => void;
}

/** A detail that the plan gives a stack skipped by --since: the summary counts them apart. */
const NOT_OLDER = 'is not older than --since';

/** Each stack as it is now: 'would rotate', 'rotating' (an earlier run's), skipped, or failed (unread); nothing is changed. */
export async function planRotations(found: Discovered[], deps: PlanDependencies): Promise<FleetRotation[]> {
  return mapPool(found, deps.concurrency, async (entry): Promise<FleetRotation> => {
    if (entry.unreachable !== undefined) {
      const { unreachable, ...target } = entry;
      return { ...target, state: 'failed', detail: `not read: ${unreachable}` };
    }
    const done = (state: RotationState, detail: string): FleetRotation => ({ ...entry, state, detail });
    try {
      const { stack, previousTimestamp } = await describeRotatableStack(deps.clientsFor(entry).cloudformation, entry.stackId);
      const status = stack.StackStatus ?? '';
      const busy = status.endsWith('_IN_PROGRESS');
      const rollback = rollbackConfiguration(stack) ?? stack.RollbackConfiguration;
      const followed = {
        distributionId: outputOf(stack, 'DistributionId'),
        monitoringMinutes: rollback?.MonitoringTimeInMinutes ?? 0,
      };
      // While an update runs, the stack's parameters are the update's: its Timestamp is where it rotates to.
      if (deps.since && previousTimestamp >= deps.since) {
        return busy && !status.includes('ROLLBACK')
          ? { ...done('rotating', `already rotating to ${previousTimestamp} (${status}): followed, not started again`), ...followed }
          : done('skipped', `key ${previousTimestamp} ${NOT_OLDER}`);
      }
      if (busy) return done('skipped', `busy (${status}): not waited on; run again later`);
      return { ...done('would rotate', `Timestamp ${previousTimestamp} → ${deps.timestamp}`), ...followed };
    } catch (error) {
      return done('failed', describeFailure(error).message);
    }
  }, deps.gauge);
}

/** The plan's counts up front: how many will rotate or be followed, how many --since skips, and the rest. */
export function describePlan(plan: FleetRotation[], since: string | undefined): { rotating: number; notes: string[] } {
  const rotating = plan.filter((r) => r.state === 'would rotate').length;
  const following = plan.filter((r) => r.state === 'rotating').length;
  const already = plan.filter((r) => r.detail.endsWith(NOT_OLDER)).length;
  const others = plan.length - rotating - following - already;
  return {
    rotating,
    notes: [
      ...(following > 0 ? [`${following} still rotating since an earlier run, followed`] : []),
      ...(already > 0 ? [`${already} skipped, already rotated since ${since}`] : []),
      ...(others > 0 ? [`${others} not rotated, busy or unread (see the table at the end)`] : []),
    ],
  };
}

/** Starts what the plan says would rotate, then follows those and the earlier run's until each ends; every other entry is kept as the plan has it. */
export async function rotateAll(plan: FleetRotation[], deps: RotateAllDependencies): Promise<FleetRotation[]> {
  const began = deps.now().getTime();
  const progress = new Progress(plan, began, deps);
  const started = await startAll(plan, deps, progress);
  deps.onStarted?.(started);
  const followed = started.filter((r): r is FleetRotation & FollowedRotation => r.state === 'rotating');
  if (followed.length === 0) return started;
  const ends = await followRotations(followed, {
    cloudformationFor: (target) => deps.clientsFor(target).cloudformation,
    cloudfrontFor: (target) => deps.clientsFor(target).cloudfront,
    concurrency: deps.concurrency,
    now: deps.now,
    sleep: deps.sleep,
    pollIntervalMs: deps.pollIntervalMs,
    deadline: began + deps.timeoutMs,
    onPoll: (snapshot) => progress.poll(snapshot),
  });
  return started.map((entry) => {
    if (entry.state !== 'rotating') return entry;
    const end = ends.get(entry.stackId!);
    if (!end) return { ...entry, state: 'failed', detail: new RotationTimeoutError(entry.stack, deps.timeoutMs).message };
    if (end.succeeded) return { ...entry, state: 'rotated', detail: 'old key deleted' };
    return { ...entry, state: 'failed', detail: `${end.status}: ${end.failures.join(' ') || 'see its events'}` };
  });
}

/**
 * Starts every planned rotation, at most `concurrency` calls in flight, each account's at most one
 * per START_INTERVAL_MS, the accounts taking turns so that none waits on another's pace. Every
 * call names the stack by its stack ID: only the very stack selected is ever updated. The rotation
 * module reads the stack again, and leaves one that a rotation as new has reached since the plan,
 * or that is busy now. Returns the plan with each started rotation as 'rotating'.
 */
async function startAll(plan: FleetRotation[], deps: RotateAllDependencies, progress: Progress): Promise<FleetRotation[]> {
  const nextStart = new Map<string, number>();
  const results = [...plan];
  const order = byTurns(plan.flatMap((entry, index) => (entry.state === 'would rotate' ? [index] : [])), (index) => plan[index].account);
  await mapPool(order, deps.concurrency, async (index) => {
    const entry = plan[index] as FleetRotation & { stackId: string };
    const now = deps.now().getTime();
    const slot = Math.max(now, nextStart.get(entry.account) ?? now);
    nextStart.set(entry.account, slot + START_INTERVAL_MS);
    if (slot > now) await deps.sleep(slot - now);
    results[index] = await startOne(entry, deps);
    progress.started(results[index]);
  }, deps.gauge);
  return results;
}

/** The items reordered so that their groups take turns: a1 b1 a2 b2 a3. */
function byTurns<T>(items: T[], group: (item: T) => string): T[] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(group(item), [...(groups.get(group(item)) ?? []), item]);
  const queues = [...groups.values()];
  const longest = Math.max(0, ...queues.map((queue) => queue.length));
  return Array.from({ length: longest }, (_, turn) => queues.flatMap((queue) => (turn < queue.length ? [queue[turn]] : []))).flat();
}

async function startOne(entry: FleetRotation & { stackId: string }, deps: RotateAllDependencies): Promise<FleetRotation> {
  const done = (state: RotationState, detail: string): FleetRotation => ({ ...entry, state, detail });
  try {
    const outcome = await rotateApiKey(deps.clientsFor(entry).cloudformation, {
      stackName: entry.stackId, timestamp: deps.timestamp, clientRequestToken: clientRequestTokenFor(deps.timestamp), now: deps.timestamp,
    });
    if (outcome.result === 'superseded' || outcome.result === 'unchanged') return done('skipped', `a rotation as new as this one already ran (${outcome.result})`);
    return done('rotating', entry.detail);
  } catch (error) {
    if (error instanceof StackBusyError) return done('skipped', `busy: ${error.message}`);
    return done('failed', describeFailure(error).message);
  }
}

/**
 * The live count for the whole fleet: a line as rotations start (every tenth of them), then after
 * each poll that changed anything: started, deploying, in monitoring, cleaned up (old key
 * deleted), failed, skipped, elapsed, and when the last old key is expected to be deleted.
 */
class Progress {
  private readonly total: number;
  private readonly monitoringMinutes: Map<string, number>;
  private starts: number;
  private failedToStart = 0;
  private skipped = 0;
  private last = '';

  constructor(plan: FleetRotation[], private readonly began: number, private readonly deps: Pick<RotateAllDependencies, 'now' | 'output'>) {
    const rotating = plan.filter((r) => r.state === 'would rotate' || r.state === 'rotating');
    this.total = rotating.length;
    this.starts = plan.filter((r) => r.state === 'rotating').length;
    this.monitoringMinutes = new Map(rotating.map((r) => [r.stackId ?? '', r.monitoringMinutes ?? 0]));
  }

  started(result: FleetRotation): void {
    if (result.state === 'rotating') this.starts += 1;
    else if (result.state === 'skipped') this.skipped += 1;
    else this.failedToStart += 1;
    const handled = this.starts + this.skipped + this.failedToStart;
    if (handled % Math.max(1, Math.ceil(this.total / 10)) === 0 || handled === this.total) {
      this.print(`started ${this.starts}/${this.total}, failed to start ${this.failedToStart}, skipped ${this.skipped}`);
    }
  }

  poll({ phases, monitoringSince, ends }: FleetSnapshot): void {
    const count = (phase: string) => [...phases.values()].filter((p) => p === phase).length;
    const cleaned = [...ends.values()].filter((end) => end.succeeded).length;
    const deploying = count('deploying');
    this.print(
      `started ${this.starts}/${this.total}: deploying ${deploying}, in monitoring ${count('monitoring')}, rolling back ${count('rolling back')}, ` +
        `cleaned up ${cleaned}, failed ${ends.size - cleaned + this.failedToStart}, skipped ${this.skipped}${this.lastKey(deploying, phases, monitoringSince)}`,
    );
  }

  /** When the last old key is expected to go: known once every deployment has ended, from each monitoring period. */
  private lastKey(deploying: number, phases: Map<string, string>, monitoringSince: Map<string, number>): string {
    if (deploying > 0) return `; the last old key goes once ${deploying} more deployment(s) and their monitoring end`;
    const monitoring = [...phases].filter(([, phase]) => phase === 'monitoring').map(([id]) => (monitoringSince.get(id) ?? 0) + (this.monitoringMinutes.get(id) ?? 0) * 60_000);
    if (monitoring.length === 0) return '';
    return `; the last old key is expected to go at about ${new Date(Math.max(...monitoring)).toISOString().slice(11, 19)} UTC`;
  }

  private print(counts: string): void {
    if (counts === this.last) return;
    this.last = counts;
    const elapsed = Math.round((this.deps.now().getTime() - this.began) / 1000);
    this.deps.output.line(`[${elapsed} s] ${counts}`);
  }
}

export function printRotateAll(results: FleetRotation[], output: Output, { dryRun }: { dryRun: boolean }): void {
  const style = { rotated: 'green', 'would rotate': 'green', rotating: 'yellow', failed: 'red', skipped: 'yellow' } as const;
  const rows = [['ACCOUNT', 'REGION', 'STACK', 'RESULT', 'DETAIL'], ...results.map((r) => [r.account, r.region, r.stack || '-', r.state, r.detail])];
  output.line();
  alignColumns(rows).forEach((text, index) => {
    output.line(index === 0 ? paint(output, 'bold', text) : paint(output, style[results[index - 1].state], text));
  });
  const count = (state: RotationState) => results.filter((r) => r.state === state).length;
  const rest = `${count('failed')} failed, ${count('skipped')} skipped`;
  output.line();
  const following = count('rotating') > 0 ? `, follow ${count('rotating')} still rotating` : '';
  output.line(dryRun ? `Would rotate ${count('would rotate')}${following}, ${rest}: a dry run, so nothing changed.` : `${count('rotated')} rotated, ${rest}.`);
}

/** 0 when nothing failed and nothing was left busy; 1 otherwise: run again with the same --since. */
export function rotateAllExitCode(results: FleetRotation[]): number {
  return results.some((r) => r.state === 'failed' || r.detail.startsWith('busy')) ? 1 : 0;
}
