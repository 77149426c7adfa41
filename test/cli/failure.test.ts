import { CloudFormationServiceException } from '@aws-sdk/client-cloudformation';
import { InvalidRollbackConfigurationError, NotThisTemplateError, StackBusyError, StackNotFoundError, StackNotUpdatableError } from '../../lambda/errors';
import {
  NotAwsAnswerError,
  OperationFailedError,
  StackCreationFailedError,
  StackNotCreatedError,
  StackSetNeedsRoleError,
  RotationLeftoversError,
  TemplateBucketAccessDeniedError,
  TemplateBucketOwnedElsewhereError,
  TemplateBucketRegionError,
  TemplateTooLargeError,
  UsageError,
} from '../../scripts/cli/errors';
import { describeFailure } from '../../scripts/cli/failure';

const sdkError = (name: string, message = 'details') => new CloudFormationServiceException({ name, message, $fault: 'client', $metadata: {} });
const named = (name: string, message: string) => Object.assign(new Error(message), { name });

describe('describeFailure', () => {
  it.each([
    ['a usage error', new UsageError('--stack-name is required.', 'status'), 2, '--stack-name is required. See "cloudfront-api-key-rotation status --help".'],
    ['a missing stack', new StackNotFoundError('edge-api'), 2, 'Stack "edge-api" does not exist'],
    [
      "CloudFormation's access denied, as AWS words it",
      sdkError('AccessDenied', 'User: arn:aws:sts::123456789012:assumed-role/ops is not authorized to perform: cloudformation:UpdateStack on resource: arn:aws:cloudformation:eu-west-1:123456789012:stack/edge-api/1'),
      2,
      'Access denied: User: arn:aws:sts::123456789012:assumed-role/ops is not authorized to perform: cloudformation:UpdateStack on resource',
    ],
    ["CloudFormation's throttling", sdkError('Throttling', 'Rate exceeded'), 1, 'AWS throttled the request beyond the SDK\'s retries (Throttling)'],
    ['a rotation that left something behind', new RotationLeftoversError('edge-api', ['the usage plan holds a (1), b (2)']), 1, 'but the usage plan holds a (1), b (2). Remove what is left by hand'],
    ['an invalid RollbackConfiguration output', new InvalidRollbackConfigurationError('edge-api'), 1, 'has an invalid RollbackConfiguration output'],
    ['denied access in another service', sdkError('AccessDeniedException', 'User is not authorized to perform apigateway:GET.'), 2, 'Access denied: User is not authorized to perform apigateway:GET. Grant'],
    ['no credentials', named('CredentialsProviderError', 'Could not load credentials from any providers'), 2, 'No AWS credentials were found. Pass --profile'],
    ['expired credentials', sdkError('ExpiredToken'), 2, 'AWS rejected the credentials (ExpiredToken)'],
    ['no Region', named('Error', 'Region is missing'), 2, 'No AWS Region is set. Pass --region'],
    ['throttling', sdkError('TooManyRequestsException'), 1, 'AWS throttled the request'],
    ['a busy stack', new StackBusyError('edge-api', 'UPDATE_IN_PROGRESS'), 1, 'is busy (UPDATE_IN_PROGRESS)'],
    ['a failed stack', new StackNotUpdatableError('edge-api', 'UPDATE_ROLLBACK_FAILED'), 1, 'failed state UPDATE_ROLLBACK_FAILED'],
    ['a too large template', new TemplateTooLargeError(1_200_000, 1_000_000, 'TemplateURL'), 1, "over CloudFormation's 1000000-byte limit for a template in S3 (TemplateURL): make it smaller."],
    ['a template bucket of another account', new TemplateBucketOwnedElsewhereError('cloudfront-api-key-rotation-123456789012-eu-west-1', '123456789012'), 2, 'belongs to another AWS account, so deploy uploads nothing there. Nothing changed; pass --template-bucket'],
    ['a template bucket S3 refuses', new TemplateBucketAccessDeniedError('ops-templates', 's3:PutObject', false), 2, 'S3 denied s3:PutObject on bucket "ops-templates" to these credentials. Nothing changed in CloudFormation; grant s3:PutObject'],
    ['a template bucket in another Region', new TemplateBucketRegionError('ops-templates', 'us-west-2', 'eu-west-1'), 2, 'is in us-west-2, but CloudFormation reads a template only from a bucket in the stack\'s Region, eu-west-1. Nothing changed; pass --template-bucket with a bucket in eu-west-1.'],
    ['a failed operation', new OperationFailedError('edge-api', 'UPDATE_ROLLBACK_COMPLETE', ['ApiKey CREATE_FAILED: boom']), 1, 'ended in UPDATE_ROLLBACK_COMPLETE. ApiKey CREATE_FAILED: boom. See the events above, fix the cause, then try again.'],
    [
      'a failed first create, whose reason ends without a full stop',
      new OperationFailedError('edge-api', 'ROLLBACK_COMPLETE', ['AliasRecord CREATE_FAILED: No hosted zone found with ID: Z0123456789ABC', 'Distribution CREATE_FAILED: Resource creation cancelled.']),
      1,
      'Stack "edge-api" ended in ROLLBACK_COMPLETE. AliasRecord CREATE_FAILED: No hosted zone found with ID: Z0123456789ABC. Distribution CREATE_FAILED: Resource creation cancelled. See the events above and fix the cause; a stack whose first create failed can only be deleted, so delete it (delete --stack-name edge-api), then deploy again.',
    ],
    [
      'an answer from no AWS API (a wrong --region, a proxy): a wrong argument, not an unhealthy stack',
      new NotAwsAnswerError('https://cloudformation.eu-west-9.amazonaws.com', 'HTTP 200, text/html'),
      2,
      'did not come from an AWS API: check --region, and AWS_ENDPOINT_URL if you set one.',
    ],
    [
      'an endpoint that refuses connections',
      Object.assign(named('Error', 'connect ECONNREFUSED 127.0.0.1:4566'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 4566 }),
      2,
      'Nothing accepts connections at 127.0.0.1:4566 (ECONNREFUSED): check AWS_ENDPOINT_URL if you set one (is the emulator running?), and --region.',
    ],
    [
      'an endpoint that refuses connections on each address it has (Node\'s AggregateError)',
      Object.assign(new AggregateError([Object.assign(named('Error', 'connect ECONNREFUSED ::1:4566'), { address: '::1', port: 4566 })], ''), { code: 'ECONNREFUSED' }),
      2,
      'Nothing accepts connections at ::1:4566 (ECONNREFUSED)',
    ],
    ['an unreachable endpoint', Object.assign(named('Error', 'getaddrinfo ENOTFOUND cloudformation.eu-west-1.amazonaws.com'), { code: 'ENOTFOUND', hostname: 'cloudformation.eu-west-1.amazonaws.com' }), 1, 'Could not reach AWS (ENOTFOUND for cloudformation.eu-west-1.amazonaws.com). Check the network'],
    [
      'TLS to a server that speaks plain HTTP',
      Object.assign(named('Error', 'write EPROTO 803C267DFF7E0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n'), { code: 'EPROTO' }),
      1,
      'The TLS handshake with AWS failed (EPROTO): the endpoint does not speak HTTPS. If AWS_ENDPOINT_URL names a plain-HTTP server (a local emulator, say), give it with http://; otherwise check for a proxy in the way.',
    ],
    [
      "a Region from AWS_REGION or the profile that the SDK refuses",
      named('Error', 'Region not accepted: region="US EAST 1" is not a valid hostname component.'),
      2,
      'The AWS Region "US EAST 1" is not a Region name: set AWS_REGION, --region or the profile\'s region to one like eu-west-1.',
    ],
    ['anything else', new TypeError('x is undefined'), 1, 'Unexpected error (TypeError): x is undefined. Run again with --verbose'],
  ])('explains %s in one sentence with exit code %i', (_case, error, exitCode, message) => {
    const failure = describeFailure(error);

    expect(failure.exitCode).toBe(exitCode);
    expect(failure.message).toContain(message);
    expect(failure.message).not.toContain('\n');
  });
});

