// Stack states that only an operator meets (the rotation Lambda cannot exist in them), refused
// before the rotation module's own checks so that the message names the real reason and remedy.
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { describeStack } from '../../lambda/rotation';
import { StackCreationFailedError, StackNotCreatedError } from './errors';

export function refuseUncreated(stackName: string, status: string): void {
  if (status === 'REVIEW_IN_PROGRESS') throw new StackNotCreatedError(stackName);
  if (status === 'ROLLBACK_COMPLETE') throw new StackCreationFailedError(stackName);
}

export async function refuseUncreatedStack(cloudformation: CloudFormationClient, stackName: string): Promise<void> {
  refuseUncreated(stackName, (await describeStack(cloudformation, stackName)).StackStatus ?? '');
}
