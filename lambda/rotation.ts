import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  type Output,
  type Parameter,
  type RollbackConfiguration,
  type Stack,
} from './cloudformation';
import {
  InvalidRollbackConfigurationError,
  StackBusyError,
  StackNotFoundError,
  StackNotUpdatableError,
  NotThisTemplateError,
} from './errors';

export const TIMESTAMP_PARAMETER = 'Timestamp';

export interface RotationRequest {
  stackName: string;
  /** The new value of the Timestamp parameter (see timestamp.ts). */
  timestamp: string;
  clientRequestToken: string;
  /** The current time as a Timestamp: a stack Timestamp later than this was set by hand. */
  now: string;
}

/**
 * `started`: CloudFormation accepted the update. `unchanged`: the stack already has this Timestamp
 * (a retry after the update finished). `in-progress`: this very rotation was already started.
 * `superseded`: a newer rotation has run or is running, so this one would go backwards.
 */
export type RotationResult = 'started' | 'unchanged' | 'in-progress' | 'superseded';

// A type, not an interface, so that it is a Record<string, string> the handler can log as it is.
export type RotationOutcome = {
  stack: string;
  previousTimestamp: string;
  timestamp: string;
  result: RotationResult;
};

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
/** A stack in service-role mode names its role here; the rotation role may update the stack only as it. */
export const SERVICE_ROLE_OUTPUT = 'ServiceRoleArn';

export interface RotatableStack {
  stack: Stack;
  previousTimestamp: string;
}

/** Outputs every version of this template has given its stacks: a stack without them is another's. */
export const OWN_OUTPUTS = ['ApiKeyId', 'ApiKeySecretArn', 'CloudFrontURL', 'DistributionId', 'UsagePlanId'];

/**
 * What the stack lacks of this template's parameter and outputs; none for a stack of this
 * template. Outputs exist once a create has completed, so a stack still being created, or whose
 * create failed, is judged by its parameter alone.
 */
export function missingOwnParts(stack: Stack): string[] {
  const created = stack.StackStatus === 'CREATE_COMPLETE' || /^(UPDATE|IMPORT)_/.test(stack.StackStatus ?? '');
  const outputs = new Set((stack.Outputs ?? []).map((o) => o.OutputKey));
  return [
    ...(stack.Parameters?.some((p) => p.ParameterKey === TIMESTAMP_PARAMETER) ? [] : [`parameter ${TIMESTAMP_PARAMETER}`]),
    ...(created ? OWN_OUTPUTS.filter((key) => !outputs.has(key)).map((key) => `output ${key}`) : []),
  ];
}

/** Refuses a stack of another template: a new Timestamp, or this template, would replace its resources. */
export function checkOwnStack(stack: Stack): void {
  const missing = missingOwnParts(stack);
  if (missing.length > 0) throw new NotThisTemplateError(stack.StackName ?? '', missing);
}

/** The stack with its current Timestamp; refuses a missing stack or one of another template. */
export async function describeRotatableStack(cloudformation: CloudFormationClient, stackName: string): Promise<RotatableStack> {
  const stack = await describeStack(cloudformation, stackName);
  checkOwnStack(stack);
  const previous = stack.Parameters!.find((p) => p.ParameterKey === TIMESTAMP_PARAMETER)!;
  return { stack, previousTimestamp: previous.ParameterValue ?? '' };
}

/** Refuses a stack in a failed state: only a person should decide how to repair it. */
export function checkNotFailed(stackName: string, status: string): void {
  if (!status.endsWith('_IN_PROGRESS') && !STABLE_STATE.test(status)) throw new StackNotUpdatableError(stackName, status);
}

/**
 * Whether a stack whose Timestamp is `current` (or that is rotating to it) already has a rotation
 * newer than one to `timestamp`. Timestamps compare as text (`2026-11-22` sorts before
 * `2026-11-22T01-57-00Z`). A Timestamp later than `now` was set by hand, the template allows any
 * date: it never counts, so it cannot hold up the schedule.
 */
