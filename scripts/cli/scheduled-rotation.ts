// Proves the unattended path at deploy time. `rotate` runs with the operator's credentials, so
// without this the rotation function and the role CloudFormation acts with are first used by the
// first scheduled run, a day or more after the deploy. This invokes the function itself with the
// event its schedule sends (EventBridge's rule, or Scheduler's in a rotation window), follows the
// update it starts, and checks the result.
import { DescribeStackResourceCommand, type CloudFormationClient, type Stack } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { randomUUID } from 'node:crypto';
import { type RotationOutcome, parameterOf } from '../../lambda/rotation';
import { clientRequestTokenFor } from '../../lambda/timestamp';
import { ScheduledRotationFailedError } from './errors';
import { paint } from './output';
import { type RotateDependencies, RESULT_TEXT, checkRotated } from './rotate';
import { followToSuccess } from './stack-events';

export interface ScheduledRotationDependencies extends RotateDependencies {
  lambda: LambdaClient;
}

/** An event's `time` as both schedules write it: whole seconds, `2026-11-22T01:57:00Z`. */
const eventTime = (time: Date) => time.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** EventBridge's "Scheduled Event", as the Lambda developer guide shows it; `time` has whole seconds. */
export function scheduledEvent(account: string, region: string, ruleArn: string, time: Date) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account,
    time: eventTime(time),
    region,
    resources: [ruleArn],
    detail: {},
  };
}

/** What the template's RotationWindow schedule sends (its Target's Input): `time` is the scheduled time. */
export function schedulerInput(time: Date) {
  return { time: eventTime(time) };
}

/** A stack with RotationHour set rotates on Scheduler's RotationWindow, not on the RotationSchedule rule. */
const inRotationWindow = (stack: Stack) => Boolean(parameterOf(stack, 'RotationHour'));

export async function runScheduledRotation(stack: Stack, deps: ScheduledRotationDependencies): Promise<void> {
  const { cloudformation, lambda, now, output } = deps;
  const stackName = stack.StackName ?? '';
  const inWindow = inRotationWindow(stack);
  const [functionName, ruleName] = await Promise.all([
    physicalId(cloudformation, stackName, 'RotationFunction'),
    inWindow ? '' : physicalId(cloudformation, stackName, 'RotationSchedule'),
  ]);
  const [, partition, , region, account] = (stack.StackId ?? '').split(':');
  // The next whole second: a Timestamp has whole seconds, so the event is newer than any
  // Timestamp the deploy itself wrote, and it is never in the future when sent.
  const started = now().getTime();
  const since = new Date(Math.floor(started / 1000) * 1000 + 1000);
  await deps.sleep(since.getTime() - started);
  const event = inWindow ? schedulerInput(since) : scheduledEvent(account, region, `arn:${partition}:events:${region}:${account}:rule/${ruleName}`, since);
  output.line(`Testing the unattended path: invoking ${functionName} as its schedule does …`);

  const answer = await lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: JSON.stringify(event) }));
  const payload = new TextDecoder().decode(answer.Payload ?? new Uint8Array());
  if (answer.FunctionError) throw new ScheduledRotationFailedError(stackName, functionName, functionErrorText(payload));
  const outcome = JSON.parse(payload) as RotationOutcome;
  output.line(`Stack ${stackName}: Timestamp ${outcome.previousTimestamp} → ${outcome.timestamp}: ${RESULT_TEXT[outcome.result]}.`);
  if (outcome.result !== 'started' && outcome.result !== 'in-progress') {
    output.line(paint(output, 'yellow', 'The function changed nothing, so the unattended path was not tested this time.'));
    return;
  }
  const result = await followToSuccess({ ...deps, stackName, clientRequestToken: clientRequestTokenFor(outcome.timestamp), since });
  const { keyId } = await checkRotated(stackName, outcome.timestamp, result.failures, deps);
  output.line(paint(output, 'green', `Checked: the rotation function, invoked as its schedule invokes it, rotated the key of stack ${stackName}: the active key ${keyId} is its rotation's and the only key in the usage plan.`));
}

async function physicalId(cloudformation: CloudFormationClient, stackName: string, logicalId: string): Promise<string> {
  const { StackResourceDetail } = await cloudformation.send(new DescribeStackResourceCommand({ StackName: stackName, LogicalResourceId: logicalId }));
  return StackResourceDetail?.PhysicalResourceId ?? '';
}

/** Lambda's payload for a function error is `{"errorType", "errorMessage"}`; anything else is shown whole. */
function functionErrorText(payload: string): string {
  try {
    const { errorType, errorMessage } = JSON.parse(payload);
    if (typeof errorMessage === 'string') return `${errorType ?? 'Error'}: ${errorMessage.replace(/\.?$/, '.')}`;
  } catch {
    // Not JSON: shown as it came.
  }
  return payload.replace(/\.?$/, '.');
}
