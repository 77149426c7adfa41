// The AWS CDK construct: this project's template, as it is, in a stack of its own, and the
// companion service role in another (README, "With the AWS CDK"). Both stacks are the templates
// themselves through cloudformation-include, so a template change reaches CDK apps unchanged.
//
// Why stacks of their own, and why every option is a value rather than a parameter:
//   - `cdk deploy` keeps the previous value of every parameter it is not given, defaults
//     included (aws-cdk-cli, TemplateParameters: "default, prev, no override => use previous").
//     Timestamp stays a parameter, so a later `cdk deploy` keeps the Timestamp the last rotation
//     set; an option that stayed a parameter would never change again. The options are therefore
//     folded into the template (fold-template.ts), and checked here as CloudFormation
//     would have checked them.
//   - `cdk deploy` gives each stack the bootstrap execution role, AdministratorAccess unless the
//     account was bootstrapped otherwise, and may pass no other (the bootstrap template's deploy
//     role: iam:PassRole on that role only). The rotation therefore always names the stack's own
//     service role as its RoleARN, and its role may update the stack only so (the template's
//     UpdateThisStack). A rotation of the app's own stack would reach everything the app holds.
//   - A nested stack takes its parameters from its parent's template, and CloudFormation "strongly
//     recommend[s] that updates to nested stacks are run from the parent stack"
//     (AWS::CloudFormation::Stack): a rotation would be an update of the app's own stack.
import { DefaultStackSynthesizer, Fn, Stack, Stage, Token, type Environment } from 'aws-cdk-lib';
import type { IRestApi, IUsagePlan } from 'aws-cdk-lib/aws-apigateway';
import { UsagePlan } from 'aws-cdk-lib/aws-apigateway';
import { Distribution, type IDistribution } from 'aws-cdk-lib/aws-cloudfront';
import { Alarm, type IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIRRORED_PARAMETERS, serviceRoleStackName } from '../cli/service-role';
import { SERVICE_ROLE_TEMPLATE_PATH, STAGE_URL, TEMPLATE_PATH, parseTemplate, readTemplate, violatedRule } from '../template';
import { timestampFrom } from '../../lambda/timestamp';
import { foldTemplate } from './fold-template';

/** The template's options, by the construct's name for each: every parameter but Timestamp and ServiceRoleArn. */
export const OPTION_PARAMETERS = {
  apiUrl: 'ApiURL',
  schedule: 'ApiKeyRotationSchedule',
  rotationHour: 'RotationHour',
  rotationMinute: 'RotationMinute',
  rotationDayOfMonth: 'RotationDayOfMonth',
  rotationTimeZone: 'RotationTimeZone',
  rotationWindowMinutes: 'RotationWindowMinutes',
  webAclArn: 'WebACLArn',
  notificationEmail: 'NotificationEmail',
  slackWorkspaceId: 'SlackWorkspaceId',
  slackChannelId: 'SlackChannelId',
  healthCheckPath: 'HealthCheckPath',
  keyGateTimeoutSeconds: 'KeyGateTimeoutSeconds',
  rollbackMonitoringMinutes: 'RollbackMonitoringMinutes',
  domainNames: 'DomainNames',
  certificateArn: 'CertificateArn',
  hostedZoneId: 'HostedZoneId',
  accessLogBucket: 'AccessLogBucket',
  distributionId: 'DistributionId',
} as const;

export interface RotatingOriginKeyOptions {
  /** The REST API stage behind CloudFront, `<api-id>.execute-api.<region>.amazonaws.com/<stage>`; left out with `restApi`, or for the demo API. */
  readonly apiUrl?: string;
  readonly schedule?: 'Daily' | 'Fortnightly' | 'Monthly' | 'Bimonthly' | 'Quarterly';
  readonly rotationHour?: number;
  readonly rotationMinute?: number;
  readonly rotationDayOfMonth?: number;
  readonly rotationTimeZone?: string;
  readonly rotationWindowMinutes?: number;
  readonly webAclArn?: string;
  readonly notificationEmail?: string;
  readonly slackWorkspaceId?: string;
  readonly slackChannelId?: string;
  readonly healthCheckPath?: string;
  readonly keyGateTimeoutSeconds?: number;
  readonly rollbackMonitoringMinutes?: number;
  readonly domainNames?: string[];
  readonly certificateArn?: string;
  readonly hostedZoneId?: string;
  readonly accessLogBucket?: string;
  /** An existing distribution whose `x-api-key` origin header the stack sets, instead of one of its own. */
  readonly distributionId?: string;
}

