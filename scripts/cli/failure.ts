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
  EndpointUrlError,
  NoRotatingStackError,
  NoStackSetInstanceError,
  NotAwsAnswerError,
  OperationFailedError,
  OriginChangeNotConfirmedError,
  RotationLeftoversError,
  RotationTimeoutError,
  ScheduledRotationFailedError,
  StackCreationFailedError,
  StackSetBusyError,
  StackSetNeedsRoleError,
  StackSetNotFoundError,
  StackSetOperationFailedError,
  StackSetOriginChangeNotConfirmedError,
  StackNotCreatedError,
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

const USAGE_OR_ACCESS = [StackNotFoundError, NotThisTemplateError, OriginChangeNotConfirmedError, StackSetOriginChangeNotConfirmedError, StackSetNotFoundError, StackSetNeedsRoleError, EndpointUrlError];
const KNOWN = [
  ...USAGE_OR_ACCESS,
  TemplateTooLargeError, OperationFailedError, ChangeSetFailedError, RotationLeftoversError, StackBusyError,
  StackNotUpdatableError, InvalidEventError, InvalidRollbackConfigurationError,
  StackNotCreatedError, StackCreationFailedError, ChangeSetNotDeletedError, NotAwsAnswerError, ScheduledRotationFailedError,
  RotationTimeoutError, StackSetOperationFailedError, StackSetBusyError, ClientsRefusedError,
  NoRotatingStackError, NoStackSetInstanceError,
];

/** What the command was given, for messages the SDK's error alone cannot word. */
export interface FailureContext {
  profile?: string;
}

export function describeFailure(error: unknown, { profile }: FailureContext = {}): Failure {
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
  if (/^(Throttling|ThrottlingException|TooManyRequestsException)$/.test(name)) {
    return { message: `AWS throttled the request beyond the SDK's retries (${name}). Try again in a few minutes.`, exitCode: EXIT_FAILED };
  }
  const { code, hostname } = (error ?? {}) as { code?: string; hostname?: string };
  if (code && /^(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT)$/.test(code)) {
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
