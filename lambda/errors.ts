// One class per way a rotation can fail. Each message names the stack, says what happened and
// what to do; the CLI maps the classes to exit codes. No message ever carries a key value.

export class StackNotFoundError extends Error {
  override name = 'StackNotFoundError';
  constructor(stack: string, options?: ErrorOptions) {
    super(`Stack "${stack}" does not exist in this account and Region: check its name and Region.`, options);
  }
}

/** Rotating, or deploying over, another template's stack would replace or delete its resources. */
export class NotThisTemplateError extends Error {
  override name = 'NotThisTemplateError';
  constructor(readonly stackName: string, readonly missing: string[]) {
    super(`Stack "${stackName}" was not made from this template (it has no ${missing.join(', no ')}). Nothing changed: only stacks of this template are rotated or deployed to.`);
  }
}

export class StackBusyError extends Error {
  override name = 'StackBusyError';
  constructor(stack: string, status: string, options?: ErrorOptions) {
    super(`Stack "${stack}" is busy (${status}). Nothing changed; try again when it is done.`, options);
  }
}

export class StackNotUpdatableError extends Error {
  override name = 'StackNotUpdatableError';
  constructor(stack: string, status: string) {
    super(`Stack "${stack}" is in the failed state ${status}. Nothing changed; repair it (see its events) first.`);
  }
}

export class InvalidRollbackConfigurationError extends Error {
  override name = 'InvalidRollbackConfigurationError';
  constructor(stack: string, options?: ErrorOptions) {
    super(`Stack "${stack}" has an invalid RollbackConfiguration output. Nothing changed; deploy it from this template again.`, options);
  }
}

export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
  constructor(reason: string) {
    super(`Not a scheduled event: ${reason}. To rotate by hand, give the stack a new Timestamp.`);
  }
}

/** A `time` the schedule cannot have sent yet: it would name the new key after a moment still to come. */
export class EventTimeAheadError extends InvalidEventError {
  override name = 'EventTimeAheadError';
}
