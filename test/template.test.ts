import { parseTemplate, readTemplate } from '../scripts/template';
import { timestampFrom } from '../lambda/timestamp';
import { reachOf, referencedNames } from './support/references';
import { isCreateOnly, loadResourceSchema } from './support/resource-schemas';

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
    expect(Mappings.ScheduleMap).toEqual({
      Daily: { Rate: 'rate(1 day)' },
      Fortnightly: { Rate: 'rate(14 days)' },
      Monthly: { Rate: 'rate(30 days)' },
      Bimonthly: { Rate: 'rate(60 days)' },
      Quarterly: { Rate: 'rate(90 days)' },
    });
  });
});

describe('a new Timestamp', () => {
  const reach = reachOf(template, 'Timestamp', createOnly);

  it('reaches exactly the secret, the key, the usage-plan key and the distribution header', () => {
    expect(reach.reached).toEqual([
      'ApiKey.Properties.Name',
      'ApiKey.Properties.Value',
      'ApiKeySecret.Properties.Name',
      'Distribution DependsOn UsagePlanKey',
      'Distribution.Properties.DistributionConfig.Origins.0.OriginCustomHeaders.0.HeaderValue',
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

  it('changes the header only after the new key is in the usage plan', () => {
    expect(Resources.Distribution.DependsOn).toBe('UsagePlanKey');
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

describe('the rotation role', () => {
  const statements: any[] = Resources.RotationRole.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
  const granted = (action: string) =>
    statements.filter((s) => [].concat(s.Action).includes(action as never) && s.Effect === 'Allow');

  it('may describe and update this stack only', () => {
    for (const action of ['cloudformation:DescribeStacks', 'cloudformation:UpdateStack']) {
      expect(granted(action).map((s) => s.Resource)).toEqual([{ Ref: 'AWS::StackId' }]);
    }
  });

  it('has a "*" resource only for secretsmanager:GetRandomPassword, which takes no resource', () => {
    const wildcard = statements.filter((s) => [].concat(s.Resource).includes('*' as never));
    expect(wildcard.map((s) => s.Action)).toEqual(['secretsmanager:GetRandomPassword']);
  });

  it('scopes secrets to this stack, usage-plan keys to this usage plan, and CloudFront to this distribution', () => {
    expect(referencedNames(granted('secretsmanager:DeleteSecret')[0].Resource)).toContain('AWS::StackName');
    expect(referencedNames(granted('apigateway:DELETE').find((s) => s.Sid === 'UsagePlanKeys').Resource)).toContain('UsagePlan');
    expect(referencedNames(granted('cloudfront:UpdateDistribution')[0].Resource)).toContain('Distribution');
  });

  // CloudFormation runs the rotation's update with this role's credentials, so the role needs
  // what AWS's resource schemas list for each operation of the update and of its rollback.
  const leftOut: Record<string, string> = {
    'secretsmanager:ReplicateSecretToRegions': 'the secret has no replica Regions',
    'secretsmanager:RemoveRegionsFromReplication': 'the secret has no replica Regions',
    'cloudfront:CreateConnectionGroup': 'the distribution uses no connection group',
    'cloudfront:GetConnectionGroup': 'the distribution uses no connection group',
    'cloudfront:GetVpcOrigin': 'the distribution has no VPC origin',
    'cloudfront:UpdateDistributionWithStagingConfig': 'the distribution has no staging distribution',
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

describe('outputs', () => {
  it('lists what an operator needs', () => {
    expect(Object.keys(Outputs).sort()).toEqual(
      ['ApiKeyId', 'ApiKeyName', 'ApiKeySecretArn', 'ApiStageURL', 'CloudFrontURL', 'DistributionId', 'RotationSchedule', 'UsagePlanId'],
    );
  });

  it('never resolve the secret', () => {
    expect(JSON.stringify(Outputs)).not.toContain('{{resolve:');
  });
});
