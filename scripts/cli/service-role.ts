// The companion stack `<stack>-service-role` (template/service-role.yaml): the CloudFormation
// service role of one rotating stack, and the permissions boundary of that stack's function roles.
// `deploy` creates or updates it before the stack itself, so the role always matches the
// template version and the options the stack is deployed with, and again after the stack when
// the stack's own IDs that the role is scoped to have changed (see stackIds). An existing
// companion that is not of this template, or that CloudFormation could not update, is refused
// before anything changes (checkServiceRoleStack).
import {
  CreateStackCommand,
  DescribeStackResourcesCommand,
  GetTemplateCommand,
  UpdateStackCommand,
  type CloudFormationClient,
  type Parameter,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { StackBusyError, StackNotFoundError } from '../../lambda/errors';
import { checkNotFailed, describeStack, isValidationError, outputOf, parameterOf, translateError } from '../../lambda/rotation';
import { NotServiceRoleStackError, OperationFailedError, ServiceRoleNamesTakenError, ServiceRoleOutputMissingError } from './errors';
import type { Output } from './output';
import { refuseUncreated } from './refusals';
import { followToSuccess } from './stack-events';
import { parseTemplate } from '../template';

export const SERVICE_ROLE_OUTPUT = 'ServiceRoleArn';
/** Outputs every version of the companion template has given its stacks. */
const COMPANION_OUTPUTS = [SERVICE_ROLE_OUTPUT, 'FunctionBoundaryArn'];

export interface ServiceRoleDependencies {
  cloudformation: CloudFormationClient;
  serviceRoleTemplateBody: string;
  sleep: (milliseconds: number) => Promise<void>;
  output: Output;
}

export function serviceRoleStackName(stackName: string): string {
  return `${stackName}-service-role`;
}

/**
 * The stack a companion serves, when `stack` is one: made from template/service-role.yaml, as its
 * StackName parameter and name show (`<StackName>-service-role`), and, once a create has
 * completed, its outputs. A companion whose first create failed has no outputs, as for
 * missingOwnParts. Undefined for any other stack.
 */
export function servedStackOf(stack: Stack): string | undefined {
  const served = parameterOf(stack, 'StackName');
  if (served === undefined || serviceRoleStackName(served) !== stack.StackName) return undefined;
  const created = stack.StackStatus === 'CREATE_COMPLETE' || /^(UPDATE|IMPORT)_/.test(stack.StackStatus ?? '');
  const outputs = new Set((stack.Outputs ?? []).map((o) => o.OutputKey));
  return !created || COMPANION_OUTPUTS.every((key) => outputs.has(key)) ? served : undefined;
}

/**
 * Before anything changes: the companion of `stackName`, if it exists, must be one of the
 * companion template, and in a state that UpdateStack accepts. A failed first create
 * (ROLLBACK_COMPLETE) can only be deleted, which `delete --stack-name <companion>` does.
 * Returns whether it exists.
 */
export async function checkServiceRoleStack(cloudformation: CloudFormationClient, stackName: string): Promise<boolean> {
  const name = serviceRoleStackName(stackName);
  const companion = await describeStack(cloudformation, name).catch((error) => (error instanceof StackNotFoundError ? undefined : Promise.reject(error)));
  if (!companion) return false;
  if (servedStackOf(companion) !== stackName) throw new NotServiceRoleStackError(stackName, name);
  const status = companion.StackStatus ?? '';
  refuseUncreated(name, status);
  if (status.endsWith('_IN_PROGRESS')) throw new StackBusyError(name, status);
  checkNotFailed(name, status);
  return true;
}

/** The stack's parameters that the companion mirrors, by the companion's name for each: its role, or its boundary, may touch what they name. */
export const MIRRORED_PARAMETERS: Record<string, string> = {
  WebACLArn: 'WebACLArn',
  HostedZoneId: 'HostedZoneId',
  AccessLogBucket: 'AccessLogBucket',
  DomainNames: 'DomainNames',
  // The companion's DistributionId is the stack's own distribution, which the role may change.
  AdoptedDistributionId: 'DistributionId',
};

/** The companion's parameters for the stack's own physical IDs, empty while the stack does not exist. */
export interface StackIds {
  DistributionId: string;
  UsagePlanId: string;
  /** The stack's roles that predate role paths, which the next update replaces. */
  RetiringRoleNames: string;
}

/** What the companion's role is scoped to of the stack itself, as the stack is now. */
export async function stackIds(cloudformation: CloudFormationClient, stack: Stack | undefined): Promise<StackIds> {
  if (!stack) return { DistributionId: '', UsagePlanId: '', RetiringRoleNames: '' };
  const output = (key: string) => outputOf(stack, key) ?? '';
  const retiring = await rolesWithoutPath(cloudformation, stack.StackName ?? '');
  // On an existing distribution the output names the team's, which the role must not touch.
  const adopted = (parameterOf(stack, 'DistributionId') ?? '') !== '';
  return { DistributionId: adopted ? '' : output('DistributionId'), UsagePlanId: output('UsagePlanId'), RetiringRoleNames: retiring.join(',') };
}

/** Roles a stack made before this template gave them a path: an update to it replaces them. */
async function rolesWithoutPath(cloudformation: CloudFormationClient, stackName: string): Promise<string[]> {
  const { TemplateBody = '' } = await cloudformation.send(new GetTemplateCommand({ StackName: stackName }));
  const resources: Record<string, any> = parseTemplate(TemplateBody).Resources ?? {};
  const unpathed = Object.keys(resources).filter((id) => resources[id].Type === 'AWS::IAM::Role' && !resources[id].Properties?.Path);
  if (unpathed.length === 0) return [];
  const { StackResources = [] } = await cloudformation.send(new DescribeStackResourcesCommand({ StackName: stackName }));
  return StackResources.filter((r) => unpathed.includes(r.LogicalResourceId ?? '')).map((r) => r.PhysicalResourceId ?? '').sort();
}

/** Creates the companion stack, or updates it when it `exists` (checkServiceRoleStack), and returns its role's ARN. */
export async function deployServiceRole(
  stackName: string,
  exists: boolean,
  given: Record<string, string>,
  clientRequestToken: string,
  since: Date,
  deps: ServiceRoleDependencies,
): Promise<string> {
  const { cloudformation, serviceRoleTemplateBody, output } = deps;
  const companion = serviceRoleStackName(stackName);
  const parameters: Parameter[] = [
    { ParameterKey: 'StackName', ParameterValue: stackName },
    ...Object.entries(given).map(([key, value]) => ({ ParameterKey: key, ParameterValue: value })),
  ];
  // The role and the boundary policy have names the main template refers to.
  const common = { StackName: companion, TemplateBody: serviceRoleTemplateBody, Parameters: parameters, Capabilities: ['CAPABILITY_NAMED_IAM' as const], ClientRequestToken: clientRequestToken };
  output.line(`${exists ? 'Updating' : 'Creating'} the service role stack ${companion} …`);
  const started = await cloudformation.send(exists ? new UpdateStackCommand(common) : new CreateStackCommand(common)).then(
    () => true,
    (error) => {
      if (!isValidationError(error, 'No updates are to be performed.')) throw translateError(error, companion);
      output.line(`No changes to ${companion}.`);
      return false;
    },
  );
  if (started) {
    await followToSuccess({ ...deps, stackName: companion, clientRequestToken, since }).catch((error) => {
      // The role and the boundary policy are named after the stack, and IAM names are global.
      const taken = !exists && error instanceof OperationFailedError && error.failures.some((failure) => /already exists/i.test(failure));
      throw taken ? new ServiceRoleNamesTakenError(stackName, companion, error.failures, { cause: error }) : error;
    });
  }
  const outputs = (await describeStack(cloudformation, companion)).Outputs ?? [];
  const roleArn = outputs.find((o) => o.OutputKey === SERVICE_ROLE_OUTPUT)?.OutputValue;
  // Without it the stack would be deployed with no service role, as if none had been asked for.
  if (!roleArn) throw new ServiceRoleOutputMissingError(stackName, companion);
  return roleArn;
}
