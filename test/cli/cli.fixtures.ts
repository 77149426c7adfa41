import type { StackEvent } from '@aws-sdk/client-cloudformation';
import type { Output } from '../../scripts/cli/output';

export const START = new Date('2026-11-22T10:00:00Z');
export const TOKEN = 'rotate-2026-11-22T10-00-00Z';

/** An Output that records what the CLI writes. */
export function recordingOutput(colour = false): Output & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, colour, line: (text = '') => lines.push(text), error: (text) => errors.push(text) };
}

let sequence = 0;

/** A stack event `seconds` after START; stack-level when `logicalId` is the stack name. */
export function stackEvent(
  logicalId: string,
  status: string,
  seconds: number,
  { type = 'AWS::ApiGateway::ApiKey', reason, token = TOKEN }: { type?: string; reason?: string; token?: string } = {},
): StackEvent {
  sequence += 1;
  return {
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/edge-api/1',
    StackName: 'edge-api',
    EventId: `event-${sequence}`,
    LogicalResourceId: logicalId,
    ResourceType: logicalId === 'edge-api' ? 'AWS::CloudFormation::Stack' : type,
    ResourceStatus: status as StackEvent['ResourceStatus'],
    ResourceStatusReason: reason,
    Timestamp: new Date(START.getTime() + seconds * 1000),
    ClientRequestToken: token,
  };
}

/** DescribeStackEvents returns the newest event first. */
export const newestFirst = (events: StackEvent[]) => ({ StackEvents: [...events].reverse() });

export const noSleep = async () => undefined;
