// `rotate --all`, the emergency rotation: every stack of the fleet (select.ts) rotated now,
// through the same rotation module as the Lambda, with bounded concurrency. First a plan, from
// one read of each stack: what will rotate, and what is skipped (a key already as new as --since,
// a busy stack) or cannot be (unread). A dry run stops there. Safe to run again: with --since, a
// stack whose key is already newer is skipped, so a second run after an interruption finishes the
// job without rotating anything twice. No rotation is followed past --timeout-minutes.
import { StackBusyError } from '../../../lambda/errors';
import { describeRotatableStack, rotateApiKey } from '../../../lambda/rotation';
import { clientRequestTokenFor } from '../../../lambda/timestamp';
import { RotationTimeoutError } from '../errors';
import { describeFailure } from '../failure';
import { type Output, paint } from '../output';
import { followStackOperation } from '../stack-events';
import type { Discovered } from './discovery';
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

export type RotationState = 'rotated' | 'would rotate' | 'failed' | 'skipped';

export interface FleetRotation extends Target {
  stack: string;
  stackId?: string;
  state: RotationState;
  detail: string;
}

export interface PlanDependencies {
  clientsFor: (target: Target) => RegionalClients;
  /** The Timestamp every rotation of this run gets. */
  timestamp: string;
  /** Stacks whose Timestamp is this or newer are skipped. */
  since?: string;
  concurrency: number;
  gauge?: Gauge;
}

export interface RotateAllDependencies extends PlanDependencies {
  timeoutMs: number;
  now: () => Date;
  sleep: (milliseconds: number) => Promise<void>;
  output: Output;
}

/** A detail that the plan gives a stack skipped by --since: the summary counts them apart. */
const NOT_OLDER = 'is not older than --since';

/** Each stack as it is now: 'would rotate', skipped, or failed (unread); nothing is changed. */
export async function planRotations(found: Discovered[], deps: PlanDependencies): Promise<FleetRotation[]> {
  return mapPool(found, deps.concurrency, async (entry): Promise<FleetRotation> => {
    if (entry.unreachable !== undefined) {
      const { unreachable, ...target } = entry;
      return { ...target, state: 'failed', detail: `not read: ${unreachable}` };
    }
    const done = (state: RotationState, detail: string): FleetRotation => ({ ...entry, state, detail });
    try {
      const { stack, previousTimestamp } = await describeRotatableStack(deps.clientsFor(entry).cloudformation, entry.stackId);
      if (deps.since && previousTimestamp >= deps.since) return done('skipped', `key ${previousTimestamp} ${NOT_OLDER}`);
      const status = stack.StackStatus ?? '';
      if (status.endsWith('_IN_PROGRESS')) return done('skipped', `busy (${status}): not waited on; run again later`);
      return done('would rotate', `Timestamp ${previousTimestamp} → ${deps.timestamp}`);
    } catch (error) {
      return done('failed', describeFailure(error).message);
    }
  }, deps.gauge);
}

/** The plan's counts up front: how many will rotate, how many --since skips, and the rest. */
export function describePlan(plan: FleetRotation[], since: string | undefined): { rotating: number; notes: string[] } {
  const rotating = plan.filter((r) => r.state === 'would rotate').length;
  const already = plan.filter((r) => r.detail.endsWith(NOT_OLDER)).length;
  const others = plan.length - rotating - already;
  return {
    rotating,
    notes: [
      ...(already > 0 ? [`${already} skipped, already rotated since ${since}`] : []),
      ...(others > 0 ? [`${others} not rotated, busy or unread (see the table at the end)`] : []),
    ],
  };
}

/** Rotates what the plan says would rotate; every other entry is kept as the plan has it. */
export async function rotateAll(plan: FleetRotation[], deps: RotateAllDependencies): Promise<FleetRotation[]> {
  const progress = new Progress(plan.filter((r) => r.state === 'would rotate').length, deps);
  const nextStart = new Map<string, number>();
  return mapPool(plan, deps.concurrency, async (entry) => {
    if (entry.state !== 'would rotate') return entry;
    let started = false;
    const result = await rotateOne(entry as FleetRotation & { stackId: string }, deps, async () => {
      // The next free start slot of this account.
      const now = deps.now().getTime();
      const slot = Math.max(now, nextStart.get(entry.account) ?? now);
      nextStart.set(entry.account, slot + START_INTERVAL_MS);
      if (slot > now) await deps.sleep(slot - now);
      started = true;
      progress.start();
    });
    return progress.finish(result, started);
  }, deps.gauge);
}

