// The companion stack `<stack>-service-role` (template/service-role.yaml): the CloudFormation
// service role of one rotating stack, and the permissions boundary of that stack's function roles.
// `deploy` creates or updates it before the stack itself, so the role always matches the
// template version and the options the stack is deployed with, and again after the stack when
// the stack's own IDs that the role is scoped to have changed (see stackIds).
import {
  CreateStackCommand,
  DescribeStackResourcesCommand,
  GetTemplateCommand,
  UpdateStackCommand,
  type CloudFormationClient,
  type Parameter,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { StackNotFoundError } from '../../lambda/errors';
import { describeStack, isValidationError, translateError } from '../../lambda/rotation';
import type { Output } from './output';
import { followToSuccess } from './stack-events';
import { parseTemplate } from '../template';

export const SERVICE_ROLE_OUTPUT = 'ServiceRoleArn';

export interface ServiceRoleDependencies {
  cloudformation: CloudFormationClient;
  serviceRoleTemplateBody: string;
  sleep: (milliseconds: number) => Promise<void>;
  output: Output;
}

export function serviceRoleStackName(stackName: string): string {
  return `${stackName}-service-role`;
}

/** The stack's parameters that the companion mirrors: its role may touch what they name. */
export const MIRRORED_PARAMETERS = ['WebACLArn', 'HostedZoneId', 'AccessLogBucket', 'DomainNames'];

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
  const output = (key: string) => stack.Outputs?.find((o) => o.OutputKey === key)?.OutputValue ?? '';
  const retiring = await rolesWithoutPath(cloudformation, stack.StackName ?? '');
  return { DistributionId: output('DistributionId'), UsagePlanId: output('UsagePlanId'), RetiringRoleNames: retiring.join(',') };
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

/** Creates or updates the companion stack and returns its role's ARN. */
export async function deployServiceRole(
  stackName: string,
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
  const exists = await describeStack(cloudformation, companion).then(
    () => true,
    (error) => (error instanceof StackNotFoundError ? false : Promise.reject(error)),
  );
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
    await followToSuccess({ ...deps, stackName: companion, clientRequestToken, since });
  }
  const outputs = (await describeStack(cloudformation, companion)).Outputs ?? [];
  return outputs.find((o) => o.OutputKey === SERVICE_ROLE_OUTPUT)?.OutputValue ?? '';
}
