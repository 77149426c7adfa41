// The one place that turns an error into what the user reads and the exit code.
//   0 success, 1 the operation failed or the stack is unhealthy, 2 usage or access errors,
//   130 interrupted (Ctrl-C), as a shell reports a process that SIGINT ended.
import {
  InvalidEventError,
  InvalidRollbackConfigurationError,
  StackBusyError,
  StackNotFoundError,
  StackNotUpdatableError,
  NotThisTemplateError,
} from '../../lambda/errors';
import { PROGRAM } from './args';
import { ClientsRefusedError } from './through-cloudfront';
import {
  ChangeSetFailedError,
  ChangeSetNotDeletedError,
  DistributionChangeError,
  EndpointUrlError,
  NoRotatingStackError,
  NoStackSetInstanceError,
  NotAwsAnswerError,
  NotServiceRoleStackError,
  OperationFailedError,
  OriginChangeNotConfirmedError,
  ProfileNotFoundError,
  RotationLeftoversError,
  RotationTimeoutError,
  ScheduledRotationFailedError,
  ServiceRoleInUseError,
  ServiceRoleNamesTakenError,
  ServiceRoleOutputMissingError,
  StackCreationFailedError,
  StackSetBusyError,
  StackSetInstanceStackError,
  StackSetNeedsRoleError,
  StackSetNotFoundError,
  StackSetOperationFailedError,
  StackSetOriginChangeNotConfirmedError,
  StackSetTemplateDowngradeError,
  StackNotCreatedError,
  TemplateBucketAccessDeniedError,
  TemplateBucketOwnedElsewhereError,
  TemplateBucketRegionError,
  TemplateDowngradeError,
  TemplateTooLargeError,
  UsageError,
} from './errors';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

export interface Failure {
  message: string;
  exitCode: number;
}

// NotAwsAnswerError among them: an answer from no AWS API comes from a wrong --region or
// AWS_ENDPOINT_URL far more often than from an outage, and 1 is `status`'s unhealthy stack.
const USAGE_OR_ACCESS = [
  StackNotFoundError, NotThisTemplateError, OriginChangeNotConfirmedError, DistributionChangeError, StackSetOriginChangeNotConfirmedError, StackSetNotFoundError, StackSetNeedsRoleError, EndpointUrlError,
  TemplateBucketAccessDeniedError, TemplateBucketOwnedElsewhereError, TemplateBucketRegionError, NotAwsAnswerError, ProfileNotFoundError,
  NotServiceRoleStackError, ServiceRoleInUseError, StackSetInstanceStackError, TemplateDowngradeError, StackSetTemplateDowngradeError,
];
const KNOWN = [
  ...USAGE_OR_ACCESS,
  TemplateTooLargeError, OperationFailedError, ChangeSetFailedError, RotationLeftoversError, StackBusyError,
  StackNotUpdatableError, InvalidEventError, InvalidRollbackConfigurationError,
  StackNotCreatedError, StackCreationFailedError, ChangeSetNotDeletedError, ScheduledRotationFailedError, ServiceRoleNamesTakenError, ServiceRoleOutputMissingError,
  RotationTimeoutError, StackSetOperationFailedError, StackSetBusyError, ClientsRefusedError,
  NoRotatingStackError, NoStackSetInstanceError,
];

/** What the command was given, for messages the SDK's error alone cannot word. */
export interface FailureContext {
  profile?: string;
  /** The command only reads (status): that nothing changed is no news to its user. */
  readOnly?: boolean;
}

export function describeFailure(error: unknown, { profile, readOnly = false }: FailureContext = {}): Failure {
  const failure = failureOf(error, profile);
  return readOnly ? { ...failure, message: withoutNothingChanged(failure.message) } : failure;
}

/**
 * The errors say "Nothing changed" for the commands that could have changed something, the
 * rotation's own among them (lambda/errors.ts, whose messages the Lambda logs too): a read-only
 * command drops it. "Nothing changed: <why>." goes whole; "Nothing changed; <remedy>" keeps the
 * remedy.
 */
function withoutNothingChanged(message: string): string {
  return message
    .replace(/ Nothing changed: [^.]*\./g, '')
    .replace(/ Nothing changed(?: in CloudFormation)?; (\w)/g, (_, first: string) => ` ${first.toUpperCase()}`)
    .replace(/ Nothing changed\./g, '');
}

