// `deploy`: creates the stack when it is absent, otherwise updates it with the current template.
// Parameters not given keep their values, and so does Timestamp unless --rotate is given: a
// deploy rotates nothing by accident.
import type { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import {
  CloudFormationClient,
  CreateStackCommand,
  UpdateStackCommand,
  type Parameter,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { StackBusyError, StackNotFoundError } from '../../lambda/errors';
import { TIMESTAMP_PARAMETER, checkNotFailed, describeStack, isValidationError, translateError } from '../../lambda/rotation';
import { timestampFrom } from '../../lambda/timestamp';
import { OperationFailedError, TemplateTooLargeError, UsageError } from './errors';
import { type Output, paint } from './output';
import { checkApiStage, checkOriginChange, checkOwnStack } from './deploy-guards';
import { refuseUncreated } from './refusals';
import { followStackOperation } from './stack-events';
import { parseTemplate } from '../template';

/** CreateStack and UpdateStack take a TemplateBody of at most 51,200 bytes. */
export const TEMPLATE_BODY_LIMIT = 51_200;

/** The command-line flag for each template parameter that `deploy` takes. */
export const PARAMETER_FLAGS: Record<string, string> = {
  ApiURL: '--api-url',
  ApiKeyRotationSchedule: '--schedule',
  WebACLArn: '--web-acl-arn',
  NotificationEmail: '--notification-email',
  HealthCheckPath: '--health-check-path',
  KeyGateTimeoutSeconds: '--key-gate-seconds',
  RollbackMonitoringMinutes: '--rollback-minutes',
};

export interface DeployRequest {
  stackName: string;
  /** Template parameters given on the command line, by parameter name. */
  parameters: Record<string, string>;
  rotate: boolean;
  /** The user confirmed pointing CloudFront at another origin (--change-origin). */
  changeOrigin?: boolean;
}

export interface DeployDependencies {
  cloudformation: CloudFormationClient;
  apigateway: APIGatewayClient;
  templateBody: string;
  now: () => Date;
  sleep: (milliseconds: number) => Promise<void>;
  output: Output;
}

// The stack creates an IAM role without a custom name.
const CAPABILITIES = ['CAPABILITY_IAM' as const];

export async function deploy(request: DeployRequest, deps: DeployDependencies): Promise<void> {
  const { cloudformation, templateBody, now, output } = deps;
  const declared = parseTemplate(templateBody).Parameters ?? {};
  validateParameters(request.parameters, declared);
  const size = Buffer.byteLength(templateBody);
  if (size > TEMPLATE_BODY_LIMIT) throw new TemplateTooLargeError(size, TEMPLATE_BODY_LIMIT);

  const timestamp = timestampFrom(now());
  const clientRequestToken = `deploy-${timestamp}`;
  const since = now();
  const existing = await findStack(cloudformation, request.stackName);
  if (existing) {
    refuseUncreated(request.stackName, existing.StackStatus ?? '');
    checkOwnStack(existing);
    checkOriginChange(existing, request.parameters, request.changeOrigin === true);
  }
  if ('ApiURL' in request.parameters) await checkApiStage(deps.apigateway, request.parameters.ApiURL);
  if (!existing) {
    output.line(`Creating stack ${request.stackName} (Timestamp ${timestamp}) …`);
    await cloudformation
      .send(
        new CreateStackCommand({
          StackName: request.stackName,
          TemplateBody: templateBody,
          Parameters: [
            ...Object.entries(request.parameters).map(([key, value]) => ({ ParameterKey: key, ParameterValue: value })),
            { ParameterKey: TIMESTAMP_PARAMETER, ParameterValue: timestamp },
          ],
          Capabilities: CAPABILITIES,
          ClientRequestToken: clientRequestToken,
        }),
      )
      .catch((error) => Promise.reject(translateError(error, request.stackName)));
  } else {
    const status = existing.StackStatus ?? '';
    checkNotFailed(request.stackName, status);
    if (status.endsWith('_IN_PROGRESS')) throw new StackBusyError(request.stackName, status);
    const parameters = updateParameters(request, Object.keys(declared), existing, timestamp);
    output.line(`Updating stack ${request.stackName}${request.rotate ? ` and rotating the key (Timestamp ${timestamp})` : ''} …`);
    try {
      await cloudformation.send(
        new UpdateStackCommand({
          StackName: request.stackName,
          TemplateBody: templateBody,
          Parameters: parameters,
          Capabilities: CAPABILITIES,
          ClientRequestToken: clientRequestToken,
        }),
      );
    } catch (error) {
      if (!isValidationError(error, 'No updates are to be performed.')) throw translateError(error, request.stackName);
      output.line('No changes: the stack already matches the template and parameters.');
      return printOutputs(cloudformation, request.stackName, output);
    }
  }

  const result = await followStackOperation({ ...deps, stackName: request.stackName, clientRequestToken, since });
  if (!result.succeeded) throw new OperationFailedError(request.stackName, result.status, result.failures);
  output.line(paint(output, 'green', `Stack ${request.stackName}: ${result.status}`));
  await printOutputs(cloudformation, request.stackName, output);
}

/** What CloudFormation would refuse a value for, in the template's own words; undefined if valid. */
function violatedRule(parameter: Record<string, any>, value: string): string | undefined {
  const { Type, AllowedPattern, AllowedValues, ConstraintDescription, MinValue, MaxValue } = parameter;
  if (AllowedValues && !AllowedValues.includes(value)) return `must be one of ${AllowedValues.join(', ')}`;
  if (AllowedPattern && !new RegExp(AllowedPattern).test(value)) return ConstraintDescription;
  if (Type === 'Number' && (!/^\d+$/.test(value) || Number(value) < MinValue || Number(value) > MaxValue)) {
    return `must be a whole number from ${MinValue} to ${MaxValue}`;
  }
  return undefined;
}

function validateParameters(given: Record<string, string>, declared: Record<string, any>): void {
  for (const [key, value] of Object.entries(given)) {
    const rule = violatedRule(declared[key] ?? {}, value);
    if (rule) throw new UsageError(`${PARAMETER_FLAGS[key] ?? key} "${value}" is not valid: it ${rule}.`, 'deploy');
  }
}

/** Given values win; every other parameter the stack has keeps its value; Timestamp only changes with --rotate. */
export function updateParameters(request: DeployRequest, declared: string[], stack: Stack, timestamp: string): Parameter[] {
  const current = new Set((stack.Parameters ?? []).map((p) => p.ParameterKey));
  return declared.flatMap((key): Parameter[] => {
    if (key === TIMESTAMP_PARAMETER && request.rotate) return [{ ParameterKey: key, ParameterValue: timestamp }];
    if (key in request.parameters) return [{ ParameterKey: key, ParameterValue: request.parameters[key] }];
    if (current.has(key)) return [{ ParameterKey: key, UsePreviousValue: true }];
    return []; // New in this template version: it takes its default.
  });
}

async function findStack(cloudformation: CloudFormationClient, stackName: string): Promise<Stack | undefined> {
  return describeStack(cloudformation, stackName).catch((error) => {
    if (error instanceof StackNotFoundError) return undefined;
    throw error;
  });
}

export async function printOutputs(cloudformation: CloudFormationClient, stackName: string, output: Output): Promise<void> {
  const outputs = (await describeStack(cloudformation, stackName)).Outputs ?? [];
  if (outputs.length === 0) return;
  output.line();
  output.line(paint(output, 'bold', 'Outputs'));
  const width = Math.max(...outputs.map((o) => (o.OutputKey ?? '').length));
  for (const { OutputKey = '', OutputValue = '' } of outputs) output.line(`  ${OutputKey.padEnd(width)}  ${OutputValue}`);
}
