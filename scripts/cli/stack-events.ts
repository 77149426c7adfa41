// Follows a stack operation until it ends, printing each new stack event once, oldest first, with
// a done/total resource counter. Modelled on AWS CDK's stack activity monitor: poll
// DescribeStackEvents, keep only this operation's events, deduplicate by event ID.
import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { describeStack, translateError } from '../../lambda/rotation';
import { OperationFailedError } from './errors';
import { type Output, type Style, paint } from './output';

export interface FollowOptions {
  cloudformation: CloudFormationClient;
  stackName: string;
  /** The stack's ID, to follow it by: a deleted stack is found by its ID only. */
  stackId?: string;
  /** The operation's ClientRequestToken: its events carry it. */
  clientRequestToken?: string;
  /** When the operation was started; older events belong to earlier operations. */
  since: Date;
  sleep: (milliseconds: number) => Promise<void>;
  output: Output;
  pollIntervalMs?: number;
}

export interface FollowResult {
  status: string;
  succeeded: boolean;
  /** Each failed resource's status and reason, for the user. */
  failures: string[];
  /** The types of the resources this operation touched. */
  touchedTypes: Set<string>;
}

const SUCCESS = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE', 'DELETE_COMPLETE']);

/**
 * Counts resources done out of those this operation has touched so far. A resource is done when
 * it first completes; while the stack rolls back, each completion undoes one, so a rollback
 * counts down.
 */
export class ProgressCounter {
  private readonly done = new Set<string>();
  private readonly seen = new Set<string>();
  private rollingBack = false;

  constructor(private readonly stackName: string) {}

  record(event: StackEvent): void {
    const id = event.LogicalResourceId ?? '';
    const status = event.ResourceStatus ?? '';
    if (isStackEvent(event, this.stackName)) {
      if (status.includes('ROLLBACK')) this.rollingBack = true;
      return;
    }
    this.seen.add(id);
    if (!status.endsWith('_COMPLETE')) return;
    if (this.rollingBack) this.done.delete(id);
    else this.done.add(id);
  }

  get label(): string {
    return `${this.done.size}/${this.seen.size}`;
  }
}

export async function followStackOperation(options: FollowOptions): Promise<FollowResult> {
  const { cloudformation, stackName, output, sleep, pollIntervalMs = 5000 } = options;
  const seen = new Set<string>();
  const counter = new ProgressCounter(stackName);
  const failures: string[] = [];
  const touchedTypes = new Set<string>();
  for (;;) {
    // Status first, events second: every event up to a final status is then already visible,
    // so an operation that has ended by the first poll is still printed in full.
    const status = (await describeStack(cloudformation, options.stackId ?? stackName)).StackStatus ?? '';
    for (const event of await newEvents(options, seen)) {
      counter.record(event);
      if (!isStackEvent(event, stackName)) touchedTypes.add(event.ResourceType ?? '');
      output.line(formatEvent(output, event, counter.label));
      if (event.ResourceStatus?.endsWith('_FAILED') && event.ResourceStatusReason) {
        failures.push(`${event.LogicalResourceId} ${event.ResourceStatus}: ${event.ResourceStatusReason}`);
      }
    }
    if (!status.endsWith('_IN_PROGRESS')) return { status, succeeded: SUCCESS.has(status), failures, touchedTypes };
    await sleep(pollIntervalMs);
  }
}

/** Follows the operation, and fails with its failed resources unless it succeeded. */
export async function followToSuccess(options: FollowOptions): Promise<FollowResult> {
  const result = await followStackOperation(options);
  if (!result.succeeded) throw new OperationFailedError(options.stackName, result.status, result.failures);
  return result;
}

/** The stack's events, newest first, a page at a time: callers stop reading once they have enough. */
export async function* stackEventPages(cloudformation: CloudFormationClient, stackName: string): AsyncGenerator<StackEvent[]> {
  let nextToken: string | undefined;
  do {
    const page = await cloudformation
      .send(new DescribeStackEventsCommand({ StackName: stackName, NextToken: nextToken }))
      .catch((error) => Promise.reject(translateError(error, stackName)));
    yield page.StackEvents ?? [];
    nextToken = page.NextToken;
  } while (nextToken);
}

/** This operation's events not printed yet, oldest first. Reads pages until older events. */
async function newEvents({ cloudformation, stackName, stackId, clientRequestToken, since }: FollowOptions, seen: Set<string>) {
  const fresh: StackEvent[] = [];
  for await (const page of stackEventPages(cloudformation, stackId ?? stackName)) {
    for (const event of page) {
      if (seen.has(event.EventId ?? '')) return record(fresh, seen);
      const older = (event.Timestamp?.getTime() ?? 0) < since.getTime();
      // The token identifies the operation even across clock skew; without one, time must do.
      const ours = clientRequestToken && event.ClientRequestToken ? event.ClientRequestToken === clientRequestToken : !older;
      if (ours) fresh.push(event);
      else if (older) return record(fresh, seen);
    }
  }
  return record(fresh, seen);
}

function record(fresh: StackEvent[], seen: Set<string>): StackEvent[] {
  for (const event of fresh) seen.add(event.EventId ?? '');
  return fresh.reverse();
}

function isStackEvent(event: StackEvent, stackName: string): boolean {
  return event.ResourceType === 'AWS::CloudFormation::Stack' && event.LogicalResourceId === stackName;
}

function styleOf(status: string): Style {
  if (status.endsWith('_FAILED') || status.includes('ROLLBACK')) return 'red';
  if (status.endsWith('_COMPLETE')) return 'green';
  return 'yellow';
}

export function formatEvent(output: Output, event: StackEvent, progress: string): string {
  const time = event.Timestamp?.toISOString().slice(11, 19) ?? '--:--:--';
  const status = event.ResourceStatus ?? '';
  const reason = event.ResourceStatusReason ? `  ${paint(output, 'dim', event.ResourceStatusReason)}` : '';
  return `${time}  ${`[${progress}]`.padEnd(7)}  ${paint(output, styleOf(status), status.padEnd(36))}  ${event.ResourceType ?? ''}  ${event.LogicalResourceId ?? ''}${reason}`;
}
