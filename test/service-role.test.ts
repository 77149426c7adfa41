// The companion template's shape. What its policies allow and deny is judged by the IAM policy
// simulator in iam-simulator.test.ts; these are the links between the two templates and the
// checks against IAM's own reference.
import { MIRRORED_PARAMETERS } from '../scripts/cli/service-role';
import { SERVICE_ROLE_TEMPLATE_PATH, parseTemplate, readTemplate } from '../scripts/template';
import { resolveConditions } from './support/conditions';
import { iamResourceTypes } from './support/resource-schemas';

const companion = parseTemplate(readTemplate(SERVICE_ROLE_TEMPLATE_PATH));
const main = parseTemplate(readTemplate());
const serviceRole = companion.Resources.ServiceRole.Properties;
const everyCondition = Object.fromEntries(Object.keys(companion.Conditions).map((name) => [name, true]));
const statements: any[] = resolveConditions(serviceRole.Policies, everyCondition).flatMap((p: any) => p.PolicyDocument.Statement);
const boundary: any[] = resolveConditions(companion.Resources.FunctionBoundary.Properties.PolicyDocument.Statement, everyCondition);

/** The logical IDs of the template's resources of `type`, sorted: a stack with a service role may have each of them. */
const logicalIdsOf = (type: string) => Object.keys(main.Resources).filter((id) => main.Resources[id].Type === type).sort();
/** The logical IDs that generated-name patterns such as `function:${StackName}-<ID>-*` name, sorted. */
const logicalIdsIn = (resources: unknown, separator: string) =>
  [resources].flat().map((r: any) => new RegExp(`${separator}\\$\\{StackName\\}-(\\w+)-\\*`).exec(r['Fn::Sub'])?.[1]).sort();

describe('the service role', () => {
  // A resource the template adds, and the companion does not name, would fail its create.
  it.each([
    ['Functions', 'AWS::Lambda::Function', 'function:'],
    ['LogGroups', 'AWS::Logs::LogGroup', 'log-group:'],
    ['Rules', 'AWS::Events::Rule', 'rule/'],
    ['Topic', 'AWS::SNS::Topic', ':'],
    ['Alarms', 'AWS::CloudWatch::Alarm', 'alarm:'],
  ])('%s names each %s of the template by its logical ID', (sid, type, separator) => {
    expect(logicalIdsIn(statements.find((s) => s.Sid === sid).Resource, separator)).toEqual(logicalIdsOf(type));
  });

  it.each([
    ['service role', statements],
    ['boundary', boundary],
  ])('%s: grants an action on an ARN only when IAM names a resource type for it, else on "*"', (_, list) => {
    const misfits = list.filter((s) => s.Resource !== '*').flatMap((s) => [s.Action ?? []].flat()).filter((action: string) => iamResourceTypes(action).length === 0);
    expect(misfits).toEqual([]);
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

  it.each(logicalIdsOf('AWS::IAM::Role'))("%s lives under the path the role's statements name", (role) => {
    expect(main.Resources[role].Properties.Path).toEqual({ 'Fn::Sub': '/cloudfront-api-key-rotation/${AWS::Region}/${AWS::StackName}/' });
    const roleStatements = statements.filter((s) => s.Sid === 'BoundedRoles' || s.Sid === 'Roles' || s.Sid === 'PassRolesToFunctions');
    expect(roleStatements.map((s) => s.Resource)).toEqual(Array(3).fill({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cloudfront-api-key-rotation/${AWS::Region}/${StackName}/*' }));
  });

  it.each(Object.entries(MIRRORED_PARAMETERS))('mirrors the stack parameter it is scoped by, with the same rule: %s', (companionName, name) => {
    expect(companion.Parameters[companionName].AllowedPattern).toBe(main.Parameters[name].AllowedPattern);
  });

  it("names as the stack's distribution the one carrying the tag the stack puts on its own", () => {
    const byTag = statements.find((s) => s.Sid === 'Distribution');
    const [key] = Object.keys(byTag.Condition.StringLike);
    expect(key).toBe('aws:ResourceTag/cloudfront-api-key-rotation:stack-id');
    expect(main.Resources.Distribution.Properties.Tags).toContainEqual({ Key: 'cloudfront-api-key-rotation:stack-id', Value: { Ref: 'AWS::StackId' } });
  });
});

describe("the functions' permissions boundary", () => {
  it("is the policy the stack names as its roles' boundary", () => {
    const { ManagedPolicyName, Path } = companion.Resources.FunctionBoundary.Properties;
    expect([ManagedPolicyName, Path]).toEqual([{ 'Fn::Sub': '${StackName}-boundary' }, '/cloudfront-api-key-rotation/']);
    const named = resolveConditions(main.Resources.RotationRole.Properties.PermissionsBoundary, { WithServiceRole: true })['Fn::Sub'];
    expect(named).toBe('arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/cloudfront-api-key-rotation/${AWS::StackName}-boundary');
  });

  it('names exactly the functions the stack has, as the only sources of a bounded request', () => {
    const deny = boundary.find((s) => s.Sid === 'OnlyFromTheStacksFunctions');
    expect(logicalIdsIn(deny.Condition.ArnNotLike['lambda:SourceFunctionArn'], 'function:')).toEqual(logicalIdsOf('AWS::Lambda::Function'));
  });
});
