// Follows many started rotations at once, cheaply. Per poll: one ListStacks per account and
// Region, filtered to the statuses of an update still under way (a stack missing from it has
// ended), and, while any of an account's stacks is still before its monitoring period, one
// ListDistributions per account (CloudFront is global) to tell a distribution still deploying from
// one deployed. A stack's own DescribeStacks and events are read once, when its rotation has ended,
// for its final status and the failures to report. No call per stack per poll.
import { type CloudFormationClient, ListStacksCommand, type StackStatus, type StackSummary } from '@aws-sdk/client-cloudformation';
import { type CloudFrontClient, type DistributionSummary, ListDistributionsCommand } from '@aws-sdk/client-cloudfront';
import { describeStack } from '../../../lambda/rotation';
import { describeFailure, isThrottling } from '../failure';
import { stackEventPages } from '../stack-events';
import { mapPool } from './pool';
import type { Target } from './targets';

/** Where a rotation is: before its distribution is deployed, in its monitoring period or cleanup, rolling back, or ended. */
export type Phase = 'deploying' | 'monitoring' | 'rolling back' | 'ended';

export interface FollowedRotation extends Target {
  stack: string;
  stackId: string;
  /** The distribution the stack's header lives on (its DistributionId output). */
  distributionId?: string;
}

export interface RotationEnd {
  succeeded: boolean;
  /** The final status, and each failed resource's status and reason, as CloudFormation gives them. */
  status: string;
  failures: string[];
}

/** Where each rotation is, by stack ID. */
export interface FleetSnapshot {
  phases: Map<string, Phase>;
  /** When each stack was first seen in its monitoring period (approximately: the poll that saw it). */
  monitoringSince: Map<string, number>;
  ends: Map<string, RotationEnd>;
}

export interface FollowDependencies {
  cloudformationFor: (target: Target) => CloudFormationClient;
  cloudfrontFor: (target: Target) => CloudFrontClient;
  /** At most this many calls in flight. */
  concurrency: number;
  now: () => Date;
  sleep: (milliseconds: number) => Promise<void>;
  pollIntervalMs?: number;
  /** Following stops at this time; the rotations still under way are left to CloudFormation. */
  deadline: number;
  /** Called after every poll, with where each rotation is. */
  onPoll: (snapshot: FleetSnapshot) => void;
}

// User Guide, "Stack status codes": every status of an update that has not ended yet.
const UNDER_WAY: StackStatus[] = [
  'UPDATE_IN_PROGRESS',
  'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
  'UPDATE_ROLLBACK_IN_PROGRESS',
  'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
];

/** Polls until every rotation has ended or the deadline passes; resolves with each ended rotation's end, by stack ID. */
export async function followRotations(rotations: FollowedRotation[], deps: FollowDependencies): Promise<Map<string, RotationEnd>> {
  const { pollIntervalMs = 5000 } = deps;
  const snapshot: FleetSnapshot = { phases: new Map(rotations.map((r) => [r.stackId, 'deploying'])), monitoringSince: new Map(), ends: new Map() };
  const { ends } = snapshot;
  for (;;) {
    const open = rotations.filter((r) => !ends.has(r.stackId));
    const { read, unreadable, summaries } = await underWay(open, deps);
    for (const rotation of open.filter((r) => unreadable.has(placeKey(r)))) {
      ends.set(rotation.stackId, { succeeded: false, status: 'not followed', failures: [`ListStacks failed: ${unreadable.get(placeKey(rotation))}`] });
      snapshot.phases.set(rotation.stackId, 'ended');
    }
    const ended = open.filter((r) => read.has(placeKey(r)) && !summaries.has(r.stackId));
    const deploying = open.filter((r) => summaries.get(r.stackId)?.StackStatus === 'UPDATE_IN_PROGRESS' && snapshot.phases.get(r.stackId) === 'deploying');
    const distributions = await deployedSince(deploying, summaries, deps);
    const now = deps.now().getTime();
    for (const rotation of open) {
      const status = summaries.get(rotation.stackId)?.StackStatus;
      if (status === 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS' || (status === 'UPDATE_IN_PROGRESS' && distributions.has(rotation.stackId))) {
        if (!snapshot.monitoringSince.has(rotation.stackId)) snapshot.monitoringSince.set(rotation.stackId, now);
        snapshot.phases.set(rotation.stackId, 'monitoring');
      } else if (status?.startsWith('UPDATE_ROLLBACK')) {
        snapshot.phases.set(rotation.stackId, 'rolling back');
      }
    }
    await mapPool(ended, deps.concurrency, async (rotation) => {
      ends.set(rotation.stackId, await endOf(deps.cloudformationFor(rotation), rotation.stackId));
      snapshot.phases.set(rotation.stackId, 'ended');
    });
    deps.onPoll(snapshot);
    if (ends.size === rotations.length || deps.now().getTime() + pollIntervalMs > deps.deadline) return ends;
    await deps.sleep(pollIntervalMs);
  }
}

