// `delete`: removes a stack of this template, following it to the end, then its companion
// service-role stack, which must outlive it: CloudFormation deletes a stack with its service role.
// A companion alone is deleted too once no stack runs as its role (a failed first create leaves
// one that can only be deleted). Anything else (another template's stack, a StackSet instance's,
// a busy one) is refused before anything changes.
import { type CloudFormationClient, DeleteStackCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { StackBusyError, StackNotFoundError } from '../../lambda/errors';
import { checkOwnStack, describeStack, outputOf, translateError } from '../../lambda/rotation';
import { timestampFrom } from '../../lambda/timestamp';
import { ServiceRoleInUseError, StackSetInstanceStackError } from './errors';
import type { Output } from './output';
import { SERVICE_ROLE_OUTPUT, servedStackOf, serviceRoleStackName } from './service-role';
import { followToSuccess } from './stack-events';

export interface DeleteDependencies {
  cloudformation: CloudFormationClient;
  now: () => Date;
  sleep: (milliseconds: number) => Promise<void>;
  output: Output;
}

/**
 * How StackSets names an instance's stack: `StackSet-<StackSet name>-<UUID>`, as the stack IDs in
 * the User Guide's StackSets examples show. The stack itself tells no more: DescribeStacks has no
 * StackSet field (API reference, `Stack`), and StackSets adds no system tags (User Guide,
 * "StackSets concepts", Tags).
 */
const STACK_SET_INSTANCE = /^StackSet-.+-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function deleteStack(stackName: string, deps: DeleteDependencies): Promise<void> {
  const { cloudformation, now } = deps;
  const stack = await describeStack(cloudformation, stackName);
  if (STACK_SET_INSTANCE.test(stack.StackName ?? '')) throw new StackSetInstanceStackError(stackName);
  const served = servedStackOf(stack);
  if (served === undefined) checkOwnStack(stack);
  const status = stack.StackStatus ?? '';
  if (status.endsWith('_IN_PROGRESS')) throw new StackBusyError(stackName, status);
  const clientRequestToken = `delete-${timestampFrom(now())}`;
  if (served !== undefined) {
    await checkRoleUnused(stack, served, cloudformation);
    return deleteAndFollow(stack, clientRequestToken, deps);
  }
  const companion = stack.RoleARN ? await describeStack(cloudformation, serviceRoleStackName(stackName)).catch(notFound) : undefined;

  await deleteAndFollow(stack, clientRequestToken, deps);
  if (companion) await deleteAndFollow(companion, `${clientRequestToken}-role`, deps);
}

/** CloudFormation uses a stack's service role for its every later operation, its delete included (API reference, DeleteStack, RoleARN). */
async function checkRoleUnused(companion: Stack, served: string, cloudformation: CloudFormationClient): Promise<void> {
  const role = outputOf(companion, SERVICE_ROLE_OUTPUT);
  if (role === undefined) return; // Its create failed: no stack can have its role.
  const stack = await describeStack(cloudformation, served).catch(notFound);
  if (stack?.RoleARN === role) throw new ServiceRoleInUseError(companion.StackName ?? '', served);
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

/** A stack already deleted by hand leaves nothing to do, or nothing in the way. */
function notFound(error: unknown): undefined {
  if (error instanceof StackNotFoundError) return undefined;
  throw error;
}
