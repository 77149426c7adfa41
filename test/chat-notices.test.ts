// Notices in a Slack channel (SlackWorkspaceId, SlackChannelId), as the template resolves them:
// what the channel receives, what its members could do from it, and which combinations the Rules refuse.
import { parseTemplate, readTemplate } from '../scripts/template';
import { BOUNDARY, OWN_TOPIC, deployedMain } from './iam-simulator.fixtures';
import { loadResourceSchema } from './support/resource-schemas';
import { judgeRules } from './template-rules.fixtures';

const template = parseTemplate(readTemplate());
const { Parameters } = template;
const SLACK_SCHEMA = loadResourceSchema('AWS::Chatbot::SlackChannelConfiguration');
const deployed = (slackChannel: boolean) => deployedMain({ serviceRole: false, allOptions: false, slackChannel });

describe('with a Slack channel', () => {
  const stack = deployed(true);

  it("delivers the stack's topic, notices and alarms alike, to that channel, under a name no other stack's gives, in any Region", () => {
    expect(stack.properties('SlackChannel')).toMatchObject({
      SlackWorkspaceId: 'T01ABCDEFGH',
      SlackChannelId: 'C01ABCDEFGH',
      SnsTopicArns: [OWN_TOPIC],
      ConfigurationName: 'edge_us-east-1',
    });
  });

  it('lets nobody act on AWS from the channel: a role that grants nothing, and AWSDenyAll as the guardrail', () => {
    const role = stack.properties('ChatChannelRole')!;

    expect(role.Policies).toBeUndefined();
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'chatbot.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
    expect(stack.properties('SlackChannel')!.GuardrailPolicies).toEqual(['arn:aws:iam::aws:policy/AWSDenyAll']);
  });

  it('sets the guardrail on purpose: left out, AWS applies AdministratorAccess', () => {
    expect(SLACK_SCHEMA.properties!.GuardrailPolicies.description).toContain("'AdministratorAccess' policy is applied as a default");
  });
});

describe('with a Slack channel and a service role', () => {
  it("bounds the channel role by the companion's boundary, as every role of the stack", () => {
    const stack = deployedMain({ serviceRole: true, allOptions: false, slackChannel: true });

    expect(stack.properties('ChatChannelRole')!.PermissionsBoundary).toBe(BOUNDARY);
  });
});

describe('without a Slack channel', () => {
  it('has neither the channel nor its role', () => {
    const stack = deployed(false);

    expect([stack.properties('SlackChannel'), stack.properties('ChatChannelRole')]).toEqual([undefined, undefined]);
  });
});

describe("the Slack parameters' rules", () => {
  const channel = { SlackWorkspaceId: 'T01ABCDEFGH', SlackChannelId: 'C01ABCDEFGH' };

  it.each([
    [{ SlackWorkspaceId: 'T01ABCDEFGH' }, '--slack-workspace-id and --slack-channel-id: SlackWorkspaceId and SlackChannelId go together'],
    [{ SlackChannelId: 'C01ABCDEFGH' }, '--slack-workspace-id and --slack-channel-id: SlackWorkspaceId and SlackChannelId go together'],
  ])('refuse %j', (given, message) => {
    expect(judgeRules(given)).toThrow(message);
  });

  it.each([
    ['alone', channel],
    ['with a service role', { ...channel, ServiceRoleArn: 'arn:aws:iam::123456789012:role/cloudfront-api-key-rotation/edge-api-cfn' }],
  ])('accept a workspace with its channel, %s', (_case, given) => {
    expect(judgeRules(given)).not.toThrow();
  });

  it.each([
    ['SlackWorkspaceId', 'T01ABCDEFGH', true],
    ['SlackWorkspaceId', 't01abcdefgh', false],
    ['SlackChannelId', 'C01ABCDEFGH', true],
    ['SlackChannelId', '#rotations', false],
    ['SlackChannelId', '', true],
  ])('take %s %j: %s', (parameter, value, accepted) => {
    expect(new RegExp(Parameters[parameter].AllowedPattern).test(value)).toBe(accepted);
  });

  it.each(['SlackWorkspaceId', 'SlackChannelId'])("accept for %s only what AWS's schema accepts", (parameter) => {
    const { pattern, maxLength } = SLACK_SCHEMA.properties![parameter];

    expect([Parameters[parameter].AllowedPattern, Parameters[parameter].MaxLength]).toEqual([`^$|${pattern}`, maxLength]);
  });
});
