// One account with this project's stack `edge` in us-east-1 and its look-alike neighbours: the
// resources each would really have (names CloudFormation generates, role paths, the tags
// CloudFormation and the template put on them), for the IAM simulator to judge requests against.
import { SERVICE_ROLE_TEMPLATE_PATH, parseTemplate, readTemplate } from '../scripts/template';
import { type Deployment, resolveTemplate } from './support/resolve-template';

export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';
export const STACK = 'edge';
export const STACK_ID = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${STACK}/5f1b2c3d-0000-4000-8000-00000000edge`;
export const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/cloudfront-api-key-rotation/${STACK}-boundary`;
export const SERVICE_ROLE = `arn:aws:iam::${ACCOUNT}:role/cloudfront-api-key-rotation/${STACK}-cfn`;
export const DOMAIN = 'api.example.com';
export const ZONE = 'Z0EDGEZONE0001';
const WEB_ACL = `arn:aws:wafv2:us-east-1:${ACCOUNT}:global/webacl/edge/473e64fd-f30b-4765-81a0-62ad96dd167a`;
const CERTIFICATE = `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/473e64fd-f30b-4765-81a0-62ad96dd167a`;

/** A request's resource and the context keys IAM sees for it. */
export interface Target {
  arn: string;
  context?: Record<string, string | string[]>;
  /** Needed only while the stack is created, before deploy passes its IDs to the companion. */
  atCreateOnly?: boolean;
  /** The only actions a handler calls on this target (a collection takes POST, a connection group GetConnectionGroup). */
  actions?: string[];
  /** Why the simulator's input check cannot take this ARN; it is then evaluated without that check. */
  unchecked?: string;
}
// iam-data gives these collections two ARN formats in one string (HTTP and REST APIs), which the
// simulator's input check does not match; the policy evaluation is the same.
const TWO_FORMATS = 'iam-data lists two ARN formats for this resource type';
const POST = ['apigateway:POST'];

