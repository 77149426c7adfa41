import { SERVICE_ROLE_TEMPLATE_PATH, parseTemplate, readTemplate } from '../scripts/template';
import { resolveConditions } from './support/conditions';
import { referencedNames } from './support/references';
import { iamResourceTypes, loadResourceSchema } from './support/resource-schemas';

const companion = parseTemplate(readTemplate(SERVICE_ROLE_TEMPLATE_PATH));
const main = parseTemplate(readTemplate());
const serviceRole = companion.Resources.ServiceRole.Properties;
const statements: any[] = resolveConditions(serviceRole.Policies, { HasWebACL: true, HasHostedZone: true, HasAccessLogs: true }).flatMap((p: any) => p.PolicyDocument.Statement);
const boundary: any[] = companion.Resources.FunctionBoundary.Properties.PolicyDocument.Statement;
const actionsOf = (list: any[]) => new Set<string>(list.filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action].flat()));
const granted = actionsOf(statements);

// Handler permissions CloudFormation never needs for this template, each with the reason.
const LEFT_OUT: Record<string, string> = {
  'cloudfront:CreateDistributionWithTags': 'not an IAM action (cfn-lint W3037): IAM knows no such action',
  'secretsmanager:ReplicateSecretToRegions': 'the secret sets no ReplicaRegions',
  'secretsmanager:RemoveRegionsFromReplication': 'the secret sets no ReplicaRegions',
  'iam:DeleteRolePermissionsBoundary': "removing the boundary would undo the service role's own limit",
  'iam:PassRole': 'granted for Lambda only (PassRolesToFunctions); no other resource passes a role',
  's3:GetObject': 'no code or API definition comes from S3',
  's3:GetObjectVersion': 'no code comes from S3',
  's3:REST.PUT.OBJECT': 'no log group delivers to S3',
  'firehose:TagDeliveryStream': 'no log group delivers to Firehose',
  'logs:CreateLogDelivery': 'no log group sets up a delivery',
  'logs:PutResourcePolicy': 'no log group sets a resource policy',
  'logs:DescribeResourcePolicies': 'no log group sets a resource policy',
  'logs:DeleteResourcePolicy': 'no log group sets a resource policy',
  'logs:AssociateKmsKey': 'no log group sets KmsKeyId',
  'logs:DisassociateKmsKey': 'no log group sets KmsKeyId',
  'logs:PutBearerTokenAuthentication': 'no log group sets bearer-token authentication',
  'lambda:PutFunctionConcurrency': 'no function reserves concurrency',
  'lambda:DeleteFunctionConcurrency': 'no function reserves concurrency',
  'lambda:GetCodeSigningConfig': 'no function sets CodeSigningConfigArn',
  'lambda:PutFunctionCodeSigningConfig': 'no function sets CodeSigningConfigArn',
  'lambda:DeleteFunctionCodeSigningConfig': 'no function sets CodeSigningConfigArn',
  'lambda:GetLayerVersion': 'no function uses layers',
  'lambda:PassCapacityProvider': 'no function sets a capacity provider',
  'lambda:AssociateRuntimeAlias': 'no function sets a runtime alias',
  'ec2:DescribeSecurityGroups': 'no function is in a VPC',
  'ec2:DescribeSubnets': 'no function is in a VPC',
  'ec2:DescribeVpcs': 'no function is in a VPC',
  'ec2:DescribeNetworkInterfaces': 'no function is in a VPC',
  'elasticfilesystem:DescribeMountTargets': 'no function mounts a file system',
  's3files:ListMountTargets': 'no function mounts a file system',
  'kms:CreateGrant': 'no function sets KmsKeyArn',
  'kms:Decrypt': 'no function sets KmsKeyArn',
  'kms:DescribeKey': 'no function sets KmsKeyArn',
  'kms:Encrypt': 'no function sets KmsKeyArn',
  'kms:GenerateDataKey': 'no function sets KmsKeyArn',
  'iam:GetRole': 'granted in Roles; SNS asks for it only for delivery-status logging roles, which the topic has none of',
};

