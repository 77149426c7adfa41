// The companion stack `<stack>-service-role` (template/service-role.yaml): the CloudFormation
// service role of one rotating stack, and the permissions boundary of that stack's function roles.
// `deploy` creates or updates it before the stack itself, so the role always matches the
// template version and the web ACL the stack is deployed with.
import { CreateStackCommand, UpdateStackCommand, type CloudFormationClient, type Parameter } from '@aws-sdk/client-cloudformation';
import { StackNotFoundError } from '../../lambda/errors';
import { describeStack, isValidationError, translateError } from '../../lambda/rotation';
import type { Output } from './output';
import { followToSuccess } from './stack-events';

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
export const MIRRORED_PARAMETERS = ['WebACLArn', 'HostedZoneId', 'AccessLogBucket'];

/** Creates or updates the companion stack and returns its role's ARN. */
export async function deployServiceRole(
  stackName: string,
  mirrored: Record<string, string>,
  clientRequestToken: string,
  since: Date,
  deps: ServiceRoleDependencies,
): Promise<string> {
  const { cloudformation, serviceRoleTemplateBody, output } = deps;
  const companion = serviceRoleStackName(stackName);
  const parameters: Parameter[] = [
    { ParameterKey: 'StackName', ParameterValue: stackName },
    ...MIRRORED_PARAMETERS.map((key) => ({ ParameterKey: key, ParameterValue: mirrored[key] ?? '' })),
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
