// The construct synthesized, judged with the CDK's own assertions (aws-cdk-lib/assertions) and
// against this project's templates, folded for the same options.
import { App, Stack } from 'aws-cdk-lib';
import { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { InvalidOptionError, OPTION_PARAMETERS, RotatingOriginKey, type RotatingOriginKeyProps, UnresolvedOptionError } from '../../scripts/cdk/rotating-origin-key';
import { RuleViolatedError, foldTemplate } from '../../scripts/cdk/fold-template';
import { SERVICE_ROLE_TEMPLATE_PATH, TEMPLATE_PATH, parseTemplate, readTemplate } from '../../scripts/template';

const ENV = { account: '123456789012', region: 'us-east-1' };
const API_URL = 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod';
const SERVICE_ROLE = 'arn:aws:iam::123456789012:role/cloudfront-api-key-rotation/shop-edge-cfn';
const declared: Record<string, any> = parseTemplate(readTemplate(TEMPLATE_PATH)).Parameters;

function synth(props: Partial<RotatingOriginKeyProps> = {}) {
  const app = new App();
  const key = new RotatingOriginKey(app, 'Front', { stackName: 'shop-edge', env: ENV, apiUrl: API_URL, initialTimestamp: '2026-12-01', ...props });
  return { key, keyStack: Template.fromStack(key.keyStack), serviceRoleStack: Template.fromStack(key.serviceRoleStack) };
}

/** The template as CloudFormation would deploy it with these parameter values, every other option at its default. */
const templateFor = (values: Record<string, string>) =>
  foldTemplate(parseTemplate(readTemplate(TEMPLATE_PATH)), {
    ...Object.fromEntries(Object.values(OPTION_PARAMETERS).map((key) => [key, String(declared[key].Default)])),
    ServiceRoleArn: SERVICE_ROLE,
    ...values,
  });

/**
 * Resources as CloudFormation reads them: Tags in key order, as the CDK writes them, and numbers as
 * their digits (CfnInclude writes a folded "20" as 20 where the property is a number).
 */
const asRead = (node: any): any => {
  if (typeof node === 'number') return String(node);
  if (Array.isArray(node)) return node.map(asRead);
  if (node === null || typeof node !== 'object') return node;
  const object = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, asRead(value)]));
  if (Array.isArray(object.Tags)) object.Tags = [...object.Tags].sort((a: any, b: any) => a.Key.localeCompare(b.Key));
  return object;
};