/**
 * Every call names the stack by its stack ID: only the very stack selected is ever updated. The
 * rotation module reads the stack again, and leaves one that a rotation as new has reached since
 * the plan, or that is busy now.
 */
async function rotateOne(entry: FleetRotation & { stackId: string }, deps: RotateAllDependencies, beforeStart: () => Promise<void>): Promise<FleetRotation> {
  const { cloudformation } = deps.clientsFor(entry);
  const done = (state: RotationState, detail: string): FleetRotation => ({ ...entry, state, detail });
  try {
    await beforeStart();
    const startedAt = deps.now();
    const clientRequestToken = clientRequestTokenFor(deps.timestamp);
    const outcome = await rotateApiKey(cloudformation, { stackName: entry.stackId, timestamp: deps.timestamp, clientRequestToken, now: deps.timestamp });
    if (outcome.result === 'superseded' || outcome.result === 'unchanged') return done('skipped', `a rotation as new as this one already ran (${outcome.result})`);
    const deadline = startedAt.getTime() + deps.timeoutMs;
    const result = await followStackOperation({
      cloudformation, stackName: entry.stackId, clientRequestToken, since: startedAt, output: { ...deps.output, line: () => undefined },
      sleep: async (ms) => {
        if (deps.now().getTime() > deadline) throw new RotationTimeoutError(entry.stack, deps.timeoutMs);
        await deps.sleep(ms);
      },
    });
    return result.succeeded ? done('rotated', entry.detail) : done('failed', `${result.status}: ${result.failures.join(' ') || 'see its events'}`);
  } catch (error) {
    if (error instanceof StackBusyError) return done('skipped', `busy: ${error.message}`);
    return done('failed', describeFailure(error).message);
  }
}

/** The live count: a line each time a stack starts or ends. */
class Progress {
  private readonly counts: Record<Exclude<RotationState, 'would rotate'>, number> = { rotated: 0, failed: 0, skipped: 0 };
  private running = 0;
  private readonly started: number;

  constructor(private readonly total: number, private readonly deps: Pick<RotateAllDependencies, 'now' | 'output'>) {
    this.started = deps.now().getTime();
  }

  start(): void {
    this.running += 1;
    this.print();
  }

  finish(result: FleetRotation, started: boolean): FleetRotation {
    if (started) this.running -= 1;
    this.counts[result.state as keyof Progress['counts']] += 1;
    this.print();
    return result;
  }

  private print(): void {
    const { rotated, failed, skipped } = this.counts;
    const elapsed = Math.round((this.deps.now().getTime() - this.started) / 1000);
    this.deps.output.line(`[${rotated + failed + skipped}/${this.total}] done ${rotated}, running ${this.running}, failed ${failed}, skipped ${skipped}, ${elapsed} s`);
  }
}

export function printRotateAll(results: FleetRotation[], output: Output, { dryRun }: { dryRun: boolean }): void {
  const style = { rotated: 'green', 'would rotate': 'green', failed: 'red', skipped: 'yellow' } as const;
  const rows = [['ACCOUNT', 'REGION', 'STACK', 'RESULT', 'DETAIL'], ...results.map((r) => [r.account, r.region, r.stack || '-', r.state, r.detail])];
  output.line();
  alignColumns(rows).forEach((text, index) => {
    output.line(index === 0 ? paint(output, 'bold', text) : paint(output, style[results[index - 1].state], text));
  });
  const count = (state: RotationState) => results.filter((r) => r.state === state).length;
  const rest = `${count('failed')} failed, ${count('skipped')} skipped`;
  output.line();
  output.line(dryRun ? `Would rotate ${count('would rotate')}, ${rest}: a dry run, so nothing changed.` : `${count('rotated')} rotated, ${rest}.`);
}

/** 0 when nothing failed and nothing was left busy; 1 otherwise: run again with the same --since. */
export function rotateAllExitCode(results: FleetRotation[]): number {
  return results.some((r) => r.state === 'failed' || r.detail.startsWith('busy')) ? 1 : 0;
}