export interface RotatingOriginKeyProps extends RotatingOriginKeyOptions {
  /** The stack that holds the key (at most 30 characters); its companion is `<name>-service-role`. */
  readonly stackName: string;
  /** Account and Region of both stacks, as plain values (not tokens). */
  readonly env: Environment;
  /** The API as a construct, with its stage, instead of `apiUrl`. Its ID must be known when the app is synthesized. */
  readonly restApi?: IRestApi;
  readonly stageName?: string;
  /** The Timestamp of the first key, `YYYY-MM-DD`: the day the app is synthesized unless given. A later `cdk deploy` keeps the rotated one. */
  readonly initialTimestamp?: string;
}

export class InvalidOptionError extends Error {
  override name = 'InvalidOptionError';
  constructor(option: string, value: string, rule: string) {
    super(`RotatingOriginKey: ${option} "${value}" is not valid: it ${rule}.`);
  }
}

export class UnresolvedOptionError extends Error {
  override name = 'UnresolvedOptionError';
  constructor(option: string) {
    const remedy = option.startsWith('env.')
      ? 'give the stacks an env with the account and Region as plain values (the CDK CLI sets CDK_DEFAULT_ACCOUNT): the service role\'s ARN is made of them.'
      : 'the template checks its options with rules and conditions, which take no values from other stacks: give it as a plain value, for example from context or an environment variable, once the API exists.';
    super(`RotatingOriginKey: ${option} is not known when the app is synthesized (missing, or a token such as the ID of a RestApi of this app); ${remedy}`);
  }
}

export class RotatingOriginKey extends Construct {
  /** The stack holding the key, the usage plan, the distribution, the functions and the alarms. */
  readonly keyStack: Stack;
  /** `<stackName>-service-role`: the key stack's CloudFormation service role and its functions' boundary. */
  readonly serviceRoleStack: Stack;
  readonly template: CfnInclude;
  readonly distribution: IDistribution;
  /** The address clients use, https://<first domain name> or https://<the distribution's domain>. */
  readonly url: string;
  /** The distribution's own address, https://<its domain>, whatever the domain names. */
  readonly distributionUrl: string;
  readonly topic: ITopic;
  readonly usagePlan: IUsagePlan;
  readonly alarms: IAlarm[];

  constructor(scope: Construct, id: string, props: RotatingOriginKeyProps) {
    super(scope, id);
    const main = parseTemplate(readTemplate(TEMPLATE_PATH));
    const companion = parseTemplate(readTemplate(SERVICE_ROLE_TEMPLATE_PATH));
    const stackNameRule = violatedRule(companion.Parameters.StackName, props.stackName);
    if (stackNameRule) throw new InvalidOptionError('stackName', props.stackName, stackNameRule);
    const env = checkedEnv(props.env);
    const values = optionValues({ ...props, env }, main.Parameters);
    // No bootstrap-version rule and no CDK metadata resource: a rotation re-sends the stack's
    // template as it is (UsePreviousTemplate), and neither may stop it or need more of its role.
    const stackProps = { env, analyticsReporting: false, synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }) };
    this.serviceRoleStack = new Stack(this, 'ServiceRole', { ...stackProps, stackName: serviceRoleStackName(props.stackName) });
    new CfnInclude(this.serviceRoleStack, 'Template', {
      templateFile: foldedTemplateFile(this, companion, {
        StackName: props.stackName,
        ...Object.fromEntries(Object.entries(MIRRORED_PARAMETERS).map(([companionKey, key]) => [companionKey, values[key] ?? ''])),
        // The CLI narrows the role to the stack's distribution and usage plan once they exist;
        // here the key stack depends on this one, so the role keeps the scope of a stack being
        // created: only what is tagged with the key stack's name or ID (README, "With the AWS CDK").
        DistributionId: '',
        UsagePlanId: '',
        RetiringRoleNames: '',
      }),
    });
    this.keyStack = new Stack(this, 'Key', { ...stackProps, stackName: props.stackName });
    this.keyStack.addStackDependency(this.serviceRoleStack, 'its roles carry the boundary, and its rotations run as the role, of the service role stack');
    const partition = RegionInfo.get(env.region).partition ?? 'aws';
    this.template = new CfnInclude(this.keyStack, 'Template', {
      templateFile: foldedTemplateFile(this, main, { ...values, ServiceRoleArn: `arn:${partition}:iam::${env.account}:role/cloudfront-api-key-rotation/${props.stackName}-cfn` }, {
        Timestamp: props.initialTimestamp ?? timestampFrom(new Date()).slice(0, 10),
      }),
    });

    const resource = (logicalId: string) => this.template.getResource(logicalId);
    this.distribution = props.distributionId
      ? Distribution.fromDistributionAttributes(this.keyStack, 'AdoptedDistribution', { distributionId: props.distributionId, domainName: resource('OriginHeader').getAtt('DomainName').toString() })
      : Distribution.fromDistributionAttributes(this.keyStack, 'Distribution', { distributionId: resource('Distribution').ref, domainName: resource('Distribution').getAtt('DomainName').toString() });
    // The template's CloudFrontURL and DistributionURL outputs, from tokens: an included output's value is not one.
    this.distributionUrl = Fn.join('', ['https://', this.distribution.distributionDomainName]);
    this.url = props.domainNames?.[0] ? `https://${props.domainNames[0]}` : this.distributionUrl;
    this.topic = Topic.fromTopicArn(this.keyStack, 'Topic', resource('RotationTopic').ref);
    this.usagePlan = UsagePlan.fromUsagePlanId(this.keyStack, 'UsagePlan', resource('UsagePlan').ref);
    this.alarms = ['OriginKeyRejectedAlarm', 'RotationFailedAlarm', 'VerifierSilentAlarm', 'StaleKeyAlarm'].map((logicalId) =>
      Alarm.fromAlarmArn(this.keyStack, logicalId, resource(logicalId).getAtt('Arn').toString()),
    );
  }
}

