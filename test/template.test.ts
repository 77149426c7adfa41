import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../scripts/paths';
import { parseTemplate, readTemplate } from '../scripts/template';
import { timestampFrom } from '../lambda/timestamp';
import { reachOf, referencedNames } from './support/references';
import { resolveConditions } from './support/conditions';
import { iamResourceTypes, isCreateOnly, loadResourceSchema } from './support/resource-schemas';

const template = parseTemplate(readTemplate());
const { Parameters, Mappings, Resources, Outputs } = template;
const createOnly = (type: string, path: string) => isCreateOnly(loadResourceSchema(type), path);
const pattern = (parameter: string) => new RegExp(Parameters[parameter].AllowedPattern);
const secretReference = { 'Fn::Sub': '{{resolve:secretsmanager:${ApiKeySecret}:SecretString}}' };

describe('parameters', () => {
  it.each([
    ['ApiURL', '', true],
    ['ApiURL', 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod', true],
    ['ApiURL', 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/v1_beta-2', true],
    ['ApiURL', 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod', false],
    ['ApiURL', 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/', false],
    ['ApiURL', 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com', false],
    ['ApiURL', 'example.com/prod', false],
    ['Timestamp', '2026-11-22', true],
    ['Timestamp', '2026-11-22T01-57-00Z', true],
    ['Timestamp', timestampFrom(new Date('2026-11-22T01:57:00Z')), true],
    ['Timestamp', '2026-11-22T01:57:00Z', false],
    ['Timestamp', '', false],
    ['Timestamp', '22-11-2026', false],
    ['WebACLArn', '', true],
    ['WebACLArn', 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/my-acl/473e64fd-f30b-4765-81a0-62ad96dd167a', true],
    ['WebACLArn', 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/my-acl/473e64fd-f30b-4765-81a0-62ad96dd167a', false],
    ['NotificationEmail', '', true],
    ['NotificationEmail', 'ops@example.com', true],
    ['NotificationEmail', 'ops at example.com', false],
    ['HealthCheckPath', '/pets', true],
    ['HealthCheckPath', '/', true],
    ['HealthCheckPath', 'pets', false],
    ['HealthCheckPath', '/pets?x=1', false],
    ['DomainNames', '', true],
    ['DomainNames', 'api.example.com,www.api.example.com', true],
    ['DomainNames', 'API.example.com', false],
    ['DomainNames', 'api.example.com, www.example.com', false],
    ['DomainNames', '*.example.com', false],
    ['CertificateArn', 'arn:aws:acm:us-east-1:123456789012:certificate/473e64fd-f30b-4765-81a0-62ad96dd167a', true],
    ['CertificateArn', 'arn:aws:acm:eu-west-1:123456789012:certificate/473e64fd-f30b-4765-81a0-62ad96dd167a', false],
    ['HostedZoneId', 'Z0123456789ABCDEFGHIJ', true],
    ['HostedZoneId', 'example.com', false],
    ['HostedZoneId', '/hostedzone/Z0123', false],
    ['AccessLogBucket', 'my-logs.example', true],
    ['AccessLogBucket', 'my-logs.s3.amazonaws.com', true],
    ['AccessLogBucket', 'My_Logs', false],
  ])('%s accepts %j: %s', (parameter, value, accepted) => {
    expect(pattern(parameter).test(value)).toBe(accepted);
  });

  it('Timestamp has no default, so an update can never fall back to one', () => {
    expect(Parameters.Timestamp).not.toHaveProperty('Default');
  });

  it('offers the five schedules, Daily by default, each mapped to its rate', () => {
    expect(Parameters.ApiKeyRotationSchedule).toMatchObject({
      Default: 'Daily',
      AllowedValues: ['Daily', 'Fortnightly', 'Monthly', 'Bimonthly', 'Quarterly'],
    });
    expect(Mappings.ScheduleMap).toMatchObject({
      Daily: { Rate: 'rate(1 day)', StaleAfterDays: 2 },
      Fortnightly: { Rate: 'rate(14 days)', StaleAfterDays: 15 },
      Monthly: { Rate: 'rate(30 days)', StaleAfterDays: 31 },
      Bimonthly: { Rate: 'rate(60 days)', StaleAfterDays: 61 },
      Quarterly: { Rate: 'rate(90 days)', StaleAfterDays: 91 },
    });
  });
});

describe('a new Timestamp', () => {
  const reach = reachOf(template, 'Timestamp', createOnly);

  it("reaches exactly the secret, the key, the usage-plan key, the key gate and the distribution header (or an existing distribution's)", () => {
    expect(reach.reached).toEqual([
      'ApiKey.Properties.Name',
      'ApiKey.Properties.Value',
      'ApiKeySecret.Properties.Name',
      'Distribution.Properties.DistributionConfig.Origins.0.OriginCustomHeaders.0.HeaderValue',
      'KeyGate DependsOn UsagePlanKey',
      'KeyGate.Properties.KeyId',
      'KeyGate.Properties.SecretArn',
      'OriginHeader.Properties.KeyId',
      'OriginHeader.Properties.SecretArn',
      'UsagePlanKey.Properties.KeyId',
    ]);
  });

  it('replaces the secret, the key and the usage-plan key, and updates the distribution in place', () => {
    expect(reach.replaced).toEqual(['ApiKey', 'ApiKeySecret', 'UsagePlanKey']);
  });
});

describe('the API key', () => {
  it('takes its value from a generated secret of 40 letters and digits', () => {
    expect(Resources.ApiKeySecret.Properties.GenerateSecretString).toEqual({
      PasswordLength: 40,
      ExcludePunctuation: true,
    });
  });

  it('is enabled, named after the Timestamp, and valued from the secret (not from its own ID)', () => {
    expect(Resources.ApiKey.Properties).toMatchObject({
      Name: { 'Fn::Sub': 'CloudFront-${Timestamp}' },
      Enabled: true,
      Value: secretReference,
    });
  });

  it('joins the usage plan of the API stage', () => {
    expect(Resources.UsagePlanKey.Properties).toEqual({
      KeyId: { Ref: 'ApiKey' },
      KeyType: 'API_KEY',
      UsagePlanId: { Ref: 'UsagePlan' },
    });
    expect(Resources.UsagePlan.Properties.ApiStages).toHaveLength(1);
  });
});

describe('the distribution', () => {
  const config = Resources.Distribution.Properties.DistributionConfig;
  const [origin] = config.Origins;

  it('sends the secret value as x-api-key', () => {
    expect(origin.OriginCustomHeaders).toEqual([{ HeaderName: 'x-api-key', HeaderValue: secretReference }]);
  });

  it('changes the header only after the key gate has passed, which comes after the new key is in the usage plan', () => {
    expect(Resources.Distribution.DependsOn).toBe('KeyGate');
    expect(Resources.KeyGate.DependsOn).toBe('UsagePlanKey');
  });

  it('reaches the origin over HTTPS with TLS 1.2 only', () => {
    expect(origin.CustomOriginConfig).toEqual({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
  });

  it('caches nothing, forwards every viewer header but Host, and allows all seven methods', () => {
    expect(config.DefaultCacheBehavior).toMatchObject({
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
    });
    expect([...config.DefaultCacheBehavior.AllowedMethods].sort()).toEqual(
      ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'],
    );
  });

  it('attaches the web ACL only when one is given', () => {
    expect(config.WebACLId).toEqual({ 'Fn::If': ['HasWebACL', { Ref: 'WebACLArn' }, { Ref: 'AWS::NoValue' }] });
  });
});

describe('the demo API', () => {
  const demo = Object.entries(Resources).filter(([name]) => name.startsWith('Demo'));

  it('exists only when ApiURL is empty', () => {
    expect(demo.map(([, resource]: [string, any]) => resource.Condition)).toEqual(demo.map(() => 'CreateDemoApi'));
    expect(template.Conditions.CreateDemoApi).toEqual({ 'Fn::Equals': [{ Ref: 'ApiURL' }, ''] });
  });

  it('requires an API key on GET /pets in stage prod', () => {
    expect(Resources.DemoPetsResource.Properties.PathPart).toBe('pets');
    expect(Resources.DemoPetsGet.Properties).toMatchObject({ HttpMethod: 'GET', ApiKeyRequired: true });
    expect(Resources.DemoStage.Properties.StageName).toBe('prod');
  });
});

describe('the rotation', () => {
  const fn = Resources.RotationFunction.Properties;

  it('runs on the chosen schedule and targets the rotation function', () => {
    expect(Resources.RotationSchedule.Properties).toMatchObject({
      ScheduleExpression: { 'Fn::FindInMap': ['ScheduleMap', { Ref: 'ApiKeyRotationSchedule' }, 'Rate'] },
      State: 'ENABLED',
      Targets: [{ Arn: { 'Fn::GetAtt': ['RotationFunction', 'Arn'] } }],
    });
  });

  it('lets only this rule of this account invoke the function', () => {
    expect(Resources.RotationPermission.Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { Ref: 'RotationFunction' },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': ['RotationSchedule', 'Arn'] },
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
  });

  it('runs inline code on nodejs24.x with JSON logs to a log group that expires', () => {
    expect(fn).toMatchObject({
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Environment: { Variables: { STACK_NAME: { Ref: 'AWS::StackName' } } },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: 'RotationLogGroup' } },
    });
    expect(typeof fn.Code.ZipFile).toBe('string');
    expect(Resources.RotationLogGroup.Properties.RetentionInDays).toBeGreaterThan(0);
  });

  it('reserves no concurrency, which new accounts cannot do', () => {
    expect(fn).not.toHaveProperty('ReservedConcurrentExecutions');
  });
});

/** The role's statements, with the stack's own distribution unless `conditions` say otherwise (existing-distribution.test.ts covers the other mode). */
const policiesOf = (role: string, conditions: Record<string, boolean>): any[] =>
  resolveConditions(Resources[role].Properties.Policies ?? [], { CreateDistribution: true, AdoptDistribution: false, ...conditions }).flatMap((p: any) => p.PolicyDocument.Statement);
const grantedBy = (statements: any[], action: string) =>
  statements.filter((s) => s.Effect === 'Allow' && [].concat(s.Action).includes(action as never));
const BOTH_MODES = [
  ['without a service role', { WithServiceRole: false, HasWebACL: true, HasAccessLogs: true }],
  ['with a service role', { WithServiceRole: true, HasWebACL: true, HasAccessLogs: true }],
] as const;

describe.each(BOTH_MODES)('the rotation role, %s', (_, conditions) => {
  const statements = policiesOf('RotationRole', conditions);

  it('may describe and update this stack only', () => {
    for (const action of ['cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents', 'cloudformation:UpdateStack']) {
      expect(grantedBy(statements, action).map((s) => s.Resource)).toEqual([{ Ref: 'AWS::StackId' }]);
    }
  });

  it('publishes failed invocations to its own topic and writes its own logs', () => {
    expect(grantedBy(statements, 'sns:Publish').map((s) => s.Resource)).toEqual([{ Ref: 'RotationTopic' }]);
    expect(grantedBy(statements, 'logs:PutLogEvents').map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': ['RotationLogGroup', 'Arn'] }]);
  });
});

describe('the rotation role with a service role', () => {
  it('holds nothing but its own calls: CloudFormation replaces the keys as the service role', () => {
    const statements = policiesOf('RotationRole', { WithServiceRole: true, HasWebACL: true, HasAccessLogs: true });
    expect(statements.map((s) => s.Sid)).toEqual(['Logs', 'ReadThisStack', 'UpdateThisStack', 'PassTheServiceRole', 'FailedInvocationNotice']);
  });
});

describe('the rotation role without a service role', () => {
  // CloudFormation runs the rotation's update with this role's credentials, so the role needs
  // what AWS's resource schemas list for each operation of the update and of its rollback.
  const statements = policiesOf('RotationRole', { WithServiceRole: false, HasWebACL: true, HasAccessLogs: true });
  const granted = (action: string) => grantedBy(statements, action);

  it('has a "*" resource only for actions that name no resource type, and DescribeAlarms, whose use is undocumented', () => {
    const wildcard = statements.filter((s) => [].concat(s.Resource).includes('*' as never));
    expect(wildcard.map((s) => s.Action)).toEqual(['secretsmanager:GetRandomPassword', 'cloudfront:CreateConnectionGroup', 'cloudwatch:DescribeAlarms']);
  });

  it("touches API keys only by this stack's own tag, but for creating one", () => {
    const keyStatements = statements.filter((s) => JSON.stringify(s.Resource).includes('::/apikeys'));
    expect(keyStatements.map((s) => [s.Sid, s.Condition])).toEqual([
      ['CreateKeys', undefined],
      ['ThisStacksKeys', { StringEquals: { 'aws:ResourceTag/aws:cloudformation:stack-id': { Ref: 'AWS::StackId' } } }],
    ]);
    expect(keyStatements[0].Action).toBe('apigateway:POST');
    expect(keyStatements[0].Resource['Fn::Sub']).toMatch(/::\/apikeys$/);
  });

  it('scopes secrets to this stack, usage-plan keys to this usage plan, and CloudFront to this distribution', () => {
    expect(referencedNames(granted('secretsmanager:DeleteSecret')[0].Resource)).toContain('AWS::StackName');
    expect(referencedNames(granted('apigateway:DELETE').find((s) => s.Sid === 'UsagePlanKeys').Resource)).toContain('UsagePlan');
    expect(referencedNames(granted('cloudfront:UpdateDistribution')[0].Resource)).toContain('Distribution');
  });

  it('may read the web ACL only when one is given, and then only that one', () => {
    expect(granted('wafv2:GetWebACL').map((s) => s.Resource)).toEqual([{ Ref: 'WebACLArn' }]);
    expect(grantedBy(policiesOf('RotationRole', { WithServiceRole: false, HasWebACL: false, HasAccessLogs: false }), 'wafv2:GetWebACL')).toEqual([]);
  });

  it('may invoke the key gate, as CloudFormation does with its credentials, and no other function', () => {
    expect(granted('lambda:InvokeFunction').map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': ['KeyGateFunction', 'Arn'] }]);
  });

  const leftOut: Record<string, string> = {
    'secretsmanager:ReplicateSecretToRegions': 'the secret sets no ReplicaRegions',
    'secretsmanager:RemoveRegionsFromReplication': 'the secret sets no ReplicaRegions',
  };
  it.each([
    ['AWS::SecretsManager::Secret', ['create', 'read', 'delete']],
    ['AWS::ApiGateway::ApiKey', ['create', 'read', 'delete']],
    ['AWS::ApiGateway::UsagePlanKey', ['create', 'read', 'delete']],
    ['AWS::CloudFront::Distribution', ['read', 'update']],
  ])('grants the %s handler permissions for %j', (type, handlers) => {
    const schema = loadResourceSchema(type);
    const needed = handlers.flatMap((h) => schema.handlers?.[h]?.permissions ?? []).filter((a) => !(a in leftOut));
    const missing = [...new Set(needed)].filter((action) => granted(action).length === 0);
    expect(missing).toEqual([]);
  });
});

describe.each(Object.keys(Resources).filter((id) => Resources[id].Type === 'AWS::IAM::Role'))('%s', (role) => {
  it('grants an action on an ARN only when IAM names a resource type for it, else on "*"', () => {
    const statements = policiesOf(role, { WithServiceRole: false, HasWebACL: true, HasAccessLogs: true });
    const misfits = statements.filter((s) => s.Resource !== '*').flatMap((s) => [s.Action].flat()).filter((action: string) => iamResourceTypes(action).length === 0);
    expect(misfits).toEqual([]);
  });

  it("carries the service-role stack's permissions boundary exactly when the stack has a service role", () => {
    const boundary = Resources[role].Properties.PermissionsBoundary;
    expect(resolveConditions(boundary, { WithServiceRole: true })).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/cloudfront-api-key-rotation/${AWS::StackName}-boundary',
    });
    expect(resolveConditions(boundary, { WithServiceRole: false })).toBeUndefined();
  });
});

describe('the key gate', () => {
  const statements: any[] = Resources.KeyGateRole.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);

  it("runs on every rotation: its properties name the new secret and key, and the stage's health check", () => {
    expect(Resources.KeyGate).toMatchObject({
      Type: 'AWS::CloudFormation::CustomResource',
      Properties: {
        ServiceToken: { 'Fn::GetAtt': ['KeyGateFunction', 'Arn'] },
        SecretArn: { Ref: 'ApiKeySecret' },
        KeyId: { Ref: 'ApiKey' },
        TimeoutSeconds: { Ref: 'KeyGateTimeoutSeconds' },
      },
    });
  });

  it("asks the API stage itself, the same URL as the ApiStageURL output, plus the health-check path, from its environment", () => {
    const { HEALTH_URL, STACK_ID } = Resources.KeyGateFunction.Properties.Environment.Variables;
    const [condition, demo, given] = HEALTH_URL['Fn::If'];
    const [, demoStage, givenStage] = Outputs.ApiStageURL.Value['Fn::If'];
    expect(condition).toBe('CreateDemoApi');
    expect(demo['Fn::Sub']).toBe(`${demoStage['Fn::Sub']}\${HealthCheckPath}`);
    expect(given['Fn::Sub']).toBe(`${givenStage['Fn::Sub']}\${HealthCheckPath}`);
    expect(STACK_ID).toEqual({ Ref: 'AWS::StackId' });
    // A forged request could name another URL: the gate reads none from its properties.
    expect(Resources.KeyGate.Properties).not.toHaveProperty('Url');
  });

  it('answers within its function timeout, which leaves room for the longest bound, and CloudFormation waits no longer', () => {
    expect(Resources.KeyGateFunction.Properties).toMatchObject({ Runtime: 'nodejs24.x', Handler: 'index.handler', Timeout: 900 });
    expect(Parameters.KeyGateTimeoutSeconds).toMatchObject({ Type: 'Number', Default: 300, MinValue: 0, MaxValue: 840 });
    expect(Resources.KeyGate.Properties.ServiceTimeout).toBe(Resources.KeyGateFunction.Properties.Timeout);
  });

  it("reads only this stack's key secrets and this stack's status, and writes its logs", () => {
    expect(statements.map((s) => [s.Action, s.Resource])).toEqual([
      [['logs:CreateLogStream', 'logs:PutLogEvents'], { 'Fn::GetAtt': ['KeyGateLogGroup', 'Arn'] }],
      ['cloudformation:DescribeStacks', { Ref: 'AWS::StackId' }],
      ['secretsmanager:GetSecretValue', { 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${AWS::StackName}/cloudfront-api-key/*' }],
    ]);
  });
});

describe('the key secret', () => {
  it("carries a user tag, which Security Hub's tagging control counts and CloudFormation's aws: tags do not", () => {
    expect(Resources.ApiKeySecret.Properties.Tags).toEqual([{ Key: 'cloudfront-api-key-rotation:stack-name', Value: { Ref: 'AWS::StackName' } }]);
    expect(createOnly('AWS::SecretsManager::Secret', 'Properties.Tags')).toBe(false);
  });
});

describe('outputs', () => {
  it('lists what an operator needs', () => {
    expect(Object.keys(Outputs).sort()).toEqual([
      'ApiKeyId', 'ApiKeyName', 'ApiKeySecretArn', 'ApiStageURL', 'CloudFrontURL', 'DistributionId', 'DistributionURL',
      'NotificationTopicArn', 'RollbackConfiguration', 'RotationSchedule', 'ServiceRoleArn', 'TemplateVersion', 'UsagePlanId',
    ]);
  });

  it('carry the release of the package that ships the template, which status compares with a stack\'s', () => {
    const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8'));

    expect(Outputs.TemplateVersion.Value).toBe(version);
  });

  it('never resolve the secret', () => {
    expect(JSON.stringify(Outputs)).not.toContain('{{resolve:');
  });
});

describe('verification and notices', () => {
  const statementsOf = (role: string): any[] => Resources[role].Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
  const actionsOf = (role: string) => statementsOf(role).flatMap((s) => [].concat(s.Action));

  it('sends notices to a topic, subscribing the email address only when one is given', () => {
    expect(Resources.RotationTopic.Type).toBe('AWS::SNS::Topic');
    expect(Resources.RotationTopicEmail).toMatchObject({
      Condition: 'HasNotificationEmail',
      Properties: { TopicArn: { Ref: 'RotationTopic' }, Protocol: 'email', Endpoint: { Ref: 'NotificationEmail' } },
    });
  });

  it('retries a failed scheduled rotation a bounded number of times, then notifies the topic', () => {
    const { MaximumRetryAttempts, MaximumEventAgeInSeconds, ...rest } = Resources.RotationInvokeConfig.Properties;
    expect(rest).toEqual({
      FunctionName: { Ref: 'RotationFunction' },
      Qualifier: '$LATEST',
      DestinationConfig: { OnFailure: { Destination: { Ref: 'RotationTopic' } } },
    });
    expect(MaximumRetryAttempts).toBeGreaterThanOrEqual(0);
    expect(MaximumRetryAttempts).toBeLessThanOrEqual(2);
    expect(MaximumEventAgeInSeconds).toBeGreaterThanOrEqual(60);
  });

  it.each(['Rotation', 'Verifier'])('retries a failed %s invocation twice, then sends the event and its error to the topic', (name) => {
    expect(Resources[`${name}InvokeConfig`].Properties).toEqual({
      FunctionName: { Ref: `${name}Function` },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: { Ref: 'RotationTopic' } } },
    });
  });

  it('alarms when the verifier has not measured the key for two days: missing data counts', () => {
    expect(Resources.VerifierSilentAlarm.Properties).toMatchObject({
      Namespace: 'CloudFrontApiKeyRotation',
      MetricName: 'ActiveKeyAgeDays',
      Dimensions: [{ Name: 'StackName', Value: { Ref: 'AWS::StackName' } }],
      Statistic: 'SampleCount',
      Period: 86400,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: 'RotationTopic' }],
    });
    expect(Resources.VerifierDailyRule.Properties.ScheduleExpression).toBe('rate(1 day)');
  });

  it('runs the verifier like the rotation function: nodejs24.x, inline code, JSON logs', () => {
    expect(Resources.VerifierFunction.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
      Environment: { Variables: { STACK_NAME: { Ref: 'AWS::StackName' }, TOPIC_ARN: { Ref: 'RotationTopic' }, HEALTH_CHECK_PATH: { Ref: 'HealthCheckPath' } } },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: 'VerifierLogGroup' } },
    });
    expect(Resources.VerifierFunction.Properties).not.toHaveProperty('ReservedConcurrentExecutions');
  });

  it.each([
    ['VerifierOutcomeRule', 'CloudFormation Stack Status Change', { 'status-details': { status: ['UPDATE_COMPLETE', 'UPDATE_FAILED', 'UPDATE_ROLLBACK_COMPLETE', 'UPDATE_ROLLBACK_FAILED'] } }],
    ['VerifierProbeRule', 'CloudFormation Resource Status Change', { 'logical-resource-id': ['Distribution', 'OriginHeader'], 'status-details': { status: ['UPDATE_COMPLETE'] } }],
  ])('%s delivers only this stack\'s %s events', (rule, detailType, detail) => {
    expect(Resources[rule].Properties.EventPattern).toEqual({
      source: ['aws.cloudformation'],
      'detail-type': [detailType],
      detail: { 'stack-id': [{ Ref: 'AWS::StackId' }], ...detail },
    });
  });

  it.each(['VerifierOutcome', 'VerifierProbe', 'VerifierDaily'])('lets only the %sRule of this account invoke the verifier', (name) => {
    expect(Resources[`${name}Permission`].Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { Ref: 'VerifierFunction' },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [`${name}Rule`, 'Arn'] },
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
  });

  it('gives the verifier reads scoped to this stack\'s resources, and publishing to its topic', () => {
    expect(new Set(actionsOf('VerifierRole'))).toEqual(new Set([
      'logs:CreateLogStream', 'logs:PutLogEvents', 'cloudformation:DescribeStacks', 'cloudformation:DescribeStackEvents',
      'apigateway:GET', 'cloudfront:GetDistributionConfig', 'sns:Publish',
    ]));
    expect(JSON.stringify(statementsOf('VerifierRole').map((s) => s.Resource))).not.toContain('"*"');
  });

  it("reads API keys, with their values, only by this stack's own tag", () => {
    const read = statementsOf('VerifierRole').find((s) => s.Sid === 'ReadKeys');
    expect(read.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/aws:cloudformation:stack-id': { Ref: 'AWS::StackId' } } });
  });

  it.each([
    ['OriginKeyRejectedAlarm', 'OriginKeyRejected', 60],
    ['RotationFailedAlarm', 'RotationFailed', 300],
    ['StaleKeyAlarm', 'ActiveKeyAgeDays', 86400],
  ])('%s watches the verifier\'s %s metric for this stack and notifies the topic', (alarm, metric, period) => {
    expect(Resources[alarm].Properties).toMatchObject({
      Namespace: 'CloudFrontApiKeyRotation',
      MetricName: metric,
      Dimensions: [{ Name: 'StackName', Value: { Ref: 'AWS::StackName' } }],
      Period: period,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: 'RotationTopic' }],
    });
  });

  it.each([
    [false, 'StaleAfterDays'],
    [true, 'WindowStaleAfterDays'],
  ])('sets the stale-key threshold from the schedule (in a rotation window: %s): %s', (RotateInWindow, key) => {
    expect(resolveConditions(Resources.StaleKeyAlarm.Properties.Threshold, { RotateInWindow }))
      .toEqual({ 'Fn::FindInMap': ['ScheduleMap', { Ref: 'ApiKeyRotationSchedule' }, key] });
  });

  it('states the rollback triggers for rotations, or none when the monitoring time is 0', () => {
    const [condition, on, off] = Outputs.RollbackConfiguration.Value['Fn::If'];
    expect(condition).toBe('MonitorRollback');
    expect(template.Conditions.MonitorRollback).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'RollbackMonitoringMinutes' }, 0] }] });
    expect(JSON.parse(on['Fn::Sub'].replace('${OriginKeyRejectedAlarm.Arn}', 'arn:alarm').replace('${RollbackMonitoringMinutes}', '10'))).toEqual({
      RollbackTriggers: [{ Arn: 'arn:alarm', Type: 'AWS::CloudWatch::Alarm' }],
      MonitoringTimeInMinutes: 10,
    });
    expect(JSON.parse(off)).toEqual({ RollbackTriggers: [], MonitoringTimeInMinutes: 0 });
    expect(Parameters.RollbackMonitoringMinutes).toMatchObject({ Type: 'Number', Default: 10, MinValue: 0, MaxValue: 180 });
  });
});

describe('domain, TLS, logs and response headers', () => {
  const OFF = { HasDomain: false, HasAliasRecord: false, HasAccessLogs: false, HasWebACL: false, CreateDemoApi: true };
  const config = (conditions: Record<string, boolean>) => resolveConditions(Resources.Distribution.Properties.DistributionConfig, { ...OFF, ...conditions });

  it('has the same resources as the released template when every option is off', () => {
    const released = parseTemplate(readFileSync(join(__dirname, 'e2e', 'fixtures', 'template-0.1.0.yaml'), 'utf8'));

    const optional = new Set(['HasAliasRecord', 'RotateInWindow', 'AdoptDistribution', 'HasSlackChannel']);

    expect(Object.keys(Resources).filter((id) => !optional.has(Resources[id].Condition)).sort()).toEqual(Object.keys(released.Resources).sort());
  });

  it('leaves the distribution as before when every option is off: the default certificate, no aliases, no logs', () => {
    const off = config({});

    expect(off.Aliases).toBeUndefined();
    expect(off.ViewerCertificate).toBeUndefined();
    expect(off.Logging).toBeUndefined();
    expect(resolveConditions(Outputs.CloudFrontURL.Value, { ...OFF, AdoptDistribution: false })).toEqual({ 'Fn::Sub': 'https://${Distribution.DomainName}' });
  });

  it('serves the domain names with their certificate over SNI and the newest TLS 1.2 policy', () => {
    const on = config({ HasDomain: true });

    expect(on.Aliases).toEqual({ 'Fn::Split': [',', { Ref: 'DomainNames' }] });
    expect(on.ViewerCertificate).toEqual({ AcmCertificateArn: { Ref: 'CertificateArn' }, SslSupportMethod: 'sni-only', MinimumProtocolVersion: 'TLSv1.2_2025' });
    expect(loadResourceSchema('AWS::CloudFront::Distribution').definitions?.ViewerCertificate.properties.MinimumProtocolVersion.enum).toContain('TLSv1.2_2025');
  });

  it('names the first domain in CloudFrontURL, and keeps the distribution\'s own name in DistributionURL for the probes', () => {
    expect(resolveConditions(Outputs.CloudFrontURL.Value, { HasDomain: true })).toEqual({ 'Fn::Sub': ['https://${D}', { D: { 'Fn::Select': [0, { 'Fn::Split': [',', { Ref: 'DomainNames' }] }] } }] });
    expect(resolveConditions(Outputs.DistributionURL.Value, { AdoptDistribution: false })).toEqual({ 'Fn::Sub': 'https://${Distribution.DomainName}' });
  });

  it('refuses domain names without a certificate, and a certificate without domain names', () => {
    const { DomainNamesNeedCertificate, CertificateNeedsDomainNames } = template.Rules;

    expect(DomainNamesNeedCertificate.RuleCondition).toEqual({ 'Fn::Equals': [{ Ref: 'CertificateArn' }, ''] });
    expect(DomainNamesNeedCertificate.Assertions[0].Assert).toEqual({ 'Fn::Equals': [{ Ref: 'DomainNames' }, ''] });
    expect(CertificateNeedsDomainNames.Assertions[0].Assert).toEqual({ 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'DomainNames' }, ''] }] });
  });

  it('creates an alias record for the first domain only with a hosted zone', () => {
    expect(Resources.AliasRecord.Condition).toBe('HasAliasRecord');
    expect(template.Conditions.HasAliasRecord).toEqual({ 'Fn::And': [{ Condition: 'HasDomain' }, { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'HostedZoneId' }, ''] }] }, { Condition: 'CreateDistribution' }] });
    expect(Resources.AliasRecord.Properties).toMatchObject({ Type: 'A', AliasTarget: { DNSName: { 'Fn::GetAtt': ['Distribution', 'DomainName'] }, HostedZoneId: 'Z2FDTNDATAQYW2' } });
  });

  it('logs every request to the bucket under the stack name, without cookies', () => {
    expect(config({ HasAccessLogs: true }).Logging).toEqual({ Bucket: { 'Fn::Sub': '${AccessLogBucket}.s3.${AWS::URLSuffix}' }, Prefix: { 'Fn::Sub': '${AWS::StackName}/' } });
  });

  it.each(BOTH_MODES)('lets the rotation role, %s, set the log bucket\'s ACL only when the stack logs', (_, conditions) => {
    const logging = grantedBy(policiesOf('RotationRole', { ...conditions, HasAccessLogs: true }), 's3:PutBucketAcl');
    const notLogging = grantedBy(policiesOf('RotationRole', { ...conditions, HasAccessLogs: false }), 's3:PutBucketAcl');

    expect(logging.map((s) => s.Resource)).toEqual(conditions.WithServiceRole ? [] : [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${AccessLogBucket}' }]);
    expect(notLogging).toEqual([]);
  });

  it('adds the AWS managed SecurityHeadersPolicy to every response', () => {
    expect(config({}).DefaultCacheBehavior.ResponseHeadersPolicyId).toBe('67f7725c-6f97-4210-82d7-5512b31e9d03');
  });
});
