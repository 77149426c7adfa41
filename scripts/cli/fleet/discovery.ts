// Finds the rotating stacks of one account and Region by what the template gives them (its
// Timestamp parameter and its outputs), not by name or tag: console-made stacks count too.
import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { missingOwnParts } from '../deploy-guards';

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