function failureOf(error: unknown, profile: string | undefined): Failure {
  if (error instanceof UsageError) {
    return { message: `${error.message} See "${PROGRAM} ${error.command ?? ''} --help".`.replace('  ', ' '), exitCode: EXIT_USAGE };
  }
  if (USAGE_OR_ACCESS.some((type) => error instanceof type)) return { message: (error as Error).message, exitCode: EXIT_USAGE };
  if (KNOWN.some((type) => error instanceof type)) return { message: (error as Error).message, exitCode: EXIT_FAILED };
  const { name = '', message = String(error) } = (error ?? {}) as Error;
  if (name === 'CredentialsProviderError') return { message: credentialsProblem(message, profile), exitCode: EXIT_USAGE };
  if (/^(ExpiredToken|ExpiredTokenException|InvalidClientTokenId|UnrecognizedClientException)$/.test(name)) {
    return { message: `AWS rejected the credentials (${name}). Refresh them (for example aws sso login) and try again.`, exitCode: EXIT_USAGE };
  }
  if (/^(AccessDenied|AccessDeniedException)$/.test(name)) {
    return { message: `Access denied: ${message} Grant the missing permission and try again.`, exitCode: EXIT_USAGE };
  }
  if (isThrottling(error)) {
    return { message: `AWS throttled the request beyond the SDK's retries (${name}). Try again in a few minutes.`, exitCode: EXIT_FAILED };
  }
  const { code, hostname } = (error ?? {}) as { code?: string; hostname?: string };
  // Nothing listens there: a wrong AWS_ENDPOINT_URL (an emulator not running), not a network down.
  if (code === 'ECONNREFUSED') {
    return { message: `Nothing accepts connections at ${refusingEndpoint(error) ?? 'the endpoint'} (ECONNREFUSED): check AWS_ENDPOINT_URL if you set one (is the emulator running?), and --region.`, exitCode: EXIT_USAGE };
  }
  if (code && /^(ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT)$/.test(code)) {
    return { message: `Could not reach AWS (${code}${hostname ? ` for ${hostname}` : ''}). Check the network and --region, or AWS_ENDPOINT_URL if you set one.`, exitCode: EXIT_FAILED };
  }
  // OpenSSL's "wrong version number": what answered the TLS hello was no TLS.
  if (code === 'EPROTO') {
    return { message: 'The TLS handshake with AWS failed (EPROTO): the endpoint does not speak HTTPS. If AWS_ENDPOINT_URL names a plain-HTTP server (a local emulator, say), give it with http://; otherwise check for a proxy in the way.', exitCode: EXIT_FAILED };
  }
  // --region is checked before any call; this is AWS_REGION's or the profile's (@smithy/core, config).
  const refusedRegion = /^Region not accepted: region="(.*)" is not a valid hostname component/.exec(message)?.[1];
  if (refusedRegion !== undefined) {
    return { message: `The AWS Region "${refusedRegion}" is not a Region name: set AWS_REGION, --region or the profile's region to one like eu-west-1.`, exitCode: EXIT_USAGE };
  }
  if (name === 'NoRegionError' || /Region is missing/.test(message)) {
    // A profile that does not exist gives no Region either, and this is the first thing to fail.
    const remedy = profile ? `, and profile "${profile}" names none (is it in ~/.aws/config?). Pass --region, set AWS_REGION, or give the profile one with aws configure --profile ${profile}.` : '. Pass --region or set AWS_REGION.';
    return { message: `No AWS Region is set${remedy}`, exitCode: EXIT_USAGE };
  }
  return { message: `Unexpected error${name ? ` (${name})` : ''}: ${message.replace(/\.?$/, '.')} Run again with --verbose for details.`, exitCode: EXIT_FAILED };
}

type Refused = { address?: string; port?: number; errors?: Refused[] };

/** `address:port` of a refused connection; Node's AggregateError (one try per address family) carries it in each of its errors. */
function refusingEndpoint(error: unknown): string | undefined {
  const { address, port } = (error as Refused).address ? (error as Refused) : ((error as Refused).errors?.[0] ?? {});
  return address && (port ? `${address}:${port}` : address);
}

/**
 * The SDK's credential chain ends in "Could not load credentials from any providers", naming no
 * profile (@aws-sdk/credential-provider-node); the shared-file provider's own error names it
 * ("Could not resolve credentials using profile: [ops] in configuration/credentials file(s).",
 * @aws-sdk/credential-provider-ini). Other messages (an expired SSO session, a missing MFA code)
 * say themselves what is wrong.
 */
function credentialsProblem(message: string, given: string | undefined): string {
  const profile = /using profile: \[([^\]]+)\]/.exec(message)?.[1] ?? given;
  if (!/from any providers|using profile:/.test(message)) return `Could not load AWS credentials${profile ? ` for profile "${profile}"` : ''}: ${message.split('\n')[0]}`;
  if (!profile) return 'No AWS credentials were found. Pass --profile, set AWS_PROFILE, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.';
  return `No AWS credentials were found for profile "${profile}". Check that ~/.aws/config or ~/.aws/credentials defines it (aws configure --profile ${profile}), or pass another --profile.`;
}

/** AWS's throttling errors, by the names the SDK gives them. */
export function isThrottling(error: unknown): boolean {
  return /^(Throttling|ThrottlingException|TooManyRequestsException)$/.test((error as Error | undefined)?.name ?? '');
}
