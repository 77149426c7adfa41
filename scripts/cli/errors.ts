// Failures of the CLI's own making; the rotation module's errors live in lambda/errors.ts.
// scripts/cli/failure.ts turns every error into one sentence and an exit code.

export class UsageError extends Error {
  override name = 'UsageError';
  constructor(message: string, readonly command?: string) {
    super(message);
  }
}

/** `how`: the template goes in the request (TemplateBody) or is read from S3 (TemplateURL). */
export class TemplateTooLargeError extends Error {
  override name = 'TemplateTooLargeError';
  constructor(readonly size: number, readonly limit: number, readonly how: 'TemplateBody' | 'TemplateURL') {
    super(`The template is ${size} bytes, over CloudFormation's ${limit}-byte limit for a template ${how === 'TemplateBody' ? 'in the request (TemplateBody): make it smaller, or pass it through S3 (TemplateURL)' : 'in S3 (TemplateURL): make it smaller'}.`);
  }
}

/** The name of deploy's own template bucket is taken by another account: a squatter, or a coincidence. */
export class TemplateBucketOwnedElsewhereError extends Error {
  override name = 'TemplateBucketOwnedElsewhereError';
  constructor(readonly bucket: string, readonly account: string, options?: ErrorOptions) {
    super(`The S3 bucket name "${bucket}", which deploy uses for the templates of account ${account}, belongs to another AWS account, so deploy uploads nothing there. Nothing changed; pass --template-bucket with a bucket of account ${account} in this Region.`, options);
  }
}

/**
 * S3 refused one of deploy's calls on the template bucket: `action` is the IAM action it needs.
 * `orNotOurs`: S3 answers a bucket of another account with the same 403 (bucket owner condition).
 */
export class TemplateBucketAccessDeniedError extends Error {
  override name = 'TemplateBucketAccessDeniedError';
  constructor(readonly bucket: string, readonly action: string, readonly orNotOurs: boolean, options?: ErrorOptions) {
    super(`S3 denied ${action} on bucket "${bucket}" to these credentials${orNotOurs ? ', or the bucket is not of this account (S3 answers both alike)' : ''}. Nothing changed in CloudFormation; grant ${action} on that bucket (README, "IAM permissions, and why"), or pass --template-bucket with a bucket of this account that you can write to.`, options);
  }
}

/** CloudFormation reads a TemplateURL only from a bucket in the stack's own Region. */
export class TemplateBucketRegionError extends Error {
  override name = 'TemplateBucketRegionError';
  constructor(readonly bucket: string, readonly bucketRegion: string, readonly region: string) {
    super(`The template bucket "${bucket}" is in ${bucketRegion}, but CloudFormation reads a template only from a bucket in the stack's Region, ${region}. Nothing changed; pass --template-bucket with a bucket in ${region}.`);
  }
}

