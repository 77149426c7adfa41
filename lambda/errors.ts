// One class per way a rotation can fail. Each message names the stack, says what happened and
// what to do; the CLI maps the classes to exit codes. No message ever carries a key value.
// Kept terse: these classes ship in the template's inline code, which has a size limit.

export class StackNotFoundError extends Error {
  override name = 'StackNotFoundError';
  constructor(stack: string, options?: ErrorOptions) {
    super(`Stack "${stack}" does not exist in this account and Region: check its name and Region.`, options);
  }
}

export class TimestampParameterMissingError extends Error {
  override name = 'TimestampParameterMissingError';
  constructor(stack: string) {
    super(`Stack "${stack}" has no Timestamp parameter: it was not deployed from this template. Nothing changed.`);
  }
}

export class StackBusyError extends Error {
  override name = 'StackBusyError';
  constructor(stack: string, status: string, options?: ErrorOptions) {
    super(`Stack "${stack}" is busy (${status}). Nothing changed; rotate again when it is done.`, options);
  }
}

export class StackNotUpdatableError extends Error {
  override name = 'StackNotUpdatableError';
  constructor(stack: string, status: string) {
    super(`Stack "${stack}" is in the failed state ${status}. Nothing changed; repair it (see its events), then rotate.`);
  }
}

export class AccessDeniedError extends Error {
  override name = 'AccessDeniedError';
  constructor(stack: string, operation: string, options?: ErrorOptions) {
    super(`Access denied: cloudformation:${operation} on stack "${stack}". Grant it to the caller.`, options);
  }
}

export class ThrottledError extends Error {
  override name = 'ThrottledError';
  constructor(stack: string, operation: string, options?: ErrorOptions) {
    super(`AWS throttled cloudformation:${operation} on stack "${stack}". Nothing changed; retry in a few minutes.`, options);
  }
}

export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
  constructor(reason: string) {
    super(`Not a scheduled event: ${reason}. To rotate by hand, give the stack a new Timestamp.`);
  }
}
