import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, type StackEvent } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import type { Output } from '../../scripts/cli/output';

export const START = new Date('2026-11-22T10:00:00Z');
export const TOKEN = 'rotate-2026-11-22T10-00-00Z';

/** An Output that records what the CLI writes. */
export function recordingOutput(colour = false): Output & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, colour, line: (text = '') => lines.push(text), error: (text) => errors.push(text) };
}

/** The clients main() makes, without the CLI's middlewares: aws-sdk-client-mock answers their calls. */
export function sdkClients(region = 'eu-west-1') {
  return {
    cloudformation: new CloudFormationClient({ region }),
    apigateway: new APIGatewayClient({ region }),
    cloudfront: new CloudFrontClient({ region }),
    lambda: new LambdaClient({ region }),
    s3: new S3Client({ region }),
    sts: new STSClient({ region }),
  };
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