describe('the service role', () => {
  const types = [...new Set(Object.values<any>(main.Resources).map((r) => r.Type))].filter((t) => t !== 'AWS::CloudFormation::CustomResource');

  // The stack's service role performs every operation on the stack: creates, updates with new
  // template versions, rotations, their rollbacks and the delete.
  it.each(types)('grants every handler permission of %s in its resource schema, or says why not', (type) => {
    const handlers = loadResourceSchema(type).handlers ?? {};
    const needed = ['create', 'read', 'update', 'delete'].flatMap((h) => handlers[h]?.permissions ?? []);
    expect([...new Set(needed)].filter((action) => !granted.has(action) && !(action in LEFT_OUT))).toEqual([]);
  });

  it('may invoke the key gate, as CloudFormation does for the custom resource, and read the web ACL when there is one', () => {
    expect(granted.has('lambda:InvokeFunction')).toBe(true);
    const web = statements.filter((s) => [s.Action].flat().includes('wafv2:GetWebACL'));
    expect(web.map((s) => s.Resource)).toEqual([{ Ref: 'WebACLArn' }]);
    const withoutAcl = resolveConditions(serviceRole.Policies, { HasWebACL: false, HasHostedZone: false, HasAccessLogs: false }).flatMap((p: any) => p.PolicyDocument.Statement);
    expect(actionsOf(withoutAcl).has('wafv2:GetWebACL')).toBe(false);
  });

  it('may set the ACL of the log bucket the stack names, and of no bucket without one', () => {
    expect(statements.find((s) => s.Sid === 'LogBucketAcl').Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${AccessLogBucket}' });
    const withoutLogs = resolveConditions(serviceRole.Policies, { HasWebACL: false, HasHostedZone: false, HasAccessLogs: false }).flatMap((p: any) => p.PolicyDocument.Statement);
    expect(actionsOf(withoutLogs).has('s3:PutBucketAcl')).toBe(false);
  });

  it('may change records in the hosted zone the stack names, and in no zone when it names none', () => {
    const records = statements.find((s) => s.Sid === 'AliasRecord');
    expect(records.Resource).toContainEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:route53:::hostedzone/${HostedZoneId}' });
    const withoutZone = resolveConditions(serviceRole.Policies, { HasWebACL: false, HasHostedZone: false, HasAccessLogs: false }).flatMap((p: any) => p.PolicyDocument.Statement);
    expect(actionsOf(withoutZone).has('route53:ChangeResourceRecordSets')).toBe(false);
  });

  it('is scoped to the stack by name or tag, but for the wildcards it explains', () => {
    const unscoped = statements.filter((s) => !referencedNames([s.Resource, s.Condition]).has('StackName') && s.Sid !== 'ReadWebACL');
    expect(unscoped.map((s) => s.Sid)).toEqual([
      'ActionsWithoutResourceTypes', 'ReadAlarms', 'GenerateKeyValue', 'CreateApiGatewayResources', 'TagApiGatewayResources', 'Distribution',
      'DistributionHandlerExtras', 'DistributionHandlerCreateConnectionGroup', 'LogBucketAcl', 'AliasRecord',
    ]);
  });

  it.each([
    ['service role', statements],
    ['boundary', boundary],
  ])('%s: grants an action on an ARN only when IAM names a resource type for it, else on "*"', (_, list) => {
    const misfits = list.filter((s) => s.Resource !== '*').flatMap((s) => [s.Action].flat()).filter((action: string) => iamResourceTypes(action).length === 0);
    expect(misfits).toEqual([]);
  });

  it('creates or changes roles only with the boundary attached, and cannot remove it', () => {
    const roleChanging = ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:PutRolePermissionsBoundary'];
    for (const action of roleChanging) {
      const grants = statements.filter((s) => [s.Action].flat().includes(action));
      expect(grants.map((s) => s.Condition)).toEqual([{ StringEquals: { 'iam:PermissionsBoundary': { Ref: 'FunctionBoundary' } } }]);
    }
    expect(granted.has('iam:DeleteRolePermissionsBoundary')).toBe(false);
  });

  it("lives outside the role names it may change, so it cannot change itself", () => {
    expect(serviceRole.Path).toBe('/cloudfront-api-key-rotation/');
    const roleArns = statements.filter((s) => JSON.stringify(s.Resource).includes(':role/')).map((s) => s.Resource['Fn::Sub']);
    expect(new Set(roleArns)).toEqual(new Set(['arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${StackName}-*']));
  });

  it('passes roles to Lambda only', () => {
    const pass = statements.filter((s) => s.Action === 'iam:PassRole');
    expect(pass.map((s) => s.Condition)).toEqual([{ StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } }]);
  });

  it('may be assumed by CloudFormation alone', () => {
    expect(serviceRole.AssumeRolePolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'cloudformation.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
  });

  it("its ARN is what the stack's ServiceRoleArn parameter accepts", () => {
    const arn = `arn:aws:iam::123456789012:role${serviceRole.Path}edge-api-cfn`;
    expect(new RegExp(main.Parameters.ServiceRoleArn.AllowedPattern).test(arn)).toBe(true);
    expect(serviceRole.RoleName).toEqual({ 'Fn::Sub': '${StackName}-cfn' });
  });
});

describe('the functions\' permissions boundary', () => {
  const allowed = actionsOf(boundary);

  it('is the policy the stack names as its roles\' boundary', () => {
    const { ManagedPolicyName, Path } = companion.Resources.FunctionBoundary.Properties;
    expect([ManagedPolicyName, Path]).toEqual([{ 'Fn::Sub': '${StackName}-boundary' }, '/cloudfront-api-key-rotation/']);
    const named = resolveConditions(main.Resources.RotationRole.Properties.PermissionsBoundary, { WithServiceRole: true })['Fn::Sub'];
    expect(named).toBe('arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/cloudfront-api-key-rotation/${AWS::StackName}-boundary');
  });

  it.each(['RotationRole', 'KeyGateRole', 'VerifierRole'])('allows every action %s is granted with a service role', (role) => {
    const policies = resolveConditions(main.Resources[role].Properties.Policies, { WithServiceRole: true, HasWebACL: true, HasAccessLogs: true });
    const needed = actionsOf(policies.flatMap((p: any) => p.PolicyDocument.Statement));
    expect([...needed].filter((action) => !allowed.has(action))).toEqual([]);
  });

  it('reaches only the stack\'s resources: every statement names the stack or its tag', () => {
    const unscoped = boundary.filter((s) => !referencedNames([s.Resource, s.Condition]).has('StackName'));
    expect(unscoped).toEqual([]);
  });

  it("lets the verifier read only the distribution tagged with the stack's name, which the stack sets", () => {
    const read = boundary.find((s) => s.Action === 'cloudfront:GetDistributionConfig');
    expect(read.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/cloudfront-api-key-rotation:stack-name': { Ref: 'StackName' } } });
    expect(main.Resources.Distribution.Properties.Tags).toContainEqual({ Key: 'cloudfront-api-key-rotation:stack-name', Value: { Ref: 'AWS::StackName' } });
  });
});