describe('describeFailure, for a named AWS profile', () => {
  // Shaped like the SDK's: @smithy/core's CredentialsProviderError and the Region check's Error.
  const credentials = (message: string) => Object.assign(named('CredentialsProviderError', message), { tryNextLink: false });
  const undefinedProfile = 'Check that ~/.aws/config or ~/.aws/credentials defines it (aws configure --profile ops), or pass another --profile.';

  it.each([
    [
      'the credential chain found nothing for the profile it was given',
      credentials('Could not load credentials from any providers'), 'ops',
      `No AWS credentials were found for profile "ops". ${undefinedProfile}`,
    ],
    [
      'the shared files lack the profile the SDK names',
      credentials('Could not resolve credentials using profile: [ops] in configuration/credentials file(s).'), undefined,
      `No AWS credentials were found for profile "ops". ${undefinedProfile}`,
    ],
    [
      "the profile's SSO session expired",
      credentials('The SSO session associated with this profile has expired. To refresh this SSO session run aws sso login with the corresponding profile.'), 'ops',
      'Could not load AWS credentials for profile "ops": The SSO session associated with this profile has expired. To refresh this SSO session run aws sso login with the corresponding profile.',
    ],
    [
      'no Region is set and the profile gives none',
      named('Error', 'Region is missing'), 'ops',
      'No AWS Region is set, and profile "ops" names none (is it in ~/.aws/config?). Pass --region, set AWS_REGION, or give the profile one with aws configure --profile ops.',
    ],
  ])('says what to do when %s', (_case, error, profile, message) => {
    expect(describeFailure(error, { profile })).toEqual({ message, exitCode: 2 });
  });
});

describe('describeFailure, for a command that only reads', () => {
  it.each([
    ['the reason nothing changed', new NotThisTemplateError('edge-api', ['parameter Timestamp']), 'Stack "edge-api" was not made from this template (it has no parameter Timestamp).'],
    ['a remedy after it', new StackCreationFailedError('edge-api'), 'Stack "edge-api" failed to create (ROLLBACK_COMPLETE), and such a stack can only be deleted. Delete it (the delete command: delete --stack-name edge-api), then deploy again.'],
    ['a change set to execute first', new StackNotCreatedError('edge-api'), 'Stack "edge-api" holds only a change set that was never executed (REVIEW_IN_PROGRESS). Execute or delete that change set first.'],
    ['a role to assume', new StackSetNeedsRoleError('edge-apis', ['222222222222'], '111111111111'), 'these credentials are of account 111111111111. Pass --role-name with the role'],
  ])('leaves out "Nothing changed", keeping %s', (_case, error, message) => {
    const { message: said, exitCode } = describeFailure(error, { readOnly: true });

    expect(said).toContain(message);
    expect(said).not.toMatch(/nothing changed/i);
    expect(exitCode).toBe(describeFailure(error).exitCode);
  });

  it('keeps it for a command that could have changed something', () => {
    expect(describeFailure(new StackCreationFailedError('edge-api')).message).toContain('Nothing changed; delete it');
  });
});