export function supersedes(current: string, timestamp: string, now: string): boolean {
  return current > timestamp && current <= now;
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
  { stackName, timestamp, clientRequestToken, now }: RotationRequest,
): Promise<RotationOutcome> {
  const { stack, previousTimestamp } = await describeRotatableStack(cloudformation, stackName);
  const outcome = (result: RotationResult): RotationOutcome => ({ stack: stackName, previousTimestamp, timestamp, result });
  /** A busy stack: this rotation, a newer one (nothing to do), or anything else (refused). */
  const whenBusy = async (status: string, cause?: unknown) => {
    const running = await runningRotation(cloudformation, stackName, status);
    if (running === timestamp) return outcome('in-progress');
    if (supersedes(running, timestamp, now)) return outcome('superseded');
    throw new StackBusyError(stackName, status, { cause });
  };

  const status = stack.StackStatus ?? '';
  checkNotFailed(stackName, status);
  if (status.endsWith('_IN_PROGRESS')) return whenBusy(status);
  if (supersedes(previousTimestamp, timestamp, now)) return outcome('superseded');

  try {
    await cloudformation.send(
      new UpdateStackCommand({
        StackName: stackName,
        UsePreviousTemplate: true,
        Parameters: rotationParameters(stack.Parameters ?? [], timestamp),
        Capabilities: stack.Capabilities,
        ClientRequestToken: clientRequestToken,
        RollbackConfiguration: rollbackConfiguration(stack),
        // Always the stack's own service role, never the one it last ran as: after `cdk deploy`
        // that is the CDK's bootstrap execution role. Without one, CloudFormation keeps the last.
        RoleARN: outputOf(stack, SERVICE_ROLE_OUTPUT),
        // Tags and NotificationARNs are left out on purpose: left out, CloudFormation keeps them
        // (an empty NotificationARNs list would remove every topic).
      }),
    );
    return outcome('started');
  } catch (error) {
    if (isValidationError(error, 'No updates are to be performed.')) return outcome('unchanged');
    // A retry whose first attempt's UpdateStack was accepted: the same token, already used.
    if ((error as Error)?.name === 'TokenAlreadyExistsException') return outcome('in-progress');
    const busy = isValidationError(error, 'can not be updated') && / is in ([A-Z_]+) state/.exec(messageOf(error));
    // Another operation started between DescribeStacks and UpdateStack.
    if (busy) return whenBusy(busy[1], error);
    throw translateError(error, stackName);
  }
}

/** A parameter's value as the stack (or StackSet) holds it; undefined for a parameter it does not have. */
export const parameterOf = (stack: { Parameters?: Parameter[] } | undefined, key: string): string | undefined => stack?.Parameters?.find((p) => p.ParameterKey === key)?.ParameterValue;

/** An output's value as the stack holds it; undefined for an output it does not have. */
export const outputOf = (stack: { Outputs?: Output[] } | undefined, key: string): string | undefined => stack?.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;

export function rollbackConfiguration(stack: Stack): RollbackConfiguration | undefined {
  const value = outputOf(stack, ROLLBACK_OUTPUT);
  try {
    return value ? JSON.parse(value) : undefined;
  } catch (error) {
    throw new InvalidRollbackConfigurationError(stack.StackName!, { cause: error });
  }
}

/** The stack, or StackNotFoundError; AWS errors translated as for every call of a rotation. */
export async function describeStack(cloudformation: CloudFormationClient, stackName: string): Promise<Stack> {
  try {
    const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    if (Stacks?.[0]) return Stacks[0];
    throw new StackNotFoundError(stackName);
  } catch (error) {
    throw translateError(error, stackName);
  }
}

/**
 * The Timestamp the running operation rotates to, or '' when it is no rotation. Every event of one
 * stack operation carries its ClientRequestToken, events come newest first, and rotations (the
 * Lambda's and the CLI's) use `rotate-<Timestamp>` tokens. A rotation that is rolling back has
 * failed, so it does not count.
 */
async function runningRotation(cloudformation: CloudFormationClient, stackName: string, status: string): Promise<string> {
  if (status.includes('ROLLBACK')) return '';
  try {
    const { StackEvents } = await cloudformation.send(new DescribeStackEventsCommand({ StackName: stackName }));
    return /^rotate-(.+)/.exec(StackEvents?.[0]?.ClientRequestToken ?? '')?.[1] ?? '';
  } catch (error) {
    throw translateError(error, stackName);
  }
}

/**
 * CloudFormation's "does not exist" as StackNotFoundError; any other error as it is: the SDK's
 * access-denied and throttling errors already name the action and the resource, and the CLI's
 * describeFailure words them.
 */
export function translateError(error: unknown, stackName: string): unknown {
  if (error instanceof StackNotFoundError || !isValidationError(error, 'does not exist')) return error;
  return new StackNotFoundError(stackName, { cause: error });
}

// CloudFormation reports "no updates", "does not exist" and "busy" all as ValidationError,
// told apart only by their messages.
export function isValidationError(error: unknown, messagePart: string): boolean {
  return (error as Error | undefined)?.name === 'ValidationError' && messageOf(error).includes(messagePart);
}

function messageOf(error: unknown): string {
  return String((error as Error | undefined)?.message ?? '');
}
