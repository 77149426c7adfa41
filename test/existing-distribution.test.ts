// The existing-distribution mode (DistributionId), as the template resolves it: which resources a
// stack gets, what each function and role may reach, and which combinations the Rules refuse.
import { parseTemplate, readTemplate } from '../scripts/template';
import { EXISTING_DISTRIBUTION, ORIGIN_HEADER_FUNCTION, OWN, STACK_ID, arn, deployedMain } from './iam-simulator.fixtures';
import { judgeRules } from './template-rules.fixtures';

const template = parseTemplate(readTemplate());
const { Parameters } = template;
const API_URL = 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod';
/** The stack as deployed, with DistributionId = EXISTING_DISTRIBUTION or empty. */
const deployed = (existingDistribution: boolean) => deployedMain({ serviceRole: false, allOptions: false, existingDistribution });
const statementsOf = (stack: ReturnType<typeof deployed>, role: string) =>
  stack.properties(role)!.Policies.flatMap((p: any) => p.PolicyDocument.Statement);

describe('with DistributionId', () => {
  const stack = deployed(true);

  it('creates no distribution, and sets the header of the one named, after the key gate', () => {
    expect(stack.properties('Distribution')).toBeUndefined();
    expect(template.Resources.OriginHeader.DependsOn).toEqual(['KeyGate', 'OriginHeaderContinuation']);
    expect(stack.properties('OriginHeader')).toMatchObject({ ServiceTimeout: 3600, DistributionId: EXISTING_DISTRIBUTION, SecretArn: arn.secret(OWN.secret) });
    expect(stack.properties('OriginHeaderFunction')!.Environment.Variables).toEqual({
      STACK_ID,
      DISTRIBUTION_ID: EXISTING_DISTRIBUTION,
      ORIGIN_DOMAIN: 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com',
    });
  });

  it("lets the function change that distribution alone, read this stack's key secrets, and invoke only itself", () => {
    expect(statementsOf(stack, 'OriginHeaderRole').map((s: any) => [s.Sid, s.Action, s.Resource])).toEqual([
      ['Logs', ['logs:CreateLogStream', 'logs:PutLogEvents'], expect.anything()],
      ['ReadKeySecrets', 'secretsmanager:GetSecretValue', arn.secret('edge/cloudfront-api-key/*')],
      ['ThatDistribution', ['cloudfront:GetDistribution', 'cloudfront:GetDistributionConfig', 'cloudfront:UpdateDistribution'], arn.distribution(EXISTING_DISTRIBUTION)],
    ]);
    expect(stack.properties('OriginHeaderContinuation')!.PolicyDocument.Statement).toEqual([
      { Sid: 'InvokeItself', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: ORIGIN_HEADER_FUNCTION },
    ]);
  });

  it('gives the rotation role no CloudFront permission, only the invocation of the header function', () => {
    const statements = statementsOf(stack, 'RotationRole');

    expect(statements.flatMap((s: any) => [s.Action].flat()).filter((a: string) => a.startsWith('cloudfront:'))).toEqual([]);
    expect(statements.find((s: any) => s.Sid === 'InvokeOriginHeader')).toMatchObject({ Resource: ORIGIN_HEADER_FUNCTION });
  });

  it('points the outputs, the verifier and its probe at the distribution named', () => {
    expect(stack.value(template.Outputs.DistributionId.Value)).toBe(EXISTING_DISTRIBUTION);
    expect(stack.value(template.Outputs.DistributionURL.Value)).toBe('https://d111111abcdef8.cloudfront.net');
    expect(stack.value(template.Outputs.CloudFrontURL.Value)).toBe('https://d111111abcdef8.cloudfront.net');
    expect(statementsOf(stack, 'VerifierRole').find((s: any) => s.Sid === 'ReadThisDistribution').Resource).toBe(arn.distribution(EXISTING_DISTRIBUTION));
    expect(stack.properties('VerifierProbeRule')!.EventPattern.detail['logical-resource-id']).toContain('OriginHeader');
  });
});

describe('without DistributionId', () => {
  const stack = deployed(false);

  it('has its own distribution, as before, and none of the header resources', () => {
    expect(stack.properties('Distribution')).toBeDefined();
    expect(['OriginHeader', 'OriginHeaderFunction', 'OriginHeaderRole', 'OriginHeaderContinuation', 'OriginHeaderLogGroup'].map((id) => stack.properties(id))).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(statementsOf(stack, 'RotationRole').find((s: any) => s.Sid === 'ThisDistribution').Resource).toBe(arn.distribution(OWN.distribution));
    expect(stack.value(template.Outputs.DistributionId.Value)).toBe(OWN.distribution);
  });
});

describe("DistributionId's rules", () => {
  const adopting = { DistributionId: EXISTING_DISTRIBUTION, ApiURL: API_URL };

  it.each([
    [{ DistributionId: EXISTING_DISTRIBUTION }, 'DistributionId needs ApiURL'],
    [{ ...adopting, WebACLArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/a/473e64fd-f30b-4765-81a0-62ad96dd167a' }, 'configure a distribution the stack creates'],
    [{ ...adopting, AccessLogBucket: 'edge-logs' }, 'configure a distribution the stack creates'],
    [{ ...adopting, DomainNames: 'api.example.com', CertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0' }, 'configure a distribution the stack creates'],
  ])('refuse %j', (given, message) => {
    expect(judgeRules(given)).toThrow(message);
  });

  it.each([
    [{ DistributionId: EXISTING_DISTRIBUTION }, '--distribution-id and --api-url: DistributionId needs ApiURL'],
    [{ ...adopting, AccessLogBucket: 'edge-logs' }, '--distribution-id and --web-acl-arn and --domain-names and --hosted-zone-id and --access-log-bucket: WebACLArn'],
  ])('name the flags of the assertion %j fails, not every flag of the rule', (given, start) => {
    expect(judgeRules(given)).toThrow(new RegExp(`^${start.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it.each([
    ['the API stage it fronts', adopting],
    ['a service role', { ...adopting, ServiceRoleArn: 'arn:aws:iam::123456789012:role/cloudfront-api-key-rotation/edge-api-cfn' }],
  ])('accept an existing distribution with %s', (_case, given) => {
    expect(judgeRules(given)).not.toThrow();
  });

  it.each([
    ['E2QWRUHAPOMQZL', true],
    ['', true],
    ['e2qwruhapomqzl', false],
    ['arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL', false],
  ])('take %j as a distribution ID: %s', (value, accepted) => {
    expect(new RegExp(Parameters.DistributionId.AllowedPattern).test(value)).toBe(accepted);
  });
});
