// Following one StackSet operation to its end: a progress line whenever the instances' counts
// change, then each instance's result. StackSets runs operations asynchronously; the SDK's retry
// strategy handles throttling of the reads.
import {
  type CloudFormationClient,
  DescribeStackSetOperationCommand,
  ListStackSetOperationResultsCommand,
  type StackSetOperationResultSummary,
} from '@aws-sdk/client-cloudformation';
import type { Output } from '../output';

export interface InstanceResult {
  account: string;
  region: string;
  /** What the operation did there: create, update or override. */
  action: string;
  /** SUCCEEDED, FAILED, CANCELLED (not attempted after a failure), or PENDING/RUNNING when followed no further. */
  status: string;
  reason?: string;
}

export interface OperationDependencies {
  cloudformation: CloudFormationClient;
  sleep: (milliseconds: number) => Promise<void>;
  now: () => Date;
  output: Output;
}

/** DescribeStackSetOperation statuses after which nothing more happens. */
const FINISHED = new Set(['SUCCEEDED', 'FAILED', 'STOPPED']);
export const POLL_INTERVAL_MS = 10_000;

export async function followOperation(stackSetName: string, operationId: string, action: string, deps: OperationDependencies): Promise<InstanceResult[]> {
  const { cloudformation, output } = deps;
  const started = deps.now().getTime();
  let shown = '';
  for (;;) {
    const { StackSetOperation } = await cloudformation.send(new DescribeStackSetOperationCommand({ StackSetName: stackSetName, OperationId: operationId }));
    const status = StackSetOperation?.Status ?? '';
    const summaries = await operationResults(cloudformation, stackSetName, operationId);
    const count = (wanted: string) => summaries.filter((s) => s.Status === wanted).length;
    const progress = `${action} ${status}: succeeded ${count('SUCCEEDED')}, failed ${count('FAILED')}, running ${count('RUNNING')}, pending ${count('PENDING')}`;
    if (progress !== shown) output.line(`${progress}, ${Math.round((deps.now().getTime() - started) / 1000)} s`);
    shown = progress;
    if (FINISHED.has(status)) {
      return summaries.map((s) => ({ account: s.Account ?? '', region: s.Region ?? '', action, status: s.Status ?? '', ...(s.StatusReason && { reason: s.StatusReason }) }));
    }
    await deps.sleep(POLL_INTERVAL_MS);
  }
}

async function operationResults(cloudformation: CloudFormationClient, StackSetName: string, OperationId: string): Promise<StackSetOperationResultSummary[]> {
  const summaries: StackSetOperationResultSummary[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cloudformation.send(new ListStackSetOperationResultsCommand({ StackSetName, OperationId, NextToken }));
    summaries.push(...(page.Summaries ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return summaries;
}
