// The policies of both templates, resolved as they deploy, judged by an IAM policy simulator
// (@cloud-copilot/iam-simulate, which evaluates identity policies, permissions boundaries and
// conditions, and checks each action, ARN and context key against AWS's IAM data): everything
// the stack needs on its own resources is Allowed; nothing of a neighbour is.
import { isWildcardOnlyAction, runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import { loadResourceSchema } from './support/resource-schemas';
import { LEFT_OUT } from './service-role.fixtures';
import {
  ACCOUNT, CREATED_ONCE, EXISTING_DISTRIBUTION, FUNCTION_CALLS, FUNCTION_OF_ROLE, KEY_GATE, NEIGHBOURS, OWN, OWN_FUNCTIONS, OWN_TARGETS, RETIRING_ROLES, SERVICE_ROLE, STACK_ID,
  ORIGIN_HEADER_CALLS, ORIGIN_HEADER_FUNCTION, ORIGIN_HEADER_TARGETS, ROTATION_WINDOW_TARGETS, SLACK_CHANNEL_TARGETS, SLACK_NEIGHBOURS, UNTAGGED_AT_CREATE, WINDOW_NEIGHBOURS, WITH_OPTIONS_ONLY,
  type CompanionOptions, type Policy, type Target, arn, companionPolicies, functionRolePolicy, originHeaderPolicy, retiringRoleArn,
} from './iam-simulator.fixtures';

type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

class NotApplicableError extends Error {
  override name = 'NotApplicableError';
}

/** The simulator's decision for one request; NotApplicableError when the ARN is not of a type the action takes. */
async function decide(identity: Policy, boundary: Policy | undefined, action: string, target: Target, resourcePolicy?: Policy): Promise<Decision> {
  const simulation = {
    resourcePolicy,
    identityPolicies: [{ name: 'identity', policy: identity }],
    permissionBoundaryPolicies: boundary ? [{ name: 'boundary', policy: boundary }] : undefined,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: {
      action,
      principal: SERVICE_ROLE,
      resource: { accountId: ACCOUNT, resource: target.arn },
      contextVariables: target.context ?? {},
    },
  };
  if (target.unchecked) return runUnsafeSimulation(simulation, {});
  const response = await runSimulation(simulation, {});
  if (response.resultType === 'error') {
    const message = JSON.stringify(response.errors);
    if (/resource.types|no.resource|wildcard/i.test(message)) throw new NotApplicableError(`${action} does not take ${target.arn}: ${message}`);
    throw new Error(`The simulator refused ${action} on ${target.arn}: ${message}`);
  }
  return response.overallResult as Decision;
}

/** Decisions on every target the action takes (wildcard-only actions: "*"). */
async function decideAll(identity: Policy, boundary: Policy | undefined, action: string, targets: Target[]): Promise<Array<[string, Decision]>> {
  const decided: Array<[string, Decision]> = [];
  const [service, name] = action.split(':');
  const applicable = targets.filter((target) => !target.actions || target.actions.includes(action));
  for (const target of (await isWildcardOnlyAction(service, name)) ? [{ arn: '*' }] : applicable) {
    try {
      decided.push([target.arn, await decide(identity, boundary, action, target)]);
    } catch (error) {
      if (!(error instanceof NotApplicableError)) throw error;
    }
  }
  return decided;
}

/** Every target of the action's service that the action takes, and there is at least one, is Allowed. */
async function expectAllowedOn(policy: Policy, action: string, targets: Target[]): Promise<void> {
  const service = action.split(':')[0];
  const decided = await decideAll(policy, undefined, action, targets.filter((t) => t.arn.startsWith(`arn:aws:${service}:`)));

  expect(decided.length).toBeGreaterThan(0);
  expect(decided.filter(([, decision]) => decision !== 'Allowed')).toEqual([]);
}

const handlerPermissions = (type: string, handlers = ['create', 'read', 'update', 'delete']) => {
  const schema = loadResourceSchema(type).handlers ?? {};
  return [...new Set(handlers.flatMap((h) => schema[h]?.permissions ?? []))].filter((action) => !(action in LEFT_OUT));
};
const untagged = (target: Target): Target => ({ ...target, context: Object.fromEntries(Object.entries(target.context ?? {}).filter(([key]) => !key.startsWith('aws:ResourceTag/'))) });
/** The handlers a deployment in this phase calls for a resource type. */
const handlersFor = (type: string, options: CompanionOptions) =>
  options.idsKnown && CREATED_ONCE.includes(type) ? ['read', 'update', 'delete'] : ['create', 'read', 'update', 'delete'];
const typesFor = (options: { allOptions: boolean }) => Object.keys(OWN_TARGETS).filter((type) => options.allOptions || !WITH_OPTIONS_ONLY.includes(type));
const COMPANION_VARIANTS: Array<[string, CompanionOptions]> = [
  ['while the stack is created, no options', { idsKnown: false, allOptions: false }],
  ['while the stack is created, every option', { idsKnown: false, allOptions: true }],
  ['once the stack exists, no options', { idsKnown: true, allOptions: false }],
  ['once the stack exists, every option', { idsKnown: true, allOptions: true }],
  ['during the upgrade that moves its roles', { idsKnown: true, allOptions: true, retiring: RETIRING_ROLES }],
];
const KMS_KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/0f1e2d3c-0000-4000-8000-000000000001`;
/** The key policy AWS gives its managed keys aws/<service>: any principal of the account, through that service. */
const awsManagedKeyPolicy = (service: string): Policy => ({
  Version: '2012-10-17',
  Statement: [{
    Effect: 'Allow', Principal: { AWS: '*' }, Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'], Resource: '*',
    Condition: { StringEquals: { 'kms:CallerAccount': ACCOUNT, 'kms:ViaService': `${service}.us-east-1.amazonaws.com` } },
  }],
});
/** A template sent with UpdateStack may give a bounded role any policy: only the boundary limits it. */
const ANYTHING: Policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const fromOwnFunction = (target: Target): Target => ({ ...target, context: { ...target.context, 'lambda:SourceFunctionArn': OWN_FUNCTIONS[0] } });

describe.each(COMPANION_VARIANTS)('the service role, %s', (_variant, options) => {
  const { serviceRole } = companionPolicies(options);

  describe.each(typesFor(options))('on the stack’s own %s', (type) => {
    const targets = OWN_TARGETS[type].filter((target) => !target.atCreateOnly || !options.idsKnown);

    it.each(handlerPermissions(type, handlersFor(type, options)))('allows %s, as the resource handler needs', async (action) => {
      await expectAllowedOn(serviceRole, action, targets);
    });
  });

  it('invokes the key gate, as CloudFormation does for the custom resource', async () => {
    expect(await decide(serviceRole, undefined, 'lambda:InvokeFunction', KEY_GATE)).toBe('Allowed');
  });

  it.each(UNTAGGED_AT_CREATE)('allows %s on a resource that has no tags yet', async (action) => {
    await expectAllowedOn(serviceRole, action, Object.values(OWN_TARGETS).flat().map(untagged));
  });

  describe.each(NEIGHBOURS)('on $what', ({ actions, target }) => {
    it.each(actions)('denies %s', async (action) => {
      expect(await decide(serviceRole, undefined, action, target)).not.toBe('Allowed');
    });
  });
});

describe('the service role, once the stack exists', () => {
  const { serviceRole } = companionPolicies({ idsKnown: true, allOptions: false });

  it('creates no usage plan: IAM cannot limit the stages a new one would name', async () => {
    expect(await decide(serviceRole, undefined, 'apigateway:POST', { arn: 'arn:aws:apigateway:us-east-1::/usageplans' })).not.toBe('Allowed');
  });

  it.each(['cloudfront:GetDistribution', 'cloudfront:UpdateDistribution', 'cloudfront:TagResource'])(
    'reaches its distribution by ID, without relying on tags (%s: a stack from before the stack-ID tag)',
    async (action) => {
      expect(await decide(serviceRole, undefined, action, { arn: `arn:aws:cloudfront::${ACCOUNT}:distribution/${OWN.distribution}` })).toBe('Allowed');
    },
  );
});

describe.each([
  ['wafv2:GetWebACL', { arn: 'arn:aws:wafv2:us-east-1:111122223333:global/webacl/edge/473e64fd-f30b-4765-81a0-62ad96dd167a' }],
  ['s3:PutBucketAcl', { arn: 'arn:aws:s3:::edge-access-logs' }],
  ['route53:ChangeResourceRecordSets', OWN_TARGETS['AWS::Route53::RecordSet'][0]],
])('the service role and an option: %s', (action, target) => {
  it('is allowed on what the stack names with every option', async () => {
    expect(await decide(companionPolicies({ idsKnown: true, allOptions: true }).serviceRole, undefined, action, target)).toBe('Allowed');
  });

  it('is denied when the stack names nothing', async () => {
    expect(await decide(companionPolicies({ idsKnown: true, allOptions: false }).serviceRole, undefined, action, target)).not.toBe('Allowed');
  });
});

describe('the service role during the upgrade that moves the stack’s roles', () => {
  const { serviceRole } = companionPolicies({ idsKnown: true, allOptions: false, retiring: RETIRING_ROLES });
  const { serviceRole: afterwards } = companionPolicies({ idsKnown: true, allOptions: false });

  it.each(RETIRING_ROLES.flatMap((name) => ['iam:PassRole', 'iam:DeleteRolePolicy', 'iam:DeleteRole'].map((action) => [action, name])))(
    'allows %s on the old role %s, and no longer once deploy has cleared the list',
    async (action, name) => {
      const target = { arn: retiringRoleArn(name), context: { 'iam:PassedToService': 'lambda.amazonaws.com' } };

      expect(await decide(serviceRole, undefined, action, target)).toBe('Allowed');
      expect(await decide(afterwards, undefined, action, target)).not.toBe('Allowed');
    },
  );
});

describe("the rotation window's scheduler role", () => {
  const policy = functionRolePolicy('RotationSchedulerRole', { serviceRole: false, allOptions: false, rotationWindow: true });

  it("allows invoking this stack's rotation function", async () => {
    expect(await decide(policy, undefined, 'lambda:InvokeFunction', { arn: arn.lambda(OWN.functions.RotationFunction) })).toBe('Allowed');
  });

  it.each([
    ["this stack's verifier", arn.lambda(OWN.functions.VerifierFunction)],
    ['the rotation function of stack edge-api (a name that extends this one)', arn.lambda('edge-api-RotationFunction-Zz9Yy8Xx7Ww6')],
    ['the rotation function of a stack of the same name in another Region', arn.lambda(OWN.functions.RotationFunction, 'eu-west-1')],
  ])('denies invoking %s', async (_what, target) => {
    expect(await decide(policy, undefined, 'lambda:InvokeFunction', { arn: target })).not.toBe('Allowed');
  });

  it.each(['lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration', 'lambda:AddPermission'])("denies %s on this stack's rotation function", async (action) => {
    expect(await decide(policy, undefined, action, { arn: arn.lambda(OWN.functions.RotationFunction) })).not.toBe('Allowed');
  });
});

describe("an existing distribution's origin header function (DistributionId)", () => {
  const policy = originHeaderPolicy();

  it.each(ORIGIN_HEADER_CALLS)('allows what the function calls: %s', async (action, target) => {
    expect(await decide(policy, undefined, action, target)).toBe('Allowed');
  });

  describe.each(NEIGHBOURS)('on $what', ({ actions, target }) => {
    it.each(actions)('denies %s', async (action) => {
      expect(await decide(policy, undefined, action, target)).not.toBe('Allowed');
    });
  });

  it.each([
    ['cloudfront:DeleteDistribution', arn.distribution(EXISTING_DISTRIBUTION)],
    ['cloudfront:CreateInvalidation', arn.distribution(EXISTING_DISTRIBUTION)],
    ['lambda:InvokeFunction', arn.lambda(OWN.functions.RotationFunction)],
    ['lambda:UpdateFunctionCode', ORIGIN_HEADER_FUNCTION],
  ])('denies %s on %s', async (action, target) => {
    expect(await decide(policy, undefined, action, { arn: target })).not.toBe('Allowed');
  });

  it('leaves the rotation role no CloudFront action on the distribution, only the invocation of the header function', async () => {
    const rotation = functionRolePolicy('RotationRole', { serviceRole: false, allOptions: false, existingDistribution: true });

    expect(await decide(rotation, undefined, 'cloudfront:UpdateDistribution', { arn: arn.distribution(EXISTING_DISTRIBUTION) })).not.toBe('Allowed');
    expect(await decide(rotation, undefined, 'lambda:InvokeFunction', { arn: ORIGIN_HEADER_FUNCTION })).toBe('Allowed');
  });
});

describe('a rotation window with a service role', () => {
  const { serviceRole, boundary } = companionPolicies({ idsKnown: true, allOptions: false });
  const scheduler = functionRolePolicy('RotationSchedulerRole', { serviceRole: true, allOptions: false, rotationWindow: true });

  describe.each(Object.keys(ROTATION_WINDOW_TARGETS))('the service role, on the window’s %s', (type) => {
    it.each(handlerPermissions(type))('allows %s, as the resource handler needs', async (action) => {
      await expectAllowedOn(serviceRole, action, ROTATION_WINDOW_TARGETS[type]);
    });
  });

  describe.each(WINDOW_NEIGHBOURS)('on $what', ({ actions, target }) => {
    it.each(actions)('denies the service role %s', async (action) => {
      expect(await decide(serviceRole, undefined, action, target)).not.toBe('Allowed');
    });
  });

  it("lets Scheduler invoke this stack's rotation function with the bounded role, from outside any function", async () => {
    expect(await decide(scheduler, boundary, 'lambda:InvokeFunction', { arn: arn.lambda(OWN.functions.RotationFunction), context: OWN_TARGETS['AWS::Lambda::Function'][0].context })).toBe('Allowed');
  });

  it.each([
    ['the rotation function of stack edge-api', arn.lambda('edge-api-RotationFunction-Zz9Yy8Xx7Ww6')],
    ["this stack's verifier", arn.lambda(OWN.functions.VerifierFunction)],
  ])('denies a bounded role, from outside any function, invoking %s, whatever a template grants it', async (_what, target) => {
    expect(await decide(ANYTHING, boundary, 'lambda:InvokeFunction', { arn: target })).not.toBe('Allowed');
  });

  it.each(['lambda:UpdateFunctionCode', 'secretsmanager:GetSecretValue'])('still denies a bounded role %s from outside any function', async (action) => {
    const target = action.startsWith('lambda') ? { arn: arn.lambda(OWN.functions.RotationFunction) } : OWN_TARGETS['AWS::SecretsManager::Secret'][0];

    expect(await decide(ANYTHING, boundary, action, target)).not.toBe('Allowed');
  });
});

describe('a Slack channel with a service role', () => {
  const { serviceRole } = companionPolicies({ idsKnown: true, allOptions: false });

  it.each(handlerPermissions('AWS::Chatbot::SlackChannelConfiguration'))("allows %s on the stack's own configuration, as the resource handler needs", async (action) => {
    await expectAllowedOn(serviceRole, action, SLACK_CHANNEL_TARGETS);
  });

  describe.each([...SLACK_NEIGHBOURS, ...NEIGHBOURS.filter(({ what }) => what.startsWith('a hand-made role') || what.includes('passed to another service'))])('on $what', ({ actions, target }) => {
    it.each(actions)('denies %s', async (action) => {
      expect(await decide(serviceRole, undefined, action, target)).not.toBe('Allowed');
    });
  });
});

describe('an existing distribution with a service role', () => {
  const { serviceRole, boundary } = companionPolicies({ idsKnown: true, allOptions: false, adopted: true });
  const adopted = { arn: arn.distribution(EXISTING_DISTRIBUTION) };
  // The IAM::Policy handler also puts user and group policies; the template's is a role's.
  const ROLE_POLICY_ACTIONS = ['iam:PutRolePolicy', 'iam:GetRolePolicy', 'iam:DeleteRolePolicy'];

  describe.each(Object.keys(ORIGIN_HEADER_TARGETS))('the service role, on the origin header’s %s', (type) => {
    const actions = type === 'AWS::IAM::Policy' ? ROLE_POLICY_ACTIONS : handlerPermissions(type);

    it.each(actions)('allows %s, as the resource handler needs', async (action) => {
      await expectAllowedOn(serviceRole, action, ORIGIN_HEADER_TARGETS[type]);
    });
  });

  it('lets the service role invoke the origin header function, as CloudFormation does for the custom resource', async () => {
    expect(await decide(serviceRole, undefined, 'lambda:InvokeFunction', ORIGIN_HEADER_TARGETS['AWS::Lambda::Function'][0])).toBe('Allowed');
  });

  it.each(['cloudfront:GetDistributionConfig', 'cloudfront:UpdateDistribution', 'cloudfront:DeleteDistribution', 'cloudfront:TagResource'])(
    "denies the service role %s on the team's distribution: only the function sets its header",
    async (action) => {
      expect(await decide(serviceRole, undefined, action, adopted)).not.toBe('Allowed');
    },
  );

  it.each(ORIGIN_HEADER_CALLS)('lets the bounded function role do what the function calls: %s', async (action, target) => {
    const fromFunction = { ...target, context: { ...target.context, 'lambda:SourceFunctionArn': ORIGIN_HEADER_FUNCTION } };

    expect(await decide(originHeaderPolicy(true), boundary, action, fromFunction)).toBe('Allowed');
  });

  it("lets the bounded verifier read the team's distribution, to compare its header", async () => {
    const verifier = functionRolePolicy('VerifierRole', { serviceRole: true, allOptions: false, existingDistribution: true });
    const fromVerifier = { ...adopted, context: { 'lambda:SourceFunctionArn': FUNCTION_OF_ROLE.VerifierRole } };

    expect(await decide(verifier, boundary, 'cloudfront:GetDistributionConfig', fromVerifier)).toBe('Allowed');
  });

  it.each([
    ['cloudfront:DeleteDistribution', adopted.arn],
    ['cloudfront:TagResource', adopted.arn],
    ['cloudfront:UpdateDistribution', arn.distribution(OWN.distribution)],
  ])('denies a bounded role %s on %s, whatever a template grants it', async (action, target) => {
    const fromFunction = { arn: target, context: { 'lambda:SourceFunctionArn': ORIGIN_HEADER_FUNCTION } };

    expect(await decide(ANYTHING, boundary, action, fromFunction)).not.toBe('Allowed');
  });

  it("denies a bounded role the team's distribution outside the stack's functions", async () => {
    expect(await decide(ANYTHING, boundary, 'cloudfront:UpdateDistribution', adopted)).not.toBe('Allowed');
  });

  describe.each(NEIGHBOURS)('on $what', ({ actions, target }) => {
    it.each(actions)('denies the service role %s', async (action) => {
      expect(await decide(serviceRole, undefined, action, target)).not.toBe('Allowed');
    });

    it.each(actions)('denies a bounded role %s, whatever a template grants it', async (action) => {
      expect(await decide(ANYTHING, boundary, action, fromOwnFunction(target))).not.toBe('Allowed');
    });
  });
});

describe.each(COMPANION_VARIANTS)('the functions’ permissions boundary, %s', (_variant, options) => {
  const { boundary } = companionPolicies(options);

  describe.each(Object.keys(FUNCTION_CALLS) as Array<keyof typeof FUNCTION_CALLS>)('for %s', (role) => {
    const policy = functionRolePolicy(role, { serviceRole: true, allOptions: options.allOptions });

    it.each(FUNCTION_CALLS[role])('allows what the function calls: %s', async (action, target) => {
      const fromFunction = { ...target, context: { ...target.context, 'lambda:SourceFunctionArn': FUNCTION_OF_ROLE[role] } };

      expect(await decide(policy, boundary, action, fromFunction)).toBe('Allowed');
    });
  });

  describe.each(NEIGHBOURS)('on $what, whatever a template grants the role', ({ actions, target }) => {
    it.each(actions)('denies %s', async (action) => {
      expect(await decide(ANYTHING, boundary, action, fromOwnFunction(target))).not.toBe('Allowed');
    });
  });

  it('denies a bounded role outside its functions, whatever its trust policy lets assume it', async () => {
    const secret = OWN_TARGETS['AWS::SecretsManager::Secret'][0];

    expect(await decide(ANYTHING, boundary, 'secretsmanager:GetSecretValue', fromOwnFunction(secret))).toBe('Allowed');
    expect(await decide(ANYTHING, boundary, 'secretsmanager:GetSecretValue', secret)).not.toBe('Allowed');
  });

  it.each(['lambda', 'secretsmanager'])('lets %s decrypt with its AWS managed key on the role’s behalf, from outside the function', async (service) => {
    const viaService = { 'kms:ViaService': `${service}.us-east-1.amazonaws.com`, 'kms:CallerAccount': ACCOUNT };

    expect(await decide(ANYTHING, boundary, 'kms:Decrypt', { arn: KMS_KEY, context: viaService }, awsManagedKeyPolicy(service))).toBe('Allowed');
  });

  it.each([
    ['directly', { 'kms:CallerAccount': ACCOUNT }],
    ['through another service', { 'kms:ViaService': 's3.us-east-1.amazonaws.com', 'kms:CallerAccount': ACCOUNT }],
  ])('denies KMS decryption %s, even with a key policy open to the account', async (_how, context) => {
    const openKey: Policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] };

    expect(await decide(ANYTHING, boundary, 'kms:Decrypt', fromOwnFunction({ arn: KMS_KEY, context }), openKey)).not.toBe('Allowed');
  });

  it('lets Lambda deliver a failed invocation to the topic, from outside the function', async () => {
    expect(await decide(ANYTHING, boundary, 'sns:Publish', OWN_TARGETS['AWS::SNS::Topic'][0])).toBe('Allowed');
  });
});

describe.each([
  ['no options', false],
  ['every option', true],
])('the rotation role without a service role, %s', (_variant, allOptions) => {
  const policy = functionRolePolicy('RotationRole', { serviceRole: false, allOptions });
  // What a rotation's update does: a new secret, key and usage-plan key, the gate, the
  // distribution's header, then the old ones deleted (or, on a rollback, the new ones).
  const ROTATED: Array<[string, string[]]> = [
    ['AWS::SecretsManager::Secret', ['create', 'delete']],
    ['AWS::ApiGateway::ApiKey', ['create', 'delete']],
    ['AWS::ApiGateway::UsagePlanKey', ['create', 'delete']],
    ['AWS::CloudFront::Distribution', ['update']],
  ];

  describe.each(ROTATED)('on the stack’s own %s', (type, handlers) => {
    const targets = OWN_TARGETS[type];

    it.each(handlerPermissions(type, handlers))('allows %s, as the resource handler needs', async (action) => {
      await expectAllowedOn(policy, action, targets);
    });
  });

  it('invokes the key gate, as CloudFormation does with its credentials', async () => {
    expect(await decide(policy, undefined, 'lambda:InvokeFunction', KEY_GATE)).toBe('Allowed');
  });

  describe.each(NEIGHBOURS)('on $what', ({ actions, target }) => {
    it.each(actions)('denies %s', async (action) => {
      expect(await decide(policy, undefined, action, fromOwnFunction(target))).not.toBe('Allowed');
    });
  });
});

// A statement whose action takes none of its resources authorizes nothing: a grant that only
// looks like least privilege.
const WILDCARD_SAMPLES = ['x1', 'x1/keys', 'x1/resources', 'log-stream:x1'];
describe.each([
  ['the service role', companionPolicies({ idsKnown: true, allOptions: true, retiring: RETIRING_ROLES }).serviceRole],
  ['the boundary', companionPolicies({ idsKnown: true, allOptions: true }).boundary],
  ...(['RotationRole', 'VerifierRole', 'KeyGateRole'] as const).map((role) => [`the ${role} without a service role`, functionRolePolicy(role, { serviceRole: false, allOptions: true })] as [string, Policy]),
])('%s', (_name, policy) => {
  const grants = policy.Statement.filter((s) => s.Effect === 'Allow' && s.Resource !== '*').flatMap((s) =>
    [s.Action].flat().map((action: string) => [`${s.Sid}: ${action}`, action, [s.Resource].flat()] as [string, string, string[]]),
  );

  it.each(grants)('grants %s on a resource it takes', async (_grant, action, resources) => {
    // A pattern stands for the resources it matches: a few concrete paths for each wildcard.
    const samples = resources.flatMap((arn) => WILDCARD_SAMPLES.map((sample) => ({ arn: arn.replace(/\*/g, sample) })));

    expect(await decideAll(ANYTHING, undefined, action, samples)).not.toEqual([]);
  });
});

// `cdk deploy` makes the CDK's bootstrap execution role (AdministratorAccess unless bootstrapped
// otherwise) the role of every stack it deploys, and an UpdateStack without RoleARN runs as the
// stack's last role. The rotation role may update its stack only as the stack's service role.
describe("the rotation role of a stack that `cdk deploy` last updated", () => {
  const BOOTSTRAP_ROLE = `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-us-east-1`;
  const { boundary } = companionPolicies({ idsKnown: false, allOptions: false });
  const policy = functionRolePolicy('RotationRole', { serviceRole: true, allOptions: false });
  const fromRotation = (target: Target): Target => ({ ...target, context: { ...target.context, 'lambda:SourceFunctionArn': FUNCTION_OF_ROLE.RotationRole } });
  const ownStack = (context: Record<string, string>) => fromRotation({ arn: STACK_ID, context });
  const LOOK_ALIKE_ROLE = `arn:aws:iam::${ACCOUNT}:role/cloudfront-api-key-rotation/edge2-cfn`;

  it('may update its stack as the service role', async () => {
    expect(await decide(policy, boundary, 'cloudformation:UpdateStack', ownStack({ 'cloudformation:RoleArn': SERVICE_ROLE }))).toBe('Allowed');
  });

  it.each([
    ['without a RoleARN, which would run as the bootstrap role the stack last had', {}],
    ['as the bootstrap role', { 'cloudformation:RoleArn': BOOTSTRAP_ROLE }],
    ["as a look-alike stack's service role", { 'cloudformation:RoleArn': LOOK_ALIKE_ROLE }],
  ])('may not update its stack %s', async (_case, context) => {
    expect(await decide(policy, boundary, 'cloudformation:UpdateStack', ownStack(context))).not.toBe('Allowed');
  });

  it.each([
    ['of the same name in another Region', STACK_ID.replace(':us-east-1:', ':eu-west-1:')],
    ['whose name extends this one', STACK_ID.replace(':stack/edge/', ':stack/edge2/')],
  ])('may not update a stack %s, even as the service role', async (_case, stackId) => {
    expect(stackId).not.toBe(STACK_ID);
    expect(await decide(policy, boundary, 'cloudformation:UpdateStack', fromRotation({ arn: stackId, context: { 'cloudformation:RoleArn': SERVICE_ROLE } }))).not.toBe('Allowed');
  });

  it.each([
    ['the bootstrap role, to CloudFormation', BOOTSTRAP_ROLE, 'cloudformation.amazonaws.com'],
    ["a look-alike stack's service role, to CloudFormation", LOOK_ALIKE_ROLE, 'cloudformation.amazonaws.com'],
    ['the service role, to another service', SERVICE_ROLE, 'lambda.amazonaws.com'],
  ])('may not pass %s', async (_case, role, service) => {
    expect(await decide(policy, boundary, 'iam:PassRole', fromRotation({ arn: role, context: { 'iam:PassedToService': service } }))).not.toBe('Allowed');
  });

  it.each([
    ['the bootstrap role', BOOTSTRAP_ROLE],
    ["a look-alike stack's service role", LOOK_ALIKE_ROLE],
  ])('may not pass %s whatever a template grants it', async (_case, role) => {
    expect(await decide(ANYTHING, boundary, 'iam:PassRole', fromRotation({ arn: role, context: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } }))).not.toBe('Allowed');
  });
});
