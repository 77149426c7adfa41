// What `deploy` checks before it changes anything, besides that an existing stack is one of this
// template's (checkOwnStack, which the rotation shares): that its template is no newer than the
// one deploy carries, that --api-url is in the stack's Region, that CloudFront is re-pointed at another origin only when the user says so, and, where one
// cheap read can tell, that --api-url names a stage that exists.
import { type APIGatewayClient, GetStageCommand } from '@aws-sdk/client-api-gateway';
import type { Stack } from '@aws-sdk/client-cloudformation';
import { DistributionChangeError, OriginChangeNotConfirmedError, TemplateDowngradeError, UsageError } from './errors';
import { parameterOf } from '../../lambda/rotation';
import { releaseOf } from './release';
import { STAGE_URL, brokenRule } from '../template';

/** A stack of a newer release than the template this CLI carries (its TemplateVersion output): a deploy would take it back. */
export function checkNotNewer(stack: Stack, carried: string): void {
  const release = releaseOf(stack, carried);
  if (release.newer) throw new TemplateDowngradeError(stack.StackName ?? '', release.stack ?? '', carried);
}

/** An ApiURL change moves every request through CloudFront to another origin ('' is the demo API). */
export function checkOriginChange(stack: Stack, given: Record<string, string>, confirmed: boolean): void {
  if (!('ApiURL' in given) || confirmed) return;
  const current = parameterOf(stack, 'ApiURL') ?? '';
  if (given.ApiURL !== current) throw new OriginChangeNotConfirmedError(stack.StackName ?? '', current, given.ApiURL);
}

/**
 * A stack stays on the distribution it was made with: a change of DistributionId would delete the
 * stack's own distribution, or leave the header it set on the existing one (the origin header
 * function may change only the distribution it names: README, "An existing distribution").
 * A stack of a release before DistributionId has its own distribution.
 */
export function checkDistributionChange(stack: Stack, given: Record<string, string>): void {
  if (!('DistributionId' in given)) return;
  const current = parameterOf(stack, 'DistributionId') ?? '';
  if (given.DistributionId !== current) throw new DistributionChangeError(stack.StackName ?? '', current, given.DistributionId);
}

/**
 * A stack's origin is an API in the stack's own Region: the stack's usage plan and key are API
 * Gateway resources of that Region, and a usage plan names stages of its own Region's APIs only
 * (README, "Where the stack can run"). Checked before anything else about --api-url: another
 * --region would be another stack, so the remedy is a separate one.
 */
export function checkApiRegion(apiUrl: string, region: string, stackExists: boolean): void {
  const apiRegion = STAGE_URL.exec(apiUrl)?.[2];
  if (apiRegion === undefined || apiRegion === region) return;
  throw new UsageError(`--api-url is in ${apiRegion}, the stack ${stackExists ? 'is' : 'would be'} in ${region}: a stack's origin must be in the stack's own Region, as its usage plan and key are. Nothing changed; deploy a separate stack in ${apiRegion} with --region ${apiRegion}.`, 'deploy');
}

/** The stage --api-url names, in this Region (checkApiRegion); a read that is denied or fails otherwise proves nothing, so it passes. */
export async function checkApiStage(apigateway: APIGatewayClient, apiUrl: string): Promise<void> {
  if (apiUrl === '') return;
  const [, restApiId, , stageName] = STAGE_URL.exec(apiUrl)!;
  const region = await apigateway.config.region();
  const found = await apigateway.send(new GetStageCommand({ restApiId, stageName })).then(
    () => true,
    (error: Error) => error.name !== 'NotFoundException',
  );
  if (!found) throw new UsageError(`--api-url names stage "${stageName}" of REST API ${restApiId}, which does not exist in ${region}. Check the API ID and the stage name.`, 'deploy');
}

/**
 * The template's Rules, judged before anything changes, as CloudFormation judges them before it
 * creates or updates the stack: an assertion whose rule applies must hold for the values the
 * stack would have. The message is the template's own AssertDescription.
 */
export function checkRules(rules: Record<string, any>, values: Record<string, string>, flags: Record<string, string>): void {
  const broken = brokenRule(rules, values);
  if (!broken) return;
  // The parameters of the condition and of the assertion that failed: a rule may hold others.
  const named = [...JSON.stringify({ RuleCondition: broken.RuleCondition, Assert: broken.Assert }).matchAll(/"Ref":"(\w+)"/g)].map(([, key]) => flags[key] ?? key);
  throw new UsageError(`${[...new Set(named)].join(' and ')}: ${broken.AssertDescription} (the template's rule ${broken.ruleName}). Nothing changed.`, 'deploy');
}

/**
 * Names the template builds from the stack's: a rotation window's schedule group <stack>.rotation,
 * a Slack channel's configuration <stack>_<Region>. Their schemas' maxLength (Scheduler 64, Q
 * Developer in chat 128) bounds the stack name; CloudFormation would refuse a longer one only once
 * the create or update runs, and a failed create leaves a stack that can only be deleted.
 */
export function checkNamesFit(stackName: string, region: string, value: (key: string) => string): void {
  const fits = [
    { on: value('RotationHour') !== '', name: `${stackName}.rotation`, limit: 64, what: 'a rotation window: its EventBridge Scheduler schedule group', flag: '--rotation-hour' },
    { on: value('SlackChannelId') !== '', name: `${stackName}_${region}`, limit: 128, what: 'a Slack channel: its Q Developer chat configuration', flag: '--slack-channel-id' },
  ];
  for (const { name, limit, what, flag } of fits.filter((fit) => fit.on && fit.name.length > fit.limit)) {
    const longest = stackName.length - (name.length - limit);
    throw new UsageError(`--stack-name "${stackName}" is too long for ${what} is named ${name}, ${name.length} characters, and takes at most ${limit}. Nothing changed; choose a stack name of at most ${longest} characters, or deploy without ${flag}.`, 'deploy');
  }
}

/** The companion's StackName rule: its generated names must fit, which a longer stack name would not. */
export function checkServiceRoleStackName(stackName: string, companionTemplate: Record<string, any>): void {
  const { AllowedPattern, ConstraintDescription } = companionTemplate.Parameters.StackName;
  if (!new RegExp(AllowedPattern).test(stackName)) {
    throw new UsageError(`--stack-name "${stackName}" cannot have a service role: it ${ConstraintDescription}. Nothing changed; choose a shorter name.`, 'deploy');
  }
}