export const arn = {
  lambda: (name: string, region = REGION) => `arn:aws:lambda:${region}:${ACCOUNT}:function:${name}`,
  role: (nameWithPath: string) => `arn:aws:iam::${ACCOUNT}:role/${nameWithPath}`,
  logs: (group: string, region = REGION) => `arn:aws:logs:${region}:${ACCOUNT}:log-group:${group}`,
  rule: (name: string) => `arn:aws:events:${REGION}:${ACCOUNT}:rule/${name}`,
  topic: (name: string) => `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`,
  alarm: (name: string) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`,
  secret: (name: string, region = REGION) => `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${name}`,
  apigateway: (path: string, region = REGION) => `arn:aws:apigateway:${region}::${path}`,
  distribution: (id: string) => `arn:aws:cloudfront::${ACCOUNT}:distribution/${id}`,
  stack: (name: string, region = REGION) => `arn:aws:cloudformation:${region}:${ACCOUNT}:stack/${name}/9a8b7c6d-0000-4000-8000-000000000000`,
};
const tagsResource = (path: string) => arn.apigateway(`/tags/${encodeURIComponent(arn.apigateway(path))}`);

/** The tags CloudFormation puts on a resource of `stack` (aws:cloudformation:*), as IAM sees them. */
export function stackTags(stackName: string, stackId: string): Record<string, string> {
  return { 'aws:ResourceTag/aws:cloudformation:stack-name': stackName, 'aws:ResourceTag/aws:cloudformation:stack-id': stackId };
}
const OWN_TAGS = stackTags(STACK, STACK_ID);

// --- The stack's own resources, as deployed. ---------------------------------------------------
const ROLE_PATH = `cloudfront-api-key-rotation/${REGION}/${STACK}/`;
export const OWN = {
  functions: { RotationFunction: 'edge-RotationFunction-Ab1Cd2Ef3Gh4', VerifierFunction: 'edge-VerifierFunction-Ij5Kl6Mn7Op8', KeyGateFunction: 'edge-KeyGateFunction-Qr9St0Uv1Wx2' },
  roles: { RotationRole: 'edge-RotationRole-AAAA1111', VerifierRole: 'edge-VerifierRole-BBBB2222', KeyGateRole: 'edge-KeyGateRole-CCCC3333' },
  logGroups: { RotationLogGroup: 'edge-RotationLogGroup-DdDd4444', VerifierLogGroup: 'edge-VerifierLogGroup-EeEe5555', KeyGateLogGroup: 'edge-KeyGateLogGroup-FfFf6666' },
  rules: { RotationSchedule: 'edge-RotationSchedule-1A2B3C4D5E6F7', VerifierOutcomeRule: 'edge-VerifierOutcomeRule-7G8H9I0J1K2L3', VerifierProbeRule: 'edge-VerifierProbeRule-4M5N6O7P8Q9R0', VerifierDailyRule: 'edge-VerifierDailyRule-1S2T3U4V5W6X7' },
  alarms: { OriginKeyRejectedAlarm: 'edge-OriginKeyRejectedAlarm-YZ01', RotationFailedAlarm: 'edge-RotationFailedAlarm-AB23', VerifierSilentAlarm: 'edge-VerifierSilentAlarm-CD45', StaleKeyAlarm: 'edge-StaleKeyAlarm-EF67' },
  topic: 'edge-RotationTopic-GH89IJ01',
  distribution: 'E2EDGE00000001',
  usagePlan: 'edgeplan01',
  apiKey: 'edgekey001',
  restApi: 'edgeapi001',
  secret: 'edge/cloudfront-api-key/2026-12-01-AbCdEf',
};
const functionArn = (id: keyof typeof OWN.functions) => arn.lambda(OWN.functions[id]);
export const OWN_FUNCTIONS = Object.values(OWN.functions).map((name) => arn.lambda(name));
export const OWN_TOPIC = arn.topic(OWN.topic);
const OWN_DISTRIBUTION_TAGS = {
  'aws:ResourceTag/cloudfront-api-key-rotation:stack-name': STACK,
  'aws:ResourceTag/cloudfront-api-key-rotation:stack-id': STACK_ID,
};
/** A role of this stack, under its path, with the boundary, as the service role passes it to `service`. */
const ownRole = (name: string, service = 'lambda.amazonaws.com'): Target => ({
  arn: arn.role(ROLE_PATH + name),
  context: { 'iam:PermissionsBoundary': BOUNDARY, 'iam:PassedToService': service },
});
const ownRoles = Object.values(OWN.roles).map((name) => ownRole(name));

/** For each resource type of the template, the stack's own resources of that type as the handlers' calls name them. */
export const OWN_TARGETS: Record<string, Target[]> = {
  'AWS::IAM::Role': ownRoles,
  'AWS::Lambda::Function': [...OWN_FUNCTIONS.map((a) => ({ arn: a, context: OWN_TAGS })), ...ownRoles],
  'AWS::Lambda::Permission': OWN_FUNCTIONS.map((a) => ({ arn: a, context: { ...OWN_TAGS, 'lambda:Principal': 'events.amazonaws.com' } })),
  'AWS::Lambda::EventInvokeConfig': OWN_FUNCTIONS.map((a) => ({ arn: a, context: OWN_TAGS })),
  'AWS::Logs::LogGroup': Object.values(OWN.logGroups).map((g) => ({ arn: arn.logs(g), context: OWN_TAGS })),
  'AWS::Events::Rule': Object.values(OWN.rules).map((r) => ({ arn: arn.rule(r), context: { ...OWN_TAGS, 'events:TargetArn': [functionArn('RotationFunction')] } })),
  // The topic's handler subscribes only what its Subscription property lists, which the template leaves empty.
  'AWS::SNS::Topic': [{ arn: OWN_TOPIC, context: { ...OWN_TAGS, 'sns:Protocol': 'email' } }],
  'AWS::SNS::Subscription': [
    { arn: OWN_TOPIC, context: { ...OWN_TAGS, 'sns:Protocol': 'email', 'sns:Endpoint': 'ops@example.com' } },
    { arn: `${OWN_TOPIC}:0f1e2d3c-0000-4000-8000-000000000001` },
  ],
  'AWS::CloudWatch::Alarm': Object.values(OWN.alarms).map((a) => ({ arn: arn.alarm(a), context: { ...OWN_TAGS, 'cloudwatch:AlarmActions': [OWN_TOPIC] } })),
  'AWS::SecretsManager::Secret': [{ arn: arn.secret(OWN.secret), context: OWN_TAGS }],
  'AWS::ApiGateway::ApiKey': [
    { arn: arn.apigateway('/apikeys'), actions: POST },
    { arn: arn.apigateway(`/apikeys/${OWN.apiKey}`), context: OWN_TAGS },
    { arn: tagsResource(`/apikeys/${OWN.apiKey}`) },
  ],
  'AWS::ApiGateway::UsagePlan': [
    { arn: arn.apigateway('/usageplans'), atCreateOnly: true, actions: POST },
    { arn: arn.apigateway(`/usageplans/${OWN.usagePlan}`), context: OWN_TAGS },
    { arn: tagsResource(`/usageplans/${OWN.usagePlan}`) },
  ],
  'AWS::ApiGateway::UsagePlanKey': [
    { arn: arn.apigateway(`/usageplans/${OWN.usagePlan}/keys`), context: OWN_TAGS },
    { arn: arn.apigateway(`/usageplans/${OWN.usagePlan}/keys/${OWN.apiKey}`), context: OWN_TAGS },
  ],
  'AWS::ApiGateway::RestApi': [
    { arn: arn.apigateway('/restapis'), actions: POST },
    { arn: arn.apigateway(`/restapis/${OWN.restApi}`), context: OWN_TAGS },
    { arn: tagsResource(`/restapis/${OWN.restApi}`) },
  ],
  'AWS::ApiGateway::Resource': [
    { arn: arn.apigateway(`/restapis/${OWN.restApi}/resources`), context: OWN_TAGS, actions: POST },
    { arn: arn.apigateway(`/restapis/${OWN.restApi}/resources/r1`), context: OWN_TAGS },
  ],
  'AWS::ApiGateway::Method': [{ arn: arn.apigateway(`/restapis/${OWN.restApi}/resources/r1/methods/GET`), context: OWN_TAGS }],
  'AWS::ApiGateway::Deployment': [
    { arn: arn.apigateway(`/restapis/${OWN.restApi}/deployments`), context: OWN_TAGS, actions: POST, unchecked: TWO_FORMATS },
    { arn: arn.apigateway(`/restapis/${OWN.restApi}/deployments/d1`), context: OWN_TAGS },
  ],
  'AWS::ApiGateway::Stage': [
    { arn: arn.apigateway(`/restapis/${OWN.restApi}/stages`), context: OWN_TAGS, actions: POST, unchecked: TWO_FORMATS },
    { arn: arn.apigateway(`/restapis/${OWN.restApi}/stages/prod`), context: OWN_TAGS },
    { arn: tagsResource(`/restapis/${OWN.restApi}/stages/prod`) },
  ],
  'AWS::CloudFront::Distribution': [
    { arn: arn.distribution(OWN.distribution), context: OWN_DISTRIBUTION_TAGS },
    { arn: `arn:aws:cloudfront::${ACCOUNT}:connection-group/cg_1`, actions: ['cloudfront:GetConnectionGroup'] },
    { arn: `arn:aws:cloudfront::${ACCOUNT}:vpcorigin/vo_1`, actions: ['cloudfront:GetVpcOrigin'] },
  ],
  'AWS::Route53::RecordSet': [
    { arn: `arn:aws:route53:::hostedzone/${ZONE}`, context: { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': [DOMAIN], 'route53:ChangeResourceRecordSetsRecordTypes': ['A'], 'route53:ChangeResourceRecordSetsActions': ['CREATE'] } },
    { arn: 'arn:aws:route53:::change/C0EDGE0001' },
  ],
};

/** The key gate's function, which CloudFormation invokes for the custom resource. */
export const KEY_GATE: Target = { arn: functionArn('KeyGateFunction'), context: OWN_TAGS };
/** Resource types whose resources exist only with every option (an alias record needs a zone and domain names). */
export const WITH_OPTIONS_ONLY = ['AWS::Route53::RecordSet'];
/** Resource types the stack creates once: once it exists, their create handler is not called again. */
export const CREATED_ONCE = ['AWS::ApiGateway::UsagePlan'];

/** Targets a create calls before its resource has tags: the same resources, untagged. */
export const UNTAGGED_AT_CREATE = ['lambda:CreateFunction', 'logs:CreateLogGroup', 'events:PutRule', 'sns:CreateTopic', 'cloudwatch:PutMetricAlarm', 'secretsmanager:CreateSecret'];

// --- The neighbours: what must stay out of reach. -----------------------------------------------
const NEIGHBOUR_ID = arn.stack('edge-api');
const ELSEWHERE_ID = arn.stack('edge', 'eu-west-1');
const LOOKALIKE_ID = arn.stack('edge-RotationFunction');
const neighbourTags = stackTags('edge-api', NEIGHBOUR_ID);

export interface NeighbourCase {
  what: string;
  actions: string[];
  target: Target;
}

export const NEIGHBOURS: NeighbourCase[] = [
  { what: "a role of stack edge-api (a name that extends this one's)", actions: ['iam:PassRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:DeleteRole'], target: { arn: arn.role('cloudfront-api-key-rotation/us-east-1/edge-api/edge-api-RotationRole-ZZZZ9999'), context: { 'iam:PermissionsBoundary': BOUNDARY, 'iam:PassedToService': 'lambda.amazonaws.com' } } },
  { what: 'a role of stack edge in eu-west-1', actions: ['iam:PassRole', 'iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:DeleteRole'], target: { arn: arn.role('cloudfront-api-key-rotation/eu-west-1/edge/edge-RotationRole-YYYY8888'), context: { 'iam:PermissionsBoundary': BOUNDARY, 'iam:PassedToService': 'lambda.amazonaws.com' } } },
  { what: 'a role of stack edge-api made before role paths', actions: ['iam:PassRole', 'iam:PutRolePolicy', 'iam:DeleteRole'], target: { arn: arn.role('edge-api-RotationRole-XXXX7777'), context: { 'iam:PassedToService': 'lambda.amazonaws.com' } } },
  { what: 'a hand-made role whose path starts with the stack name', actions: ['iam:PassRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:UpdateAssumeRolePolicy'], target: { arn: arn.role('edge-team/Admin'), context: { 'iam:PassedToService': 'lambda.amazonaws.com' } } },
  { what: 'a hand-made role whose name starts with the stack name', actions: ['iam:PassRole', 'iam:PutRolePolicy', 'iam:DeleteRole'], target: { arn: arn.role('edge-admin'), context: { 'iam:PassedToService': 'lambda.amazonaws.com' } } },
  { what: "this stack's role, passed to another service", actions: ['iam:PassRole'], target: { arn: ownRoles[0].arn, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } } },
  { what: "this stack's role, without the boundary", actions: ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:DeleteRolePolicy'], target: { arn: ownRoles[0].arn } },
  { what: 'the service role itself', actions: ['iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:PassRole'], target: { arn: SERVICE_ROLE, context: { 'iam:PassedToService': 'lambda.amazonaws.com' } } },
  { what: 'a distribution of stack edge-api', actions: ['cloudfront:GetDistributionConfig', 'cloudfront:GetDistribution', 'cloudfront:UpdateDistribution', 'cloudfront:DeleteDistribution', 'cloudfront:TagResource'], target: { arn: arn.distribution('E2OTHER0000001'), context: { 'aws:ResourceTag/cloudfront-api-key-rotation:stack-name': 'edge-api', 'aws:ResourceTag/cloudfront-api-key-rotation:stack-id': NEIGHBOUR_ID } } },
  { what: 'the distribution of stack edge in eu-west-1', actions: ['cloudfront:GetDistributionConfig', 'cloudfront:UpdateDistribution', 'cloudfront:DeleteDistribution'], target: { arn: arn.distribution('E2ELSEWHERE001'), context: { 'aws:ResourceTag/cloudfront-api-key-rotation:stack-name': 'edge', 'aws:ResourceTag/cloudfront-api-key-rotation:stack-id': ELSEWHERE_ID } } },
  { what: 'a distribution made by hand', actions: ['cloudfront:GetDistributionConfig', 'cloudfront:GetDistribution', 'cloudfront:UpdateDistribution', 'cloudfront:DeleteDistribution', 'cloudfront:TagResource'], target: { arn: arn.distribution('E2HANDMADE0001') } },
  { what: 'a usage plan of stack edge-api', actions: ['apigateway:GET', 'apigateway:PATCH', 'apigateway:DELETE'], target: { arn: arn.apigateway('/usageplans/otherplan1'), context: neighbourTags } },
  { what: 'a usage plan of stack edge-api, its keys', actions: ['apigateway:POST', 'apigateway:GET'], target: { arn: arn.apigateway('/usageplans/otherplan1/keys'), context: neighbourTags } },
  { what: 'a usage plan of stack edge in eu-west-1', actions: ['apigateway:GET', 'apigateway:PATCH', 'apigateway:DELETE'], target: { arn: arn.apigateway('/usageplans/elseplan01', 'eu-west-1'), context: stackTags('edge', ELSEWHERE_ID) } },
  { what: 'an API key of stack edge-api', actions: ['apigateway:GET', 'apigateway:PATCH', 'apigateway:DELETE'], target: { arn: arn.apigateway('/apikeys/otherkey01'), context: neighbourTags } },
  { what: 'a REST API made by hand', actions: ['apigateway:GET', 'apigateway:PATCH', 'apigateway:DELETE', 'apigateway:PUT'], target: { arn: arn.apigateway('/restapis/handmade01') } },
  { what: 'a key secret of stack edge-api', actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DeleteSecret', 'secretsmanager:UpdateSecret'], target: { arn: arn.secret('edge-api/cloudfront-api-key/2026-12-01-GhIjKl'), context: neighbourTags } },
  { what: 'a key secret of stack edge in eu-west-1', actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DeleteSecret'], target: { arn: arn.secret('edge/cloudfront-api-key/2026-12-01-MnOpQr', 'eu-west-1'), context: stackTags('edge', ELSEWHERE_ID) } },
  { what: 'a secret made by hand whose name starts with the stack name', actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DeleteSecret'], target: { arn: arn.secret('edge-db-password-StUvWx') } },
  { what: 'a function of stack edge-api', actions: ['lambda:InvokeFunction', 'lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration', 'lambda:DeleteFunction', 'lambda:AddPermission'], target: { arn: arn.lambda('edge-api-RotationFunction-Zz9Yy8Xx7Ww6'), context: { ...neighbourTags, 'lambda:Principal': 'events.amazonaws.com' } } },
  { what: 'a function of stack edge-RotationFunction (a name that extends this one by a logical ID)', actions: ['lambda:InvokeFunction', 'lambda:UpdateFunctionCode', 'lambda:DeleteFunction', 'lambda:AddPermission'], target: { arn: arn.lambda('edge-RotationFunction-RotationFunction-Vv5Uu4'), context: { ...stackTags('edge-RotationFunction', LOOKALIKE_ID), 'lambda:Principal': 'events.amazonaws.com' } } },
  { what: 'a function of stack edge in eu-west-1', actions: ['lambda:InvokeFunction', 'lambda:UpdateFunctionCode', 'lambda:DeleteFunction'], target: { arn: arn.lambda('edge-RotationFunction-Tt3Ss2Rr1Qq0', 'eu-west-1'), context: stackTags('edge', ELSEWHERE_ID) } },
  { what: "this stack's function, opened to another principal", actions: ['lambda:AddPermission'], target: { arn: functionArn('KeyGateFunction'), context: { ...OWN_TAGS, 'lambda:Principal': '444455556666' } } },
  { what: 'a topic of stack edge-api', actions: ['sns:Publish', 'sns:Subscribe', 'sns:SetTopicAttributes', 'sns:DeleteTopic'], target: { arn: arn.topic('edge-api-RotationTopic-KL23MN45'), context: { ...neighbourTags, 'sns:Protocol': 'email' } } },
  { what: "this stack's topic, subscribed to by an outside endpoint", actions: ['sns:Subscribe'], target: { arn: OWN_TOPIC, context: { ...OWN_TAGS, 'sns:Protocol': 'https', 'sns:Endpoint': 'https://listener.example.net/' } } },
  { what: 'a rule of stack edge-api', actions: ['events:PutRule', 'events:PutTargets', 'events:DeleteRule', 'events:RemoveTargets'], target: { arn: arn.rule('edge-api-RotationSchedule-OP67QR89ST01U'), context: { ...neighbourTags, 'events:TargetArn': [functionArn('RotationFunction')] } } },
  { what: "this stack's rule, targeting another stack's function", actions: ['events:PutTargets'], target: { arn: arn.rule(OWN.rules.RotationSchedule), context: { ...OWN_TAGS, 'events:TargetArn': [arn.lambda('edge-api-RotationFunction-Zz9Yy8Xx7Ww6')] } } },
  { what: 'an alarm of stack edge-api', actions: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms'], target: { arn: arn.alarm('edge-api-OriginKeyRejectedAlarm-VW23'), context: { ...neighbourTags, 'cloudwatch:AlarmActions': [OWN_TOPIC] } } },
  { what: "this stack's alarm, notifying another topic", actions: ['cloudwatch:PutMetricAlarm'], target: { arn: arn.alarm(OWN.alarms.OriginKeyRejectedAlarm), context: { ...OWN_TAGS, 'cloudwatch:AlarmActions': [arn.topic('edge-api-RotationTopic-KL23MN45')] } } },
  { what: 'a log group of stack edge-api', actions: ['logs:DeleteLogGroup', 'logs:PutRetentionPolicy'], target: { arn: arn.logs('edge-api-RotationLogGroup-Gg7Hh8'), context: neighbourTags } },
  { what: 'a log stream of stack edge-api', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], target: { arn: `${arn.logs('edge-api-RotationLogGroup-Gg7Hh8')}:log-stream:2026/12/01/x`, context: neighbourTags } },
  { what: 'a log stream of stack edge in eu-west-1', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], target: { arn: `${arn.logs('edge-RotationLogGroup-Ii9Jj0', 'eu-west-1')}:log-stream:2026/12/01/x`, context: stackTags('edge', ELSEWHERE_ID) } },
  { what: 'another record in the zone', actions: ['route53:ChangeResourceRecordSets'], target: { arn: `arn:aws:route53:::hostedzone/${ZONE}`, context: { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['www.example.com'], 'route53:ChangeResourceRecordSetsRecordTypes': ['A'], 'route53:ChangeResourceRecordSetsActions': ['UPSERT'] } } },
  { what: 'another record type for the domain', actions: ['route53:ChangeResourceRecordSets'], target: { arn: `arn:aws:route53:::hostedzone/${ZONE}`, context: { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': [DOMAIN], 'route53:ChangeResourceRecordSetsRecordTypes': ['TXT'], 'route53:ChangeResourceRecordSetsActions': ['CREATE'] } } },
  { what: 'the alias record together with another record', actions: ['route53:ChangeResourceRecordSets'], target: { arn: `arn:aws:route53:::hostedzone/${ZONE}`, context: { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': [DOMAIN, 'mail.example.com'], 'route53:ChangeResourceRecordSetsRecordTypes': ['A', 'MX'], 'route53:ChangeResourceRecordSetsActions': ['CREATE'] } } },
  { what: 'another hosted zone', actions: ['route53:ChangeResourceRecordSets'], target: { arn: 'arn:aws:route53:::hostedzone/Z0OTHERZONE01', context: { 'route53:ChangeResourceRecordSetsNormalizedRecordNames': [DOMAIN], 'route53:ChangeResourceRecordSetsRecordTypes': ['A'], 'route53:ChangeResourceRecordSetsActions': ['CREATE'] } } },
  { what: 'stack edge-api', actions: ['cloudformation:UpdateStack', 'cloudformation:DescribeStacks'], target: { arn: NEIGHBOUR_ID } },
  { what: 'stack edge in eu-west-1', actions: ['cloudformation:UpdateStack'], target: { arn: ELSEWHERE_ID } },
];

// --- The policies, resolved as deployed. ---------------------------------------------------------
export type Policy = { Version: string; Statement: any[] };

export interface CompanionOptions {
  /** The stack exists: deploy passes its distribution and usage plan IDs. */
  idsKnown: boolean;
  /** Web ACL, alias record and access logs. */
  allOptions: boolean;
  /** The update that moves a stack's roles from path / to the role path. */
  retiring?: string[];
  /** The stack sets the header of EXISTING_DISTRIBUTION (its DistributionId), and has no distribution of its own. */
  adopted?: boolean;
}

export function companionParameters({ idsKnown, allOptions, retiring = [], adopted = false }: CompanionOptions): Record<string, string> {
  return {
    StackName: STACK,
    WebACLArn: allOptions ? WEB_ACL : '',
    HostedZoneId: allOptions ? ZONE : '',
    DomainNames: allOptions ? `${DOMAIN},www.${DOMAIN}` : '',
    AccessLogBucket: allOptions ? 'edge-access-logs' : '',
    DistributionId: idsKnown && !adopted ? OWN.distribution : '',
    UsagePlanId: idsKnown ? OWN.usagePlan : '',
    RetiringRoleNames: retiring.join(','),
    AdoptedDistributionId: adopted ? EXISTING_DISTRIBUTION : '',
  };
}

const companionTemplate = parseTemplate(readTemplate(SERVICE_ROLE_TEMPLATE_PATH));
const mainTemplate = parseTemplate(readTemplate());
const PSEUDO = { 'AWS::AccountId': ACCOUNT, 'AWS::Region': REGION, 'AWS::StackName': STACK, 'AWS::StackId': STACK_ID };

export function companionPolicies(options: CompanionOptions): { serviceRole: Policy; boundary: Policy } {
  const resolved = resolveTemplate(companionTemplate, {
    parameters: companionParameters(options),
    pseudo: { ...PSEUDO, 'AWS::StackName': `${STACK}-service-role` },
    refs: { FunctionBoundary: BOUNDARY },
  });
  const role = resolved.properties('ServiceRole')!;
  return {
    serviceRole: { Version: '2012-10-17', Statement: role.Policies.flatMap((p: any) => p.PolicyDocument.Statement) },
    boundary: resolved.properties('FunctionBoundary')!.PolicyDocument,
  };
}

export interface MainOptions {
  serviceRole: boolean;
  allOptions: boolean;
  /** RotationHour set: the stack rotates on Scheduler, with RotationSchedulerRole. */
  rotationWindow?: boolean;
  /** DistributionId set: the stack sets the header of EXISTING_DISTRIBUTION, with OriginHeaderRole. */
  existingDistribution?: boolean;
  /** SlackWorkspaceId and SlackChannelId set: the stack has a Slack channel configuration. */
  slackChannel?: boolean;
}

/** A team's distribution that a stack in the existing-distribution mode names. */
export const EXISTING_DISTRIBUTION = 'E2TEAM00000001';
export const ORIGIN_HEADER_FUNCTION = arn.lambda('edge-OriginHeaderFunction-Yz3Ab4Cd5Ef6');
const ORIGIN_HEADER_LOG_GROUP = arn.logs('edge-OriginHeaderLogGroup-GgGg7777');
const ORIGIN_HEADER_ROLE = ownRole('edge-OriginHeaderRole-DDDD4444');

/** The stack's Slack chat configuration and what its handler calls beside it (SlackWorkspaceId, SlackChannelId). */
export const chatConfiguration = (name: string) => `arn:aws:chatbot::${ACCOUNT}:chat-configuration/slack-channel/${name}`;
export const SLACK_CHANNEL_TARGETS: Target[] = [
  { arn: chatConfiguration(`${STACK}_${REGION}`), context: OWN_TAGS },
  { ...ownRole('edge-ChatChannelRole-EEEE5555', 'chatbot.amazonaws.com'), actions: ['iam:PassRole'] },
  { arn: arn.role('aws-service-role/management.chatbot.amazonaws.com/AWSServiceRoleForAWSChatbot'), context: { 'iam:AWSServiceName': 'management.chatbot.amazonaws.com' }, actions: ['iam:CreateServiceLinkedRole'] },
];
export const SLACK_NEIGHBOURS: NeighbourCase[] = [
  { what: 'the chat configuration of stack edge-api', actions: ['chatbot:UpdateSlackChannelConfiguration', 'chatbot:DeleteSlackChannelConfiguration', 'chatbot:TagResource'], target: { arn: chatConfiguration(`edge-api_${REGION}`), context: neighbourTags } },
  { what: 'the chat configuration of stack edge in eu-west-1 (configurations are global)', actions: ['chatbot:UpdateSlackChannelConfiguration', 'chatbot:DeleteSlackChannelConfiguration'], target: { arn: chatConfiguration('edge_eu-west-1'), context: stackTags('edge', ELSEWHERE_ID) } },
  { what: 'a chat configuration made by hand whose name starts with the stack name', actions: ['chatbot:UpdateSlackChannelConfiguration', 'chatbot:DeleteSlackChannelConfiguration', 'chatbot:AssociateToConfiguration'], target: { arn: chatConfiguration('edge-alerts') } },
  { what: "another service's service-linked role", actions: ['iam:CreateServiceLinkedRole'], target: { arn: arn.role('aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS'), context: { 'iam:AWSServiceName': 'ecs.amazonaws.com' } } },
];

const schedulerArn = (path: string, region = REGION) => `arn:aws:scheduler:${region}:${ACCOUNT}:${path}`;
/** This stack's schedule group, which the template names <stack>.rotation. */
export const SCHEDULE_GROUP_ARN = schedulerArn(`schedule-group/${STACK}.rotation`);
/** The rotation window's schedule group and schedule, and the role passed to Scheduler (RotationHour). */
export const ROTATION_WINDOW_TARGETS: Record<string, Target[]> = {
  'AWS::Scheduler::ScheduleGroup': [{ arn: SCHEDULE_GROUP_ARN, context: OWN_TAGS }, { arn: schedulerArn(`schedule/${STACK}.rotation/edge-RotationWindow-Kl9Mn0Op1Qr2`) }],
  'AWS::Scheduler::Schedule': [
    { arn: schedulerArn(`schedule/${STACK}.rotation/edge-RotationWindow-Kl9Mn0Op1Qr2`) },
    ownRole('edge-RotationSchedulerRole-FFFF6666', 'scheduler.amazonaws.com'),
  ],
};
export const WINDOW_NEIGHBOURS: NeighbourCase[] = [
  { what: 'the schedule group of stack edge-api', actions: ['scheduler:DeleteScheduleGroup', 'scheduler:TagResource'], target: { arn: schedulerArn('schedule-group/edge-api.rotation'), context: neighbourTags } },
  { what: 'a schedule of stack edge-api', actions: ['scheduler:UpdateSchedule', 'scheduler:DeleteSchedule', 'scheduler:CreateSchedule'], target: { arn: schedulerArn('schedule/edge-api.rotation/edge-api-RotationWindow-Ab1Cd2Ef3Gh4') } },
  { what: 'a schedule of stack edge in eu-west-1', actions: ['scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'], target: { arn: schedulerArn('schedule/edge.rotation/edge-RotationWindow-Ij5Kl6Mn7Op8', 'eu-west-1') } },
  { what: 'a schedule in a group made by hand whose name starts with the stack name', actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'], target: { arn: schedulerArn('schedule/edge-jobs/nightly') } },
  { what: 'a schedule in the default group', actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'], target: { arn: schedulerArn('schedule/default/edge-nightly') } },
  { what: "this stack's role, passed to Scheduler from another stack's path", actions: ['iam:PassRole'], target: { arn: arn.role('cloudfront-api-key-rotation/us-east-1/edge-api/edge-api-RotationSchedulerRole-ZZZZ9999'), context: { 'iam:PassedToService': 'scheduler.amazonaws.com' } } },
];

/** The resources the stack has only on an existing distribution, as the handlers' calls name them. */
export const ORIGIN_HEADER_TARGETS: Record<string, Target[]> = {
  'AWS::IAM::Role': [ORIGIN_HEADER_ROLE],
  'AWS::Lambda::Function': [{ arn: ORIGIN_HEADER_FUNCTION, context: OWN_TAGS }, ORIGIN_HEADER_ROLE],
  'AWS::Logs::LogGroup': [{ arn: ORIGIN_HEADER_LOG_GROUP, context: OWN_TAGS }],
  // OriginHeaderContinuation, an inline policy of the function's role.
  'AWS::IAM::Policy': [ORIGIN_HEADER_ROLE],
};


function mainDeployment({ serviceRole, allOptions, rotationWindow = false, existingDistribution = false, slackChannel = false }: MainOptions): Deployment {
  const refs: Record<string, string> = {
    UsagePlan: OWN.usagePlan, Distribution: OWN.distribution, RotationTopic: OWN_TOPIC, ApiKeySecret: arn.secret(OWN.secret),
    DemoApi: OWN.restApi, DemoStage: 'prod', OriginHeaderRole: 'edge-OriginHeaderRole-DDDD4444', OriginHeaderLogGroup: 'edge-OriginHeaderLogGroup-GgGg7777', ApiKey: OWN.apiKey,
    ...Object.fromEntries(Object.entries(OWN.functions)),
  };
  const attributes: Record<string, string> = {
    ...Object.fromEntries(Object.keys(OWN.functions).map((id) => [`${id}.Arn`, functionArn(id as keyof typeof OWN.functions)])),
    ...Object.fromEntries(Object.entries(OWN.logGroups).map(([id, group]) => [`${id}.Arn`, `${arn.logs(group)}:*`])),
    'RotationScheduleGroup.Arn': SCHEDULE_GROUP_ARN,
    'OriginHeaderFunction.Arn': ORIGIN_HEADER_FUNCTION,
    'OriginHeaderLogGroup.Arn': `${ORIGIN_HEADER_LOG_GROUP}:*`,
    'OriginHeader.DomainName': 'd111111abcdef8.cloudfront.net',
    'OriginHeaderRole.Arn': arn.role(`${ROLE_PATH}edge-OriginHeaderRole-DDDD4444`),
    'Distribution.DomainName': 'd222222abcdef8.cloudfront.net',
    'ChatChannelRole.Arn': arn.role(`${ROLE_PATH}edge-ChatChannelRole-EEEE5555`),
  };
  return {
    parameters: {
      Timestamp: '2026-12-01',
      ServiceRoleArn: serviceRole ? SERVICE_ROLE : '',
      ApiURL: allOptions || existingDistribution ? 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod' : '',
      WebACLArn: allOptions ? WEB_ACL : '',
      DomainNames: allOptions ? DOMAIN : '',
      CertificateArn: allOptions ? CERTIFICATE : '',
      HostedZoneId: allOptions ? ZONE : '',
      AccessLogBucket: allOptions ? 'edge-access-logs' : '',
      RotationHour: rotationWindow ? '9' : '',
      DistributionId: existingDistribution ? EXISTING_DISTRIBUTION : '',
      SlackWorkspaceId: slackChannel ? 'T01ABCDEFGH' : '',
      SlackChannelId: slackChannel ? 'C01ABCDEFGH' : '',
    },
    pseudo: PSEUDO,
    refs,
    attributes,
  };
}

/** A function role's own policy, as the template deploys it. */
export function functionRolePolicy(logicalId: keyof typeof OWN.roles | 'RotationSchedulerRole', options: MainOptions): Policy {
  const role = resolveTemplate(mainTemplate, mainDeployment(options)).properties(logicalId)!;
  return { Version: '2012-10-17', Statement: role.Policies.flatMap((p: any) => p.PolicyDocument.Statement) };
}

/** The main template as a stack with these options deploys it. */
export const deployedMain = (options: MainOptions) => resolveTemplate(mainTemplate, mainDeployment(options));

/** The origin header function's role: its own policy and the one that lets it continue in a new invocation of itself. */
export function originHeaderPolicy(serviceRole = false): Policy {
  const stack = deployedMain({ serviceRole, allOptions: false, existingDistribution: true });
  const statements = [
    ...stack.properties('OriginHeaderRole')!.Policies.flatMap((p: any) => p.PolicyDocument.Statement),
    ...stack.properties('OriginHeaderContinuation')!.PolicyDocument.Statement,
  ];
  return { Version: '2012-10-17', Statement: statements };
}

/** What the origin header function calls at run time (lambda/origin-header.ts). */
export const ORIGIN_HEADER_CALLS: Array<[string, Target]> = [
  ['logs:CreateLogStream', { arn: `${ORIGIN_HEADER_LOG_GROUP}:log-stream:2026/12/01/[$LATEST]0a1b`, context: OWN_TAGS }],
  ['logs:PutLogEvents', { arn: `${ORIGIN_HEADER_LOG_GROUP}:log-stream:2026/12/01/[$LATEST]0a1b`, context: OWN_TAGS }],
  ['secretsmanager:GetSecretValue', { arn: arn.secret(OWN.secret), context: OWN_TAGS }],
  ['cloudfront:GetDistributionConfig', { arn: arn.distribution(EXISTING_DISTRIBUTION) }],
  ['cloudfront:GetDistribution', { arn: arn.distribution(EXISTING_DISTRIBUTION) }],
  ['cloudfront:UpdateDistribution', { arn: arn.distribution(EXISTING_DISTRIBUTION) }],
  ['lambda:InvokeFunction', { arn: ORIGIN_HEADER_FUNCTION, context: OWN_TAGS }],
];

/** The function whose execution role `logicalId` is. */
export const FUNCTION_OF_ROLE: Record<keyof typeof OWN.roles, string> = {
  RotationRole: functionArn('RotationFunction'),
  VerifierRole: functionArn('VerifierFunction'),
  KeyGateRole: functionArn('KeyGateFunction'),
};

const stream = (id: keyof typeof OWN.logGroups) => ({ arn: `${arn.logs(OWN.logGroups[id])}:log-stream:2026/12/01/[$LATEST]0a1b`, context: OWN_TAGS });
const stackTarget = { arn: STACK_ID };

/** What each function calls at run time, with its role: the code's own needs. */
export const FUNCTION_CALLS: Record<keyof typeof OWN.roles, Array<[string, Target]>> = {
  KeyGateRole: [
    ['logs:CreateLogStream', stream('KeyGateLogGroup')],
    ['logs:PutLogEvents', stream('KeyGateLogGroup')],
    ['cloudformation:DescribeStacks', stackTarget],
    ['secretsmanager:GetSecretValue', { arn: arn.secret(OWN.secret), context: OWN_TAGS }],
  ],
  RotationRole: [
    ['logs:CreateLogStream', stream('RotationLogGroup')],
    ['logs:PutLogEvents', stream('RotationLogGroup')],
    ['cloudformation:DescribeStacks', stackTarget],
    ['cloudformation:DescribeStackEvents', stackTarget],
    ['cloudformation:UpdateStack', { ...stackTarget, context: { 'cloudformation:RoleArn': SERVICE_ROLE } }],
    ['iam:PassRole', { arn: SERVICE_ROLE, context: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } }],
    ['sns:Publish', { arn: OWN_TOPIC, context: OWN_TAGS }],
  ],
  VerifierRole: [
    ['logs:CreateLogStream', stream('VerifierLogGroup')],
    ['logs:PutLogEvents', stream('VerifierLogGroup')],
    ['cloudformation:DescribeStacks', stackTarget],
    ['cloudformation:DescribeStackEvents', stackTarget],
    ['apigateway:GET', { arn: arn.apigateway(`/apikeys/${OWN.apiKey}`), context: OWN_TAGS }],
    ['apigateway:GET', { arn: arn.apigateway(`/usageplans/${OWN.usagePlan}/keys`), context: OWN_TAGS }],
    ['cloudfront:GetDistributionConfig', { arn: arn.distribution(OWN.distribution), context: OWN_DISTRIBUTION_TAGS }],
    ['sns:Publish', { arn: OWN_TOPIC, context: OWN_TAGS }],
  ],
};

/** Roles named in RetiringRoleNames during an upgrade, at path /. */
export const RETIRING_ROLES = ['edge-KeyGateRole-OLD00001', 'edge-RotationRole-OLD00002', 'edge-VerifierRole-OLD00003'];
export const retiringRoleArn = (name: string) => arn.role(name);