/** A reason as CloudFormation gives it, which may end without a full stop, as a sentence. */
const sentence = (text: string) => (/[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`);

export class OperationFailedError extends Error {
  override name = 'OperationFailedError';
  constructor(readonly stackName: string, readonly status: string, readonly failures: string[]) {
    // A failed first create leaves a stack that can only be deleted: a retry would be refused.
    const remedy = status === 'ROLLBACK_COMPLETE'
      ? `See the events above and fix the cause; a stack whose first create failed can only be deleted, so delete it (delete --stack-name ${stackName}), then deploy again.`
      : 'See the events above, fix the cause, then try again.';
    super(`Stack "${stackName}" ended in ${status}.${failures.map((failure) => ` ${sentence(failure)}`).join('')} ${remedy}`);
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

/** The stack exists only as an unexecuted change set: there is nothing to update or rotate yet. */
export class StackNotCreatedError extends Error {
  override name = 'StackNotCreatedError';
  constructor(readonly stackName: string) {
    super(`Stack "${stackName}" holds only a change set that was never executed (REVIEW_IN_PROGRESS). Nothing changed; execute or delete that change set first.`);
  }
}

/** A first create that failed leaves a stack CloudFormation can only delete. */
export class StackCreationFailedError extends Error {
  override name = 'StackCreationFailedError';
  constructor(readonly stackName: string) {
    super(`Stack "${stackName}" failed to create (ROLLBACK_COMPLETE), and such a stack can only be deleted. Nothing changed; delete it (the delete command: delete --stack-name ${stackName}), then deploy again.`);
  }
}

/** A stack named as deploy --service-role names the companion of `stackName`, but of another template: updating it would replace it. */
export class NotServiceRoleStackError extends Error {
  override name = 'NotServiceRoleStackError';
  constructor(readonly stackName: string, readonly companion: string) {
    super(`Stack "${companion}", the name of the service role stack of "${stackName}", was not made from template/service-role.yaml for that stack. Nothing changed: deploy will not replace its template; deploy this stack under another --stack-name.`);
  }
}

/** The companion's role and boundary policy are named after the stack, and IAM names are global across an account's Regions. */
export class ServiceRoleNamesTakenError extends Error {
  override name = 'ServiceRoleNamesTakenError';
  constructor(readonly stackName: string, readonly companion: string, readonly failures: string[], options?: ErrorOptions) {
    super(`The service role stack "${companion}" failed to create:${failures.map((failure) => ` ${sentence(failure)}`).join('')} IAM names are global across the Regions of an account, and the role and the boundary policy are named after the stack (${stackName}-cfn, ${stackName}-boundary), so a stack "${stackName}" with a service role in another Region, or a role or policy made by hand, already holds them. Delete the failed companion (delete --stack-name ${companion}), then deploy this stack under another --stack-name.`, options);
  }
}

/** The companion gave no role: the stack would be deployed without the service role asked for. */
export class ServiceRoleOutputMissingError extends Error {
  override name = 'ServiceRoleOutputMissingError';
  constructor(readonly stackName: string, readonly companion: string) {
    super(`The service role stack "${companion}" has no ServiceRoleArn output, so stack "${stackName}" cannot be given its role, and deploy stops here. See that stack's outputs and events; if it is broken, delete it (delete --stack-name ${companion}), then deploy again.`);
  }
}

/** The companion's role is the stack's service role: CloudFormation uses it for the stack's every later operation, its delete included. */
export class ServiceRoleInUseError extends Error {
  override name = 'ServiceRoleInUseError';
  constructor(readonly companion: string, readonly served: string) {
    super(`Stack "${companion}" holds the service role of stack "${served}", which CloudFormation uses for every operation on "${served}", its delete included. Nothing changed; delete "${served}" instead (delete --stack-name ${served}), which deletes "${companion}" after it.`);
  }
}

/** Deleting an instance's stack directly leaves its StackSet with an instance whose stack is gone. */
export class StackSetInstanceStackError extends Error {
  override name = 'StackSetInstanceStackError';
  constructor(readonly stackName: string) {
    super(`Stack "${stackName}" is named as StackSets names the stacks of its instances (StackSet-<StackSet name>-<UUID>), and deleting it directly would leave its StackSet with an instance whose stack is gone. Nothing changed; remove the instance from the StackSet's administrator account with aws cloudformation delete-stack-instances (--no-retain-stacks deletes the stack too), or, if no StackSet made it, delete it with aws cloudformation delete-stack.`);
  }
}

/** The stack runs a newer template than this CLI carries: deploying would put the older one back. */
export class TemplateDowngradeError extends Error {
  override name = 'TemplateDowngradeError';
  constructor(readonly stackName: string, readonly stackRelease: string, readonly carried: string) {
    super(`Stack "${stackName}" runs template ${stackRelease}, newer than this CLI's ${carried}: deploying would put the older template back. Upgrade the CLI first.`);
  }
}

/** The StackSet's template is newer than this CLI's: an update would put the older one on every instance. */
export class StackSetTemplateDowngradeError extends Error {
  override name = 'StackSetTemplateDowngradeError';
  constructor(readonly stackSetName: string, readonly stackSetRelease: string, readonly carried: string) {
    super(`StackSet "${stackSetName}" runs template ${stackSetRelease}, newer than this CLI's ${carried}: deploying would put the older template back on every instance. Upgrade the CLI first.`);
  }
}

