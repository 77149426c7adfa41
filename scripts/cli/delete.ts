// `delete`: removes a stack of this template, following it to the end, then its companion
// service-role stack, which must outlive it: CloudFormation deletes a stack with its service role.
// Anything else (another template's stack, a busy one) is refused before anything changes.
import { type CloudFormationClient, DeleteStackCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { StackBusyError, StackNotFoundError } from '../../lambda/errors';
import { checkOwnStack, describeStack, translateError } from '../../lambda/rotation';
import { timestampFrom } from '../../lambda/timestamp';
import type { Output } from './output';
import { serviceRoleStackName } from './service-role';
import { followToSuccess } from './stack-events';

export interface DeleteDependencies {
  cloudformation: CloudFormationClient;
  now: () => Date;
  sleep: (milliseconds: number) => Promise<void>;
  output: Output;
}

export async function deleteStack(stackName: string, deps: DeleteDependencies): Promise<void> {
  const { cloudformation, now } = deps;
  const stack = await describeStack(cloudformation, stackName);
  checkOwnStack(stack);
  const status = stack.StackStatus ?? '';
  if (status.endsWith('_IN_PROGRESS')) throw new StackBusyError(stackName, status);
  const companion = stack.RoleARN ? await describeStack(cloudformation, serviceRoleStackName(stackName)).catch(notFound) : undefined;

  const clientRequestToken = `delete-${timestampFrom(now())}`;
  await deleteAndFollow(stack, clientRequestToken, deps);
  if (companion) await deleteAndFollow(companion, `${clientRequestToken}-role`, deps);
}

async function deleteAndFollow(stack: Stack, clientRequestToken: string, deps: DeleteDependencies): Promise<void> {
  const { cloudformation, now, output } = deps;
  const stackName = stack.StackName ?? '';
  const since = now();
  output.line(`Deleting stack ${stackName} …`);
  await cloudformation.send(new DeleteStackCommand({ StackName: stack.StackId, ClientRequestToken: clientRequestToken })).catch((error) => Promise.reject(translateError(error, stackName)));
  await followToSuccess({ ...deps, stackName, stackId: stack.StackId, clientRequestToken, since });
  output.line(`Stack ${stackName}: DELETE_COMPLETE.`);
}

/** A companion already deleted by hand leaves nothing to do. */
function notFound(error: unknown): undefined {
  if (error instanceof StackNotFoundError) return undefined;
  throw error;
}
