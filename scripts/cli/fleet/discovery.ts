// Finds the rotating stacks of one account and Region by what the template gives them (its
// Timestamp parameter and its outputs), not by name or tag: console-made stacks count too.
import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { missingOwnParts } from '../../../lambda/rotation';
import { describeFailure } from '../failure';
import { type Gauge, mapPool } from './pool';
import type { Target } from './targets';

export async function findRotatingStacks(cloudformation: CloudFormationClient): Promise<string[]> {
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cloudformation.send(new DescribeStacksCommand({ NextToken }));
    for (const stack of page.Stacks ?? []) if (missingOwnParts(stack).length === 0) names.push(stack.StackName ?? '');
    NextToken = page.NextToken;
  } while (NextToken);
  return names.sort();
}

/** A rotating stack found, or an account and Region that could not be read (stack '', and why). */
export type Discovered = Target & ({ stack: string; unreachable?: undefined } | { stack: ''; unreachable: string });

/** The rotating stacks of every target, at most `concurrency` targets read at once. */
export async function discoverFleet(
  targets: Target[],
  cloudformationFor: (target: Target) => CloudFormationClient,
  concurrency: number,
  gauge: Gauge,
): Promise<Discovered[]> {
  const found = await mapPool(targets, concurrency, async (target): Promise<Discovered[]> => {
    try {
      return (await findRotatingStacks(cloudformationFor(target))).map((stack) => ({ ...target, stack }));
    } catch (error) {
      return [{ ...target, stack: '', unreachable: describeFailure(error).message }];
    }
  }, gauge);
  return found.flat();
}
