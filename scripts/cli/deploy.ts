// `deploy`: creates the stack when it is absent, otherwise updates it with the current template.
// Parameters not given keep their values, and so does Timestamp unless --rotate is given: a
// deploy rotates nothing by accident.
import type { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import {
  CloudFormationClient,
  CreateStackCommand,
  UpdateStackCommand,
  type Parameter,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { isDeepStrictEqual } from 'node:util';
import { StackBusyError, StackNotFoundError } from '../../lambda/errors';
import { TIMESTAMP_PARAMETER, checkNotFailed, checkOwnStack, describeStack, isValidationError, parameterOf, translateError } from '../../lambda/rotation';
import { timestampFrom } from '../../lambda/timestamp';
import { UsageError } from './errors';
import { type Output, paint } from './output';
import { checkApiRegion, checkApiStage, checkDistributionChange, checkNamesFit, checkNotNewer, checkOriginChange, checkRules, checkServiceRoleStackName } from './deploy-guards';
import { refuseUncreated } from './refusals';
import { runScheduledRotation } from './scheduled-rotation';
import { MIRRORED_PARAMETERS, checkServiceRoleStack, deployServiceRole, stackIds } from './service-role';
import { PARAMETER_FLAGS } from './parameter-flags';
import { printOutputs } from './stack-outputs';
import { type FollowResult, followToSuccess } from './stack-events';
import { checkTemplateSize } from './template-limits';
import { uploadTemplate } from './template-url';
import { parseTemplate, templateRelease, violatedRule } from '../template';

export interface DeployRequest {
  stackName: string;
  /** Template parameters given on the command line, by parameter name. */
  parameters: Record<string, string>;
  rotate: boolean;
  /** The user confirmed pointing CloudFront at another origin (--change-origin). */
  changeOrigin?: boolean;
  /** Deploy the companion service-role stack and give the stack its role (--service-role). */
  serviceRole?: boolean;
  /** Test the unattended path after a deploy that could break it (default; --skip-test-rotation). */
  testRotation?: boolean;
  /** The user's S3 bucket for the template (--template-bucket); otherwise deploy's own. */
  templateBucket?: string;
}

export interface DeployDependencies {
  cloudformation: CloudFormationClient;
  apigateway: APIGatewayClient;
  lambda: LambdaClient;
  s3: S3Client;
  sts: STSClient;
  templateBody: string;
  serviceRoleTemplateBody: string;
  now: () => Date;
  sleep: (milliseconds: number) => Promise<void>;
  output: Output;
}

// The stack creates IAM roles without custom names.
export const CAPABILITIES = ['CAPABILITY_IAM' as const];
const SERVICE_ROLE_PARAMETER = 'ServiceRoleArn';

/** What a change to can stop the scheduled rotation from working: the roles and the function. */
const UNATTENDED_PATH_TYPES = ['AWS::IAM::Role', 'AWS::Lambda::Function'];

export async function deploy(given: DeployRequest, deps: DeployDependencies): Promise<void> {
  let request = given;
  const { cloudformation, templateBody, now, output } = deps;
  const template = checkDeployable(templateBody, request.parameters);
  const declared: Record<string, any> = template.Parameters ?? {};

  const timestamp = timestampFrom(now());
  const clientRequestToken = `deploy-${timestamp}`;
  const since = now();
  const existing = await findStack(cloudformation, request.stackName);
  const region = await cloudformation.config.region();
  if ('ApiURL' in request.parameters) checkApiRegion(request.parameters.ApiURL, region, existing !== undefined);
  if (existing) {
    refuseUncreated(request.stackName, existing.StackStatus ?? '');
    checkOwnStack(existing);
    checkNotNewer(existing, templateRelease(template) ?? '');
    checkOriginChange(existing, request.parameters, request.changeOrigin === true);
    checkDistributionChange(existing, request.parameters);
  }
  if ('ApiURL' in request.parameters) await checkApiStage(deps.apigateway, request.parameters.ApiURL);
  const stackValue = (key: string) => parameterOf(existing, key);
  const currentValue = (key: string) => stackValue(key) ?? '';
  // A parameter new in this template version takes its default on an existing stack too.
  const valueAfter = (key: string) => request.parameters[key] ?? stackValue(key) ?? String(declared[key]?.Default ?? '');
  checkRules(template.Rules ?? {}, Object.fromEntries(Object.keys(declared).map((key) => [key, valueAfter(key)])), PARAMETER_FLAGS);
  checkNamesFit(request.stackName, region, valueAfter);
  // A stack in service-role mode keeps its companion in step with the template and the web ACL.
  const withServiceRole = request.serviceRole === true || currentValue(SERVICE_ROLE_PARAMETER) !== '';
  if (withServiceRole) {
    // The companion goes as a TemplateBody: at about half that limit, and made of policies that
    // grow slowly, it needs no bucket (test/deployable-template.test.ts keeps its headroom).
    checkTemplateSize(deps.serviceRoleTemplateBody, 'TemplateBody');
    checkServiceRoleStackName(request.stackName, parseTemplate(deps.serviceRoleTemplateBody));
  }
  const companionExists = withServiceRole && (await checkServiceRoleStack(cloudformation, request.stackName));
  // Before the first change: a bucket refused or in the wrong Region leaves CloudFormation as it was.
  const templateUrl = await uploadTemplate(templateBody, region, request.templateBucket, deps);
  let roleArn: string | undefined;
  const mirrored = Object.fromEntries(Object.entries(MIRRORED_PARAMETERS).map(([companionKey, key]) => [companionKey, request.parameters[key] ?? currentValue(key)]));
  const idsBefore = withServiceRole ? await stackIds(cloudformation, existing) : undefined;
  if (idsBefore) {
    roleArn = await deployServiceRole(request.stackName, companionExists, { ...mirrored, ...idsBefore }, `${clientRequestToken}-role`, since, deps);
    request = { ...request, parameters: { ...request.parameters, [SERVICE_ROLE_PARAMETER]: roleArn } };
  }
  let result: FollowResult;
  if (!existing) {
    output.line(`Creating stack ${request.stackName} (Timestamp ${timestamp}) …`);
    await cloudformation
      .send(
        new CreateStackCommand({
          StackName: request.stackName,
          TemplateURL: templateUrl,
          Parameters: [
            ...Object.entries(request.parameters).map(([key, value]) => ({ ParameterKey: key, ParameterValue: value })),
            { ParameterKey: TIMESTAMP_PARAMETER, ParameterValue: timestamp },
          ],
          Capabilities: CAPABILITIES,
          RoleARN: roleArn,
          ClientRequestToken: clientRequestToken,
        }),
      )
      .catch((error) => Promise.reject(translateError(error, request.stackName)));
    result = await follow(request.stackName, clientRequestToken, since, deps);
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
          TemplateURL: templateUrl,
          Parameters: parameters,
          Capabilities: CAPABILITIES,
          RoleARN: roleArn,
          ClientRequestToken: clientRequestToken,
        }),
      );
    } catch (error) {
      if (!isValidationError(error, 'No updates are to be performed.')) throw translateError(error, request.stackName);
      output.line('No changes: the stack already matches the template and parameters.');
      return printOutputs(cloudformation, request.stackName, output);
    }
    result = await follow(request.stackName, clientRequestToken, since, deps);
  }
  if (idsBefore) {
    // Scope the role to what the stack now is: its new distribution and usage plan after a
    // create, and no longer the roles an upgrade has just replaced.
    const idsAfter = await stackIds(cloudformation, await describeStack(cloudformation, request.stackName));
    if (!isDeepStrictEqual(idsAfter, idsBefore)) {
      await deployServiceRole(request.stackName, true, { ...mirrored, ...idsAfter }, `${clientRequestToken}-role-scope`, since, deps);
    }
  }
  const roleChanged = roleArn !== undefined && roleArn !== existing?.RoleARN;
  const pathChanged = !existing || roleChanged || UNATTENDED_PATH_TYPES.some((type) => result.touchedTypes.has(type));
  if (request.testRotation !== false && pathChanged) {
    output.line();
    await runScheduledRotation(await describeStack(cloudformation, request.stackName), deps);
  }
  // Read last: the test rotation has just replaced the key the outputs name.
  await printOutputs(cloudformation, request.stackName, output);
}

async function follow(stackName: string, clientRequestToken: string, since: Date, deps: DeployDependencies): Promise<FollowResult> {
  const result = await followToSuccess({ ...deps, stackName, clientRequestToken, since });
  deps.output.line(paint(deps.output, 'green', `Stack ${stackName}: ${result.status}`));
  return result;
}

/** Checks the given values against the template's parameters and the template's size in S3; returns the parsed template. */
export function checkDeployable(templateBody: string, given: Record<string, string>): Record<string, any> {
  const template = parseTemplate(templateBody);
  validateParameters(given, template.Parameters ?? {});
  checkTemplateSize(templateBody, 'TemplateURL');
  return template;
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