describe('RotatingOriginKey', () => {
  it("has an option for every parameter of the template but Timestamp and ServiceRoleArn, which it sets itself", () => {
    expect(Object.values(OPTION_PARAMETERS).sort()).toEqual(Object.keys(declared).filter((key) => key !== 'Timestamp' && key !== 'ServiceRoleArn').sort());
  });

  it.each<[string, Partial<RotatingOriginKeyProps>, Record<string, string>]>([
    ['the demo API', { apiUrl: undefined }, {}],
    ['an API stage', {}, { ApiURL: API_URL }],
    ['every option of a distribution of its own', {
      webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/shop/0f1e2d3c-0000-4000-8000-000000000001',
      domainNames: ['shop.example.com', 'www.shop.example.com'],
      certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-0000-4000-8000-000000000002',
      hostedZoneId: 'Z0SHOPZONE0001',
      accessLogBucket: 'shop-access-logs',
      notificationEmail: 'ops@example.com',
      schedule: 'Quarterly',
      rotationHour: 9,
      rotationMinute: 30,
      rotationDayOfMonth: 15,
      rotationTimeZone: 'Europe/Berlin',
      rotationWindowMinutes: 20,
      slackWorkspaceId: 'T01ABCDEFGH',
      slackChannelId: 'C01ABCDEFGH',
      keyGateTimeoutSeconds: 0,
      rollbackMonitoringMinutes: 0,
      healthCheckPath: '/health',
    }, {
      ApiURL: API_URL,
      WebACLArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/shop/0f1e2d3c-0000-4000-8000-000000000001',
      DomainNames: 'shop.example.com,www.shop.example.com',
      CertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-0000-4000-8000-000000000002',
      HostedZoneId: 'Z0SHOPZONE0001',
      AccessLogBucket: 'shop-access-logs',
      NotificationEmail: 'ops@example.com',
      ApiKeyRotationSchedule: 'Quarterly',
      RotationHour: '9',
      RotationMinute: '30',
      RotationDayOfMonth: '15',
      RotationTimeZone: 'Europe/Berlin',
      RotationWindowMinutes: '20',
      SlackWorkspaceId: 'T01ABCDEFGH',
      SlackChannelId: 'C01ABCDEFGH',
      KeyGateTimeoutSeconds: '0',
      RollbackMonitoringMinutes: '0',
      HealthCheckPath: '/health',
    }],
    ['an existing distribution', { distributionId: 'E2TEAM00000001' }, { ApiURL: API_URL, DistributionId: 'E2TEAM00000001' }],
  ])("holds the template's own resources and outputs, for %s", (_case, props, values) => {
    const { keyStack } = synth(props);

    const expected = templateFor(values);
    expect(asRead(keyStack.toJSON().Resources)).toEqual(asRead(expected.Resources));
    expect(keyStack.toJSON().Outputs).toEqual(expected.Outputs);
  });

  it.each<[string, Partial<RotatingOriginKeyProps>, string, number]>([
    ['no distribution of its own with an existing one', { distributionId: 'E2TEAM00000001' }, 'AWS::CloudFront::Distribution', 0],
    ['a distribution of its own otherwise', {}, 'AWS::CloudFront::Distribution', 1],
    ['a demo API without an API stage', { apiUrl: undefined }, 'AWS::ApiGateway::RestApi', 1],
    ['an alias record with a domain, its certificate and a hosted zone', {
      domainNames: ['shop.example.com'], certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-0000-4000-8000-000000000002', hostedZoneId: 'Z0SHOPZONE0001',
    }, 'AWS::Route53::RecordSet', 1],
    ['no alias record without them', {}, 'AWS::Route53::RecordSet', 0],
    ['an e-mail subscription with a notification e-mail', { notificationEmail: 'ops@example.com' }, 'AWS::SNS::Subscription', 1],
    ['a schedule in a window with a rotation hour', { rotationHour: 9 }, 'AWS::Scheduler::Schedule', 1],
    ['no window without one', {}, 'AWS::Scheduler::Schedule', 0],
    ['a Slack channel with Slack IDs', { slackWorkspaceId: 'T01ABCDEFGH', slackChannelId: 'C01ABCDEFGH' }, 'AWS::Chatbot::SlackChannelConfiguration', 1],
  ])('makes %s', (_case, props, type, count) => {
    synth(props).keyStack.resourceCountIs(type, count);
  });

  it('leaves Timestamp the one parameter, starting at the given date, so that a later cdk deploy keeps the rotated one', () => {
    const { keyStack } = synth();

    expect(keyStack.toJSON().Parameters).toEqual({ Timestamp: { ...declared.Timestamp, Default: '2026-12-01' } });
  });

  it("puts no CDK bootstrap rule, metadata resource or conditions in the key's stack, which each rotation sends back as it is", () => {
    const template = synth().keyStack.toJSON();

    expect(template).not.toHaveProperty('Rules');
    expect(template).not.toHaveProperty('Conditions');
    expect(Object.keys(template.Resources)).not.toContain('CDKMetadata');
  });

  it('lets the rotation function update its stack only as the service role, whatever role the stack last ran as', () => {
    synth().keyStack.hasResourceProperties('AWS::IAM::Role', {
      Policies: Match.arrayWith([Match.objectLike({
        PolicyName: 'rotate-api-key',
        PolicyDocument: Match.objectLike({
          Statement: Match.arrayWith([
            { Sid: 'UpdateThisStack', Effect: 'Allow', Action: 'cloudformation:UpdateStack', Resource: { Ref: 'AWS::StackId' }, Condition: { StringEquals: { 'cloudformation:RoleArn': SERVICE_ROLE } } },
            { Sid: 'PassTheServiceRole', Effect: 'Allow', Action: 'iam:PassRole', Resource: SERVICE_ROLE, Condition: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } } },
          ]),
        }),
      })]),
    });
  });

  it('names the service role the rotation runs as in the output it reads', () => {
    synth().keyStack.hasOutput('ServiceRoleArn', { Value: SERVICE_ROLE });
  });

  it('deploys the companion first, as <stack>-service-role, made from the companion template for that stack and its options', () => {
    const { key, serviceRoleStack } = synth({ webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/shop/0f1e2d3c-0000-4000-8000-000000000001' });

    expect(key.serviceRoleStack.stackName).toBe('shop-edge-service-role');
    expect(key.keyStack.dependencies).toEqual([key.serviceRoleStack]);
    const expected = foldTemplate(parseTemplate(readTemplate(SERVICE_ROLE_TEMPLATE_PATH)), {
      StackName: 'shop-edge', WebACLArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/shop/0f1e2d3c-0000-4000-8000-000000000001',
      AccessLogBucket: '', HostedZoneId: '', DomainNames: '', AdoptedDistributionId: '', DistributionId: '', UsagePlanId: '', RetiringRoleNames: '',
    });
    expect(serviceRoleStack.toJSON().Resources).toEqual(expected.Resources);
    serviceRoleStack.hasOutput('ServiceRoleArn', { Value: { 'Fn::GetAtt': ['ServiceRole', 'Arn'] } });
  });

  it.each<[string, Partial<RotatingOriginKeyProps>, unknown]>([
    ['the first domain name, with domain names', {
      domainNames: ['shop.example.com', 'www.shop.example.com'], certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-0000-4000-8000-000000000002',
    }, 'https://shop.example.com'],
    ["the distribution's own domain, without", {}, { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': ['Distribution', 'DomainName'] }]] }],
  ])('gives clients the URL of %s, and the distribution\'s own URL', (_case, props, url) => {
    const app = new App();
    const key = new RotatingOriginKey(app, 'Front', { stackName: 'shop-edge', env: ENV, apiUrl: API_URL, initialTimestamp: '2026-12-01', ...props });

    expect(key.keyStack.resolve(key.url)).toEqual(url);
    expect(key.keyStack.resolve(key.distributionUrl)).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': ['Distribution', 'DomainName'] }]] });
  });

  it('takes the API from a RestApi whose ID is known', () => {
    const app = new App();
    // A stack of the app's, with a resource of its own (the CDK warns of an empty one), that imports the API.
    const apiStack = new Stack(app, 'Api', { env: ENV });
    new Topic(apiStack, 'Alerts');
    const api = RestApi.fromRestApiId(apiStack, 'Shop', 'a1b2c3d4e5');

    const key = new RotatingOriginKey(app, 'Front', { stackName: 'shop-edge', env: ENV, restApi: api, stageName: 'prod', initialTimestamp: '2026-12-01' });

    Template.fromStack(key.keyStack).hasOutput('ApiStageURL', { Value: `https://${API_URL}` });
  });

  it("wires into the app's other stacks: the distribution, the topic, the usage plan and the alarms", () => {
    const app = new App();
    const key = new RotatingOriginKey(app, 'Front', { stackName: 'shop-edge', env: ENV, apiUrl: API_URL, initialTimestamp: '2026-12-01' });
    const operations = new Stack(app, 'Operations', { env: ENV });
    new StringParameter(operations, 'Wired', { stringValue: [key.distribution.distributionId, key.topic.topicArn, key.usagePlan.usagePlanId, ...key.alarms.map((a) => a.alarmArn), key.url, key.distributionUrl].join(' ') });

    const exports = Object.keys(Template.fromStack(key.keyStack).toJSON().Outputs).filter((name) => name.startsWith('ExportsOutput'));
    expect(exports.map((name) => name.replace(/^ExportsOutput(Ref|FnGetAtt)/, '').replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'Distribution', 'DistributionDomainName', 'OriginKeyRejectedAlarmArn', 'RotationFailedAlarmArn', 'RotationTopic', 'StaleKeyAlarmArn', 'UsagePlan', 'VerifierSilentAlarmArn',
    ]);
  });

  describe('refuses, before anything is synthesized,', () => {
    it.each<[string, Partial<RotatingOriginKeyProps>, Error]>([
      ['an option CloudFormation would refuse', { notificationEmail: 'ops' }, new InvalidOptionError('notificationEmail', 'ops', declared.NotificationEmail.ConstraintDescription)],
      ['a schedule the template has none of', { schedule: 'Hourly' as 'Daily' }, new InvalidOptionError('schedule', 'Hourly', 'must be one of Daily, Fortnightly, Monthly, Bimonthly, Quarterly')],
      ['options that break a rule of the template', { domainNames: ['shop.example.com'] }, new RuleViolatedError('DomainNamesNeedCertificate', 'DomainNames and CertificateArn go together')],
      ['a stack name too long for the names made from it', { stackName: 'a-stack-name-of-thirty-one-char' }, new InvalidOptionError('stackName', 'a-stack-name-of-thirty-one-char', parseTemplate(readTemplate(SERVICE_ROLE_TEMPLATE_PATH)).Parameters.StackName.ConstraintDescription)],
      ['an environment without an account', { env: { region: 'us-east-1' } }, new UnresolvedOptionError('env.account')],
    ])('%s', (_case, props, error) => {
      expect(() => synth(props)).toThrow(error);
    });

    it("an API stage in another Region than the stacks', which the stack's usage plan cannot name", () => {
      expect(() => synth({ apiUrl: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod' }))
        .toThrow(/^RotatingOriginKey: apiUrl "a1b2c3d4e5\.execute-api\.eu-west-1\.amazonaws\.com\/prod" is not valid: it is in eu-west-1, and the stacks' env in us-east-1/);
    });

    it("a RestApi of this app, whose ID is a token until it is deployed", () => {
      const app = new App();
      const api = new RestApi(new Stack(app, 'Api', { env: ENV }), 'Shop');
      api.root.addMethod('GET');

      expect(() => new RotatingOriginKey(app, 'Front', { stackName: 'shop-edge', env: ENV, restApi: api })).toThrow(new UnresolvedOptionError('apiUrl'));
    });
  });
});