const placeKey = ({ account, region }: Target) => `${account}/${region}`;

/**
 * The summaries of the stacks whose update is under way, by stack ID, in each place with an open
 * rotation; which places were read, and which cannot be (denied, say), with why. A place still
 * throttled after the SDK's retries is read again at the next poll.
 */
async function underWay(open: FollowedRotation[], deps: FollowDependencies) {
  const places = [...new Map(open.map((r) => [placeKey(r), { account: r.account, region: r.region }])).values()];
  const summaries = new Map<string, StackSummary>();
  const read = new Set<string>();
  const unreadable = new Map<string, string>();
  await mapPool(places, deps.concurrency, async (place) => {
    try {
      let NextToken: string | undefined;
      do {
        const page = await deps.cloudformationFor(place).send(new ListStacksCommand({ StackStatusFilter: UNDER_WAY, NextToken }));
        for (const summary of page.StackSummaries ?? []) summaries.set(summary.StackId ?? '', summary);
        NextToken = page.NextToken;
      } while (NextToken);
      read.add(placeKey(place));
    } catch (error) {
      if (!isThrottling(error)) unreadable.set(placeKey(place), describeFailure(error).message);
    }
  });
  return { read, unreadable, summaries };
}

/**
 * The stack IDs among `deploying` whose distribution has been changed since their update began
 * and is Deployed: the header is on every edge, and the monitoring period has begun. A
 * distribution's LastModifiedTime is its latest change (CloudFront API Reference,
 * DistributionSummary); the stack's LastUpdatedTime is when its update began.
 */
async function deployedSince(deploying: FollowedRotation[], summaries: Map<string, StackSummary>, deps: FollowDependencies): Promise<Set<string>> {
  const accounts = [...new Map(deploying.filter((r) => r.distributionId).map((r) => [r.account, r])).values()];
  const distributions = new Map<string, DistributionSummary>();
  await mapPool(accounts, deps.concurrency, async (rotation) => {
    try {
      let Marker: string | undefined;
      do {
        const { DistributionList: list } = await deps.cloudfrontFor(rotation).send(new ListDistributionsCommand({ Marker }));
        for (const item of list?.Items ?? []) distributions.set(`${rotation.account}/${item.Id}`, item);
        Marker = list?.IsTruncated ? list.NextMarker : undefined;
      } while (Marker);
    } catch {
      // Denied or throttled: the phase stays "deploying" until a later poll, or the end, tells.
    }
  });
  const deployed = new Set<string>();
  for (const rotation of deploying) {
    const distribution = distributions.get(`${rotation.account}/${rotation.distributionId}`);
    const began = summaries.get(rotation.stackId)?.LastUpdatedTime?.getTime() ?? Infinity;
    if (distribution?.Status === 'Deployed' && (distribution.LastModifiedTime?.getTime() ?? 0) >= began) deployed.add(rotation.stackId);
  }
  return deployed;
}

/**
 * The rotation's end: the stack's status, and the failures among its latest operation's events,
 * newest first back to the operation's start. An update can end UPDATE_COMPLETE with its cleanup
 * failed (DELETE_FAILED: the old key left in the usage plan), which is no success after a leak.
 */
async function endOf(cloudformation: CloudFormationClient, stackId: string): Promise<RotationEnd> {
  try {
    const stack = await describeStack(cloudformation, stackId);
    const status = stack.StackStatus ?? '';
    const failures: string[] = [];
    pages: for await (const page of stackEventPages(cloudformation, stackId)) {
      for (const event of page) {
        const own = event.PhysicalResourceId === stackId;
        if (own && event.ResourceStatus === 'UPDATE_IN_PROGRESS') break pages;
        if (!own && event.ResourceStatus?.endsWith('_FAILED') && event.ResourceStatusReason) {
          failures.unshift(`${event.LogicalResourceId} ${event.ResourceStatus}: ${event.ResourceStatusReason}`);
        }
      }
    }
    return { succeeded: status === 'UPDATE_COMPLETE' && failures.length === 0, status, failures };
  } catch (error) {
    return { succeeded: false, status: 'unread', failures: [describeFailure(error).message] };
  }
}
