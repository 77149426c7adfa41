// Finds the rotating stacks of one account and Region by what the template gives them (its
// Timestamp parameter and its outputs), not by name or tag: console-made stacks count too.
import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { missingOwnParts } from '../../../lambda/rotation';
import { describeFailure } from '../failure';
import { type Gauge, mapPool } from './pool';
import { placeOf } from './stack-id';
import type { Target } from './targets';

export interface FoundStack {
  stack: string;
  stackId: string;
}

export async function findRotatingStacks(cloudformation: CloudFormationClient): Promise<FoundStack[]> {
  const found: FoundStack[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cloudformation.send(new DescribeStacksCommand({ NextToken }));
    for (const stack of page.Stacks ?? []) if (missingOwnParts(stack).length === 0) found.push({ stack: stack.StackName ?? '', stackId: stack.StackId ?? '' });
    NextToken = page.NextToken;
  } while (NextToken);
  return found.sort((a, b) => a.stack.localeCompare(b.stack));
}

/**
 * A stack of the fleet, in the account and Region its stack ID names, or a place (or a StackSet
 * instance) with no stack to read: stack '', and why.
 */
export type Discovered = Target & ({ stack: string; stackId: string; unreachable?: undefined } | { stack: ''; stackId?: undefined; unreachable: string });

/** The rotating stacks of every target, each once, at most `concurrency` targets read at once. */
export async function discoverFleet(
  targets: Target[],
  cloudformationFor: (target: Target) => CloudFormationClient,
  concurrency: number,
  gauge: Gauge,
): Promise<Discovered[]> {
  const found = await mapPool(targets, concurrency, async (target): Promise<Discovered[]> => {
    try {
      return (await findRotatingStacks(cloudformationFor(target))).map(({ stack, stackId }) => {
        const { account, region } = placeOf(stackId) ?? target;
        return { account, region, stack, stackId };
      });
    } catch (error) {
      return [{ ...target, stack: '', unreachable: describeFailure(error).message }];
    }
  }, gauge);
  // An account or Region given twice finds its stacks twice.
  const seen = new Set<string>();
  return found.flat().filter((entry) => entry.unreachable !== undefined || (!seen.has(entry.stackId) && Boolean(seen.add(entry.stackId))));
}
