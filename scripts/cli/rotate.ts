// `rotate`: the Lambda's rotation, through the same module, started by hand. With --dry-run it
// only shows what the rotation would change, through a change set it then deletes.
import { type APIGatewayClient, GetApiKeyCommand, GetUsagePlanKeysCommand } from '@aws-sdk/client-api-gateway';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DescribeChangeSetCommand,
  type Change,
} from '@aws-sdk/client-cloudformation';
import { StackBusyError } from '../../lambda/errors';
import {
  type RotationOutcome,
  checkNotFailed,
  describeRotatableStack,
  describeStack,
  rotateApiKey,
  rotationParameters,
  translateError,
} from '../../lambda/rotation';
import { clientRequestTokenFor, timestampFrom } from '../../lambda/timestamp';
import { ChangeSetFailedError, ChangeSetNotDeletedError, RotationLeftoversError } from './errors';
import { refuseUncreatedStack } from './refusals';
import { alignColumns } from './fleet/table';
import { type Output, paint } from './output';
import { followToSuccess } from './stack-events';
import { printOutputs } from './stack-outputs';
import { ClientsRefusedError, type EdgeGet, isRefused, viewAsClient } from './through-cloudfront';

export interface RotateDependencies {
  cloudformation: CloudFormationClient;
  apigateway: APIGatewayClient;
  /** Requests through CloudFront; undefined where CloudFront cannot be reached (an emulator's endpoint). */
  edge?: EdgeGet;
  now: () => Date;
  sleep: (milliseconds: number) => Promise<void>;
  output: Output;
}

export const RESULT_TEXT: Record<RotationOutcome['result'], string> = {
  started: 'rotation started',
  unchanged: 'the stack already has this Timestamp; nothing to do',
  'in-progress': 'this rotation was already started',
  superseded: 'a newer rotation has already run; nothing to do',
};

export async function rotate(stackName: string, wait: boolean, deps: RotateDependencies): Promise<RotationOutcome> {
  const { cloudformation, now, output } = deps;
  const since = now();
  const timestamp = timestampFrom(since);
  const clientRequestToken = clientRequestTokenFor(timestamp);
  await refuseUncreatedStack(cloudformation, stackName);
  const outcome = await rotateApiKey(cloudformation, { stackName, timestamp, clientRequestToken, now: timestamp });
  output.line(`Stack ${stackName}: Timestamp ${outcome.previousTimestamp} → ${outcome.timestamp}: ${RESULT_TEXT[outcome.result]}.`);
  if (!wait || outcome.result === 'unchanged' || outcome.result === 'superseded') return outcome;

  const result = await followToSuccess({ ...deps, stackName, clientRequestToken, since });
  const { keyId, stack } = await checkRotated(stackName, outcome.timestamp, result.failures, deps);
  const clients = deps.edge ? await viewAsClient(stack, deps.edge) : undefined;
  if (clients && isRefused(clients)) throw new ClientsRefusedError(stackName, clients);
  const seen = clients ? ` GET ${clients.url} through CloudFront answers ${clients.status}.` : ' (Not requested through CloudFront: it is out of reach of this endpoint.)';
  output.line(paint(output, 'green', `Stack ${stackName}: ${result.status}. Checked: the active key ${keyId} is this rotation's and the only key in the usage plan; no cleanup failed.${seen}`));
  await printOutputs(cloudformation, stackName, output);
  return outcome;
}

/**
 * An update can end in UPDATE_COMPLETE with its cleanup failed (the old key left in the usage
 * plan), so success is claimed only from what was read back: the stack's active key is the one
 * named after the new Timestamp, no event of the update failed, and the usage plan holds that
 * key alone. Returns the active key's ID, and the stack as it was read.
 */
export async function checkRotated(stackName: string, timestamp: string, failures: string[], { cloudformation, apigateway }: Pick<RotateDependencies, 'cloudformation' | 'apigateway'>) {
  const stack = await describeStack(cloudformation, stackName);
  const outputs = Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue ?? '']));
  const [key, plan] = await Promise.all([
    apigateway.send(new GetApiKeyCommand({ apiKey: outputs.ApiKeyId })),
    apigateway.send(new GetUsagePlanKeysCommand({ usagePlanId: outputs.UsagePlanId, limit: 500 })),
  ]);
  const planKeys = (plan.items ?? []).map((k) => `${k.name} (${k.id})`);
  const leftovers = [
    ...(key.name === `CloudFront-${timestamp}` ? [] : [`the active key is ${key.name} (${outputs.ApiKeyId}), not this rotation's CloudFront-${timestamp}`]),
    ...failures,
    ...(planKeys.length === 1 && plan.items![0].id === outputs.ApiKeyId ? [] : [`the usage plan holds ${planKeys.join(', ') || 'no key'}`]),
  ];
  if (leftovers.length > 0) throw new RotationLeftoversError(stackName, leftovers);
  return { keyId: outputs.ApiKeyId, stack };
}