/** --profile (or AWS_PROFILE) names a profile that neither shared file defines. */
export class ProfileNotFoundError extends Error {
  override name = 'ProfileNotFoundError';
  constructor(readonly profile: string, readonly from: '--profile' | 'AWS_PROFILE') {
    super(`The AWS profile "${profile}" (from ${from}) is defined in neither the shared config file (~/.aws/config) nor the credentials file (~/.aws/credentials): check its name (aws configure list-profiles), or create it with aws configure --profile ${profile}.`);
  }
}

/** The dry run's change set could not be deleted: the stack keeps it until someone does. */
export class ChangeSetNotDeletedError extends Error {
  override name = 'ChangeSetNotDeletedError';
  constructor(readonly stackName: string, readonly changeSetName: string, options?: ErrorOptions) {
    super(`The dry run changed nothing, but its change set ${changeSetName} could not be deleted from stack "${stackName}". Delete it by hand (aws cloudformation delete-change-set).`, options);
  }
}

export class OriginChangeNotConfirmedError extends Error {
  override name = 'OriginChangeNotConfirmedError';
  constructor(readonly stackName: string, readonly from: string, readonly to: string) {
    const origin = (url: string) => (url === '' ? 'the demo API' : url);
    super(`This deploy would point CloudFront of stack "${stackName}" at ${origin(to)} instead of ${origin(from)}, so every request through CloudFront would go there. Nothing changed; pass --change-origin to confirm.`);
  }
}

/** A deploy that would move the stack between its own distribution and an existing one, or between two existing ones (DistributionId). */
export class DistributionChangeError extends Error {
  override name = 'DistributionChangeError';
  constructor(readonly stackName: string, readonly from: string, readonly to: string) {
    const named = (id: string) => (id === '' ? 'its own distribution' : `the existing distribution ${id}`);
    const why = from === ''
      ? 'CloudFormation would delete its own distribution, and every request to it would fail'
      : `the stack would leave its x-api-key header on ${from}, naming a key it then deletes`;
    super(`This deploy would move stack "${stackName}" from ${named(from)} to ${named(to)}: ${why}. Nothing changed; deploy a new stack ${to === '' ? 'without --distribution-id' : `with --distribution-id ${to}`}, and delete this one (which ${from === '' ? 'deletes its distribution' : `removes its header from ${from}`}) once traffic no longer needs it.`);
  }
}

/** What answered was no AWS API: a wrong AWS_ENDPOINT_URL, a proxy, a captive portal. */
export class NotAwsAnswerError extends Error {
  override name = 'NotAwsAnswerError';
  constructor(readonly endpoint: string, readonly answer: string, options?: ErrorOptions) {
    super(`The answer from ${endpoint} (${answer}) did not come from an AWS API: check --region, and AWS_ENDPOINT_URL if you set one.`, options);
  }
}

/** The rotation function, invoked as its schedule invokes it, failed: the first unattended rotation would too. */
export class ScheduledRotationFailedError extends Error {
  override name = 'ScheduledRotationFailedError';
  constructor(readonly stackName: string, readonly functionName: string, readonly detail: string) {
    super(`The deploy of stack "${stackName}" succeeded, but its rotation function ${functionName}, invoked as its schedule invokes it, failed: ${detail} The scheduled rotation would fail the same way: fix the cause (often a permission its role or the stack's service role lacks), then deploy again.`);
  }
}

/** `rotate --all` stops following a rotation after --timeout-minutes; CloudFormation goes on. */
export class RotationTimeoutError extends Error {
  override name = 'RotationTimeoutError';
  constructor(readonly stackName: string, readonly timeoutMs: number) {
    super(`Stack "${stackName}" was still rotating after ${Math.round(timeoutMs / 60_000)} minutes; it goes on without this command. Check it with status.`);
  }
}