/** Both stacks' account and Region, known when the app is synthesized: the service role's ARN, which the key stack's conditions and rules read, is made of them. */
function checkedEnv(env: Environment | undefined): Required<Pick<Environment, 'account' | 'region'>> {
  const { account, region } = env ?? {};
  if (account === undefined || Token.isUnresolved(account)) throw new UnresolvedOptionError('env.account');
  if (region === undefined || Token.isUnresolved(region)) throw new UnresolvedOptionError('env.region');
  return { account, region };
}

/**
 * The template folded for the given values (fold-template.ts), with new parameter defaults, as a
 * file for CfnInclude, which reads templates from files only: in the app's cloud assembly, which
 * the CDK writes afresh for each synthesis.
 */
function foldedTemplateFile(scope: Construct, template: Record<string, any>, values: Record<string, string>, defaults: Record<string, string> = {}): string {
  const folded = foldTemplate(template, values);
  for (const [key, value] of Object.entries(defaults)) folded.Parameters[key] = { ...folded.Parameters[key], Default: value };
  const text = JSON.stringify(folded, null, 1);
  const file = join(Stage.of(scope)!.outdir, `cloudfront-api-key-rotation-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.json`);
  writeFileSync(file, text);
  return file;
}

/** The options as the template's parameter values, each checked against the parameter's own rule. */
function optionValues(props: RotatingOriginKeyProps, declared: Record<string, any>): Record<string, string> {
  const given: Record<string, unknown> = { ...props, apiUrl: props.apiUrl ?? apiUrlOf(props) };
  const values: Record<string, string> = {};
  for (const [option, key] of Object.entries(OPTION_PARAMETERS)) {
    const value = given[option];
    // Every option is folded, those left out at their defaults: one left a parameter would keep its first value.
    if (value === undefined) {
      values[key] = String(declared[key].Default);
      continue;
    }
    const text = Array.isArray(value) ? value.join(',') : String(value);
    if (Token.isUnresolved(text)) throw new UnresolvedOptionError(option);
    const rule = violatedRule(declared[key], text);
    if (rule) throw new InvalidOptionError(option, text, rule);
    // As deploy's checkApiRegion: the stack's usage plan and key are API Gateway resources of its
    // own Region, and a usage plan names stages of that Region's APIs only.
    const apiRegion = key === 'ApiURL' ? STAGE_URL.exec(text)?.[2] : undefined;
    if (apiRegion !== undefined && apiRegion !== props.env.region) {
      throw new InvalidOptionError(option, text, `is in ${apiRegion}, and the stacks' env in ${props.env.region}: a stack's origin must be in the stack's own Region, as its usage plan and key are. Put this construct in ${apiRegion}`);
    }
    values[key] = text;
  }
  return values;
}

function apiUrlOf({ restApi, stageName, env }: RotatingOriginKeyProps): string | undefined {
  if (!restApi) return undefined;
  return `${restApi.restApiId}.execute-api.${env.region}.amazonaws.com/${stageName ?? restApi.deploymentStage.stageName}`;
}

