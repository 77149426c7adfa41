import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  type Parameter,
  type RollbackConfiguration,
  type Stack,
} from './cloudformation';
import {
  AccessDeniedError,
  StackBusyError,
  StackNotFoundError,
  StackNotUpdatableError,
  ThrottledError,
  TimestampParameterMissingError,
} from './errors';

export const TIMESTAMP_PARAMETER = 'Timestamp';

export interface RotationRequest {
  stackName: string;
  /** The new value of the Timestamp parameter (see timestamp.ts). */
  timestamp: string;
  clientRequestToken: string;
}

/**
 * `started`: CloudFormation accepted the update. `unchanged`: the stack already has this Timestamp
 * (a retry after the update finished). `in-progress`: this very rotation is already running.
 */
export type RotationResult = 'started' | 'unchanged' | 'in-progress';

export interface RotationOutcome {
  stack: string;
  previousTimestamp: string;
  timestamp: string;
  result: RotationResult;
}

// States from which CloudFormation accepts UpdateStack and nothing is broken. UPDATE_FAILED
// (an update run with rollback disabled) is updatable too, but only a person should decide that.
// CREATE_COMPLETE, UPDATE_COMPLETE, UPDATE_ROLLBACK_COMPLETE, IMPORT_COMPLETE, IMPORT_ROLLBACK_COMPLETE.
const STABLE_STATE = /^(CREATE|UPDATE|IMPORT)_COMPLETE$|^(UPDATE|IMPORT)_ROLLBACK_COMPLETE$/;

/**
 * The template states the rollback triggers for a rotation as the stack output
 * `RollbackConfiguration` (JSON), so the Lambda and the CLI send the same ones. A stack from an
 * older template has none; UpdateStack then keeps the configuration saved on the stack.
 */
export const ROLLBACK_OUTPUT = 'RollbackConfiguration';

export interface RotatableStack {
  stack: Stack;
  previousTimestamp: string;
}

/** The stack with its current Timestamp; refuses a missing stack or one without a Timestamp. */
export async function describeRotatableStack(cloudformation: CloudFormationClient, stackName: string): Promise<RotatableStack> {
  const stack = await describeStack(cloudformation, stackName);
  const previous = stack.Parameters?.find((p) => p.ParameterKey === TIMESTAMP_PARAMETER);
  if (!previous) throw new TimestampParameterMissingError(stackName);
  return { stack, previousTimestamp: previous.ParameterValue ?? '' };
}

/** Refuses a stack in a failed state: only a person should decide how to repair it. */
export function checkNotFailed(stackName: string, status: string): void {
  if (!status.endsWith('_IN_PROGRESS') && !STABLE_STATE.test(status)) throw new StackNotUpdatableError(stackName, status);
}

/** Every parameter kept but Timestamp: a parameter left out would silently fall back to its default. */
export function rotationParameters(parameters: Parameter[], timestamp: string): Parameter[] {
  return parameters.map((p) =>
    p.ParameterKey === TIMESTAMP_PARAMETER
      ? { ParameterKey: TIMESTAMP_PARAMETER, ParameterValue: timestamp }
      : { ParameterKey: p.ParameterKey, UsePreviousValue: true },
  );
}

/**
 * Rotates the stack's API key: UpdateStack with the previous template and every parameter kept
 * except Timestamp. CloudFormation then replaces the secret, the key and the usage-plan key and
 * updates the distribution's origin header.
 */
export async function rotateApiKey(
  cloudformation: CloudFormationClient,
  { stackName, timestamp, clientRequestToken }: RotationRequest,
): Promise<RotationOutcome> {
  const { stack, previousTimestamp } = await describeRotatableStack(cloudformation, stackName);
  const outcome = (result: RotationResult): RotationOutcome => ({ stack: stackName, previousTimestamp, timestamp, result });

  const status = stack.StackStatus ?? '';
  checkNotFailed(stackName, status);
  if (status.endsWith('_IN_PROGRESS')) {
    if (await isOwnUpdate(cloudformation, stackName, status, clientRequestToken)) return outcome('in-progress');
    throw new StackBusyError(stackName, status);
  }

  try {
    await cloudformation.send(
      new UpdateStackCommand({
        StackName: stackName,
        UsePreviousTemplate: true,
        Parameters: rotationParameters(stack.Parameters ?? [], timestamp),
        Capabilities: stack.Capabilities,
        ClientRequestToken: clientRequestToken,
        RollbackConfiguration: rollbackConfiguration(stack),
        // Tags, NotificationARNs and RoleARN are left out on purpose: left out, CloudFormation
        // keeps them (an empty NotificationARNs list would remove every topic).
      }),
    );
    return outcome('started');
  } catch (error) {
    if (isValidationError(error, 'No updates are to be performed.')) return outcome('unchanged');
    const busy = isValidationError(error, 'can not be updated') && / is in ([A-Z_]+) state/.exec(messageOf(error));
    if (busy) {
      // Another operation started between DescribeStacks and UpdateStack.
      if (await isOwnUpdate(cloudformation, stackName, busy[1], clientRequestToken)) return outcome('in-progress');
      throw new StackBusyError(stackName, busy[1], { cause: error });
    }
    throw translateError(error, stackName, 'UpdateStack');
  }
}

export function rollbackConfiguration(stack: Stack): RollbackConfiguration | undefined {
  const value = stack.Outputs?.find((o) => o.OutputKey === ROLLBACK_OUTPUT)?.OutputValue;
  return value ? JSON.parse(value) : undefined;
}

/** The stack, or StackNotFoundError; AWS errors translated as for every call of a rotation. */
export async function describeStack(cloudformation: CloudFormationClient, stackName: string): Promise<Stack> {
  try {
    const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    if (Stacks?.[0]) return Stacks[0];
    throw new StackNotFoundError(stackName);
  } catch (error) {
    throw translateError(error, stackName, 'DescribeStacks');
  }
}

/**
 * Every event of one stack operation carries the operation's ClientRequestToken, and events come
 * newest first: the newest event tells whether the running operation is this rotation. A rotation
 * that is rolling back has failed, so it does not count as in progress.
 */
async function isOwnUpdate(
  cloudformation: CloudFormationClient,
  stackName: string,
  status: string,
  clientRequestToken: string,
): Promise<boolean> {
  if (status.includes('ROLLBACK')) return false;
  try {
    const { StackEvents } = await cloudformation.send(new DescribeStackEventsCommand({ StackName: stackName }));
    return StackEvents?.[0]?.ClientRequestToken === clientRequestToken;
  } catch (error) {
    throw translateError(error, stackName, 'DescribeStackEvents');
  }
}

export function translateError(error: unknown, stackName: string, operation: string): unknown {
  const name = (error as Error | undefined)?.name;
  if (error instanceof StackNotFoundError) return error;
  if (isValidationError(error, 'does not exist')) return new StackNotFoundError(stackName, { cause: error });
  // CloudFormation's codes are AccessDenied and Throttling; the prefixes also catch the *Exception forms.
  if (name?.startsWith('AccessDenied')) return new AccessDeniedError(stackName, operation, { cause: error });
  if (name?.startsWith('Throttling')) return new ThrottledError(stackName, operation, { cause: error });
  return error;
}

// CloudFormation reports "no updates", "does not exist" and "busy" all as ValidationError,
// told apart only by their messages.
export function isValidationError(error: unknown, messagePart: string): boolean {
  return (error as Error | undefined)?.name === 'ValidationError' && messageOf(error).includes(messagePart);
}

function messageOf(error: unknown): string {
  return String((error as Error | undefined)?.message ?? '');
}