/** A StackSet operation left instances failed or not attempted; each one's reason is listed above. */
export class StackSetOperationFailedError extends Error {
  override name = 'StackSetOperationFailedError';
  constructor(readonly stackSetName: string, readonly unfinished: number) {
    super(`StackSet "${stackSetName}": ${unfinished} instance(s) did not succeed (see the table above). Fix the cause, then run the same deploy again: it updates every instance and creates only what is missing.`);
  }
}

/** StackSets runs one operation per set at a time (OperationInProgressException). */
export class StackSetBusyError extends Error {
  override name = 'StackSetBusyError';
  constructor(readonly stackSetName: string, options?: ErrorOptions) {
    super(`Another operation on StackSet "${stackSetName}" is running (an earlier deploy, or an automatic deployment to a new account). This step changed nothing; wait for it (aws cloudformation list-stack-set-operations), then run deploy again.`, options);
  }
}

/** A deploy would point CloudFront of existing instances at another origin; --change-origin confirms it. */
export class StackSetOriginChangeNotConfirmedError extends Error {
  override name = 'StackSetOriginChangeNotConfirmedError';
  constructor(readonly stackSetName: string, readonly changes: { account: string; region: string; from: string; to: string }[]) {
    const origin = (url: string) => (url === '' ? 'the demo API' : url);
    const listed = changes.map(({ account, region, from, to }) => `${account}/${region} from ${origin(from)} to ${origin(to)}`).join('; ');
    super(`This deploy would point CloudFront of ${changes.length} instance(s) of StackSet "${stackSetName}" at another origin: ${listed}. Nothing changed; pass --change-origin to confirm.`);
  }
}

/** `--stack-set` names no StackSet in the account and Region asked (StackSetNotFoundException). */
export class StackSetNotFoundError extends Error {
  override name = 'StackSetNotFoundError';
  constructor(readonly stackSetName: string, readonly region: string, options?: ErrorOptions) {
    super(`There is no StackSet "${stackSetName}" in ${region} of this account: check the name, and pass --region with the StackSet's own Region (where it was created).`, options);
  }
}

/** Without --role-name each stack is read with the caller's own credentials, which reach the caller's account alone. */
export class StackSetNeedsRoleError extends Error {
  override name = 'StackSetNeedsRoleError';
  constructor(readonly stackSetName: string, readonly accounts: string[], readonly callerAccount: string) {
    super(`StackSet "${stackSetName}" has instances in account(s) ${accounts.join(', ')}, but these credentials are of account ${callerAccount}. Nothing changed; pass --role-name with the role to assume in each account (for a StackSet, usually AWSCloudFormationStackSetExecutionRole).`);
  }
}

/** An endpoint variable the SDK would read that is no http(s) URL; the SDK would fail with a bare "Invalid URL". */
export class EndpointUrlError extends Error {
  override name = 'EndpointUrlError';
  constructor(readonly variable: string, readonly value: string) {
    super(`${variable} "${value}" is not a URL: give one with its scheme, like http://127.0.0.1:4566, or unset ${variable} to reach AWS itself.`);
  }
}

const listed = (one: string, items: string[]) => `${one}${items.length > 1 ? 's' : ''} ${items.join(', ')}`;

/** Every account and Region of the selection was read, and none holds a stack of this template. */
export class NoRotatingStackError extends Error {
  override name = 'NoRotatingStackError';
  constructor(readonly accounts: string[], readonly regions: string[]) {
    super(`No rotating stack was found in ${listed('account', accounts)}, ${listed('Region', regions)}: select where the stacks are with --regions (or "all") and --accounts, or deploy one first.`);
  }
}

/** The StackSet exists, but has no instance in the Regions selected (`all`: none at all). */
export class NoStackSetInstanceError extends Error {
  override name = 'NoStackSetInstanceError';
  constructor(readonly stackSetName: string, readonly regions: string[] | 'all') {
    super(regions === 'all'
      ? `StackSet "${stackSetName}" has no stack instance: add some with deploy --stack-set ${stackSetName}.`
      : `StackSet "${stackSetName}" has no stack instance in ${listed('Region', regions)}: check --regions, or leave it out for every Region of the set.`);
  }
}