// ResourceChange.Replacement in the CloudFormation API reference: Conditional when the new value
// of a create-only property is known only during the update, as the usage-plan key's KeyId is.
const REPLACEMENT_TEXT: Record<string, string> = {
  True: 'replaced',
  False: 'in place',
  Conditional: 'replaced if a value known only during the update requires it (Conditional)',
};

export interface PlannedChange {
  action: string;
  logicalId: string;
  type: string;
  replacement: string;
}

/** Creates a change set for the rotation, lists its changes, and always deletes it again. */
export async function dryRun(stackName: string, deps: RotateDependencies): Promise<PlannedChange[]> {
  const { cloudformation, now, sleep, output } = deps;
  await refuseUncreatedStack(cloudformation, stackName);
  const { stack, previousTimestamp } = await describeRotatableStack(cloudformation, stackName);
  const status = stack.StackStatus ?? '';
  checkNotFailed(stackName, status);
  if (status.endsWith('_IN_PROGRESS')) throw new StackBusyError(stackName, status);

  const timestamp = timestampFrom(now());
  const changeSetName = `rotate-dry-run-${timestamp}`;
  await cloudformation
    .send(
      new CreateChangeSetCommand({
        StackName: stackName,
        ChangeSetName: changeSetName,
        ChangeSetType: 'UPDATE',
        UsePreviousTemplate: true,
        Parameters: rotationParameters(stack.Parameters ?? [], timestamp),
        Capabilities: stack.Capabilities,
      }),
    )
    .catch((error) => Promise.reject(translateError(error, stackName)));
  let changes: PlannedChange[];
  try {
    changes = await waitForChanges(cloudformation, stackName, changeSetName, sleep);
  } catch (error) {
    // The change set's own failure is what the user needs; a failed cleanup is only mentioned.
    await deleteChangeSet(cloudformation, stackName, changeSetName).catch((cleanup: Error) => output.error(`warning: ${cleanup.message}`));
    throw error;
  }
  await deleteChangeSet(cloudformation, stackName, changeSetName);
  if (changes.length === 0) {
    output.line(`Dry run for stack ${stackName}: Timestamp ${previousTimestamp} → ${timestamp} would change nothing. Nothing was changed: the change set has been deleted.`);
    return changes;
  }
  output.line(`Dry run for stack ${stackName}: Timestamp ${previousTimestamp} → ${timestamp} would change:`);
  // Columns as wide as their longest cell: resource types run to AWS::CloudFormation::CustomResource and beyond.
  const rows = alignColumns(changes.map((change) => {
    const text = REPLACEMENT_TEXT[change.replacement] ?? `replacement ${change.replacement}`;
    return [change.action, change.logicalId, change.type, change.replacement === 'False' ? text : paint(output, 'yellow', text)];
  }));
  rows.forEach((row) => output.line(`  ${row}`));
  output.line('Nothing was changed: the change set has been deleted.');
  return changes;
}

async function deleteChangeSet(cloudformation: CloudFormationClient, stackName: string, changeSetName: string): Promise<void> {
  await cloudformation
    .send(new DeleteChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetName }))
    .catch((error) => Promise.reject(new ChangeSetNotDeletedError(stackName, changeSetName, { cause: error })));
}

async function waitForChanges(
  cloudformation: CloudFormationClient,
  stackName: string,
  changeSetName: string,
  sleep: (milliseconds: number) => Promise<void>,
): Promise<PlannedChange[]> {
  const describe = (NextToken?: string) =>
    cloudformation.send(new DescribeChangeSetCommand({ StackName: stackName, ChangeSetName: changeSetName, NextToken }));
  let page = await describe();
  while (page.Status === 'CREATE_PENDING' || page.Status === 'CREATE_IN_PROGRESS') {
    await sleep(2000);
    page = await describe();
  }
  // CloudFormation fails a change set that would change nothing, with this reason.
  if (page.Status === 'FAILED' && page.StatusReason?.includes("didn't contain changes")) return [];
  if (page.Status !== 'CREATE_COMPLETE') throw new ChangeSetFailedError(stackName, page.StatusReason ?? page.Status ?? 'no reason given');
  const changes: Change[] = [...(page.Changes ?? [])];
  while (page.NextToken) {
    page = await describe(page.NextToken);
    changes.push(...(page.Changes ?? []));
  }
  return changes.map(({ ResourceChange: change = {} }) => ({
    action: change.Action ?? '',
    logicalId: change.LogicalResourceId ?? '',
    type: change.ResourceType ?? '',
    replacement: change.Replacement ?? '',
  }));
}
