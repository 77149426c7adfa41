// Failures of the CLI's own making; the rotation module's errors live in lambda/errors.ts.
// scripts/cli/failure.ts turns every error into one sentence and an exit code.

export class UsageError extends Error {
  override name = 'UsageError';
  constructor(message: string, readonly command?: string) {
    super(message);
  }
}

export class TemplateTooLargeError extends Error {
  override name = 'TemplateTooLargeError';
  constructor(readonly size: number, readonly limit: number) {
    super(`The template is ${size} bytes, over the ${limit}-byte limit for a direct upload. Upload it to S3 and deploy it from there, or make it smaller.`);
  }
}

export class OperationFailedError extends Error {
  override name = 'OperationFailedError';
  constructor(readonly stackName: string, readonly status: string, readonly failures: string[]) {
    super(`Stack "${stackName}" ended in ${status}.${failures.length ? ` ${failures.join(' ')}` : ''} See the events above, fix the cause, then try again.`);
  }
}

export class ChangeSetFailedError extends Error {
  override name = 'ChangeSetFailedError';
  constructor(readonly stackName: string, readonly reason: string) {
    super(`The dry run's change set for stack "${stackName}" failed: ${reason}`);
  }
}

export class RotationLeftoversError extends Error {
  override name = 'RotationLeftoversError';
  constructor(readonly stackName: string, readonly leftovers: string[]) {
    super(`Stack "${stackName}" reports the rotation complete, but ${leftovers.join('; ')}. Remove what is left by hand (status lists the usage plan's keys), then rotate again.`);
  }
}
