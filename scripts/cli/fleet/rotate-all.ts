// `rotate --all`, the emergency rotation: every stack of the fleet (select.ts) rotated now,
// through the same rotation module as the Lambda, with bounded concurrency. Safe to run again:
// with --since, a stack whose key is already newer is skipped, so a second run after an
// interruption finishes the job without rotating anything twice. A busy or failed stack is
// reported and skipped, and no rotation is followed past --timeout-minutes.
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

export interface RotateAllDependencies {
  clientsFor: (target: Target) => RegionalClients;
  /** The Timestamp every rotation of this run gets. */
  timestamp: string;
  /** Stacks whose Timestamp is this or newer are skipped. */
  since?: string;
  dryRun: boolean;
  concurrency: number;
  timeoutMs: number;
  now: () => Date;
  sleep: (milliseconds: number) => Promise<void>;
  output: Output;
  gauge?: Gauge;
}

export async function rotateAll(found: Discovered[], deps: RotateAllDependencies): Promise<FleetRotation[]> {
  const progress = new Progress(found.length, deps);
  const nextStart = new Map<string, number>();
  return mapPool(found, deps.concurrency, async (entry) => {
    if (entry.unreachable !== undefined) {
      const { unreachable, ...target } = entry;
      return progress.finish({ ...target, state: 'failed', detail: `not read: ${unreachable}` }, false);
    }
    let started = false;
    const result = await rotateOne({ ...entry, state: 'skipped', detail: '' }, deps, async () => {
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

/** Every call names the stack by its stack ID: only the very stack selected is ever updated. */
async function rotateOne(entry: FleetRotation & { stackId: string }, deps: RotateAllDependencies, beforeStart: () => Promise<void>): Promise<FleetRotation> {
  const { cloudformation } = deps.clientsFor(entry);
  const done = (state: RotationState, detail: string): FleetRotation => ({ ...entry, state, detail });
  try {
    const { stack, previousTimestamp } = await describeRotatableStack(cloudformation, entry.stackId);
    if (deps.since && previousTimestamp >= deps.since) return done('skipped', `key ${previousTimestamp} is not older than --since`);
    const status = stack.StackStatus ?? '';
    if (status.endsWith('_IN_PROGRESS')) return done('skipped', `busy (${status}): not waited on; run again later`);
    if (deps.dryRun) return done('would rotate', `Timestamp ${previousTimestamp} → ${deps.timestamp}`);
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
    return result.succeeded ? done('rotated', `Timestamp ${previousTimestamp} → ${deps.timestamp}`) : done('failed', `${result.status}: ${result.failures.join(' ') || 'see its events'}`);
  } catch (error) {
    if (error instanceof StackBusyError) return done('skipped', `busy: ${error.message}`);
    return done('failed', describeFailure(error).message);
  }
}

/** The live count: a line each time a stack starts or ends. */
class Progress {
  private readonly counts: Record<RotationState, number> = { rotated: 0, 'would rotate': 0, failed: 0, skipped: 0 };
  private running = 0;
  private readonly started: number;

  constructor(private readonly total: number, private readonly deps: Pick<RotateAllDependencies, 'now' | 'output' | 'dryRun'>) {
    this.started = deps.now().getTime();
  }

  start(): void {
    this.running += 1;
    this.print();
  }

  finish(result: FleetRotation, started: boolean): FleetRotation {
    if (started) this.running -= 1;
    this.counts[result.state] += 1;
    this.print();
    return result;
  }

  private print(): void {
    const { rotated, 'would rotate': wouldRotate, failed, skipped } = this.counts;
    const elapsed = Math.round((this.deps.now().getTime() - this.started) / 1000);
    // A dry run starts nothing: it has nothing running, and nothing done.
    const doing = this.deps.dryRun ? `would rotate ${wouldRotate}` : `done ${rotated}, running ${this.running}`;
    this.deps.output.line(`[${rotated + wouldRotate + failed + skipped}/${this.total}] ${doing}, failed ${failed}, skipped ${skipped}, ${elapsed} s`);
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
