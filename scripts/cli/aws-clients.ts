// The SDK clients every command uses, for one account and Region: one factory for the CLI and
// for the benchmark that counts the CLI's calls.
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import type { ClientOptions } from './fleet/clients';
import { NOT_AWS_ANSWERS, notAwsAnswers } from './foreign-answers';
import { type EdgeGet, fetchStatus } from './through-cloudfront';

export interface Clients {
  cloudformation: CloudFormationClient;
  apigateway: APIGatewayClient;
  cloudfront: CloudFrontClient;
  lambda: LambdaClient;
  /** deploy's: the template bucket (template-bucket.ts), and the caller's account that owns it. */
  s3: S3Client;
  sts: STSClient;
  /** Requests as a client through CloudFront; undefined where CloudFront is out of reach. */
  edge?: EdgeGet;
}

export function createClients({ region, profile, credentials }: ClientOptions): Clients {
  const config = { region, profile, ...(credentials && { credentials }) };
  const clients = {
    cloudformation: new CloudFormationClient(config),
    apigateway: new APIGatewayClient(config),
    cloudfront: new CloudFrontClient(config),
    lambda: new LambdaClient(config),
    s3: new S3Client(config),
    sts: new STSClient(config),
    // With AWS_ENDPOINT_URL the calls go to an emulator, whose distributions the internet does
    // not serve: asking *.cloudfront.net would leave the machine for nothing.
    edge: process.env.AWS_ENDPOINT_URL ? undefined : fetchStatus,
  };
  // An answer from no AWS API (a wrong AWS_ENDPOINT_URL, a proxy) becomes an error naming who answered.
  clients.cloudformation.middlewareStack.add(notAwsAnswers, NOT_AWS_ANSWERS);
  clients.apigateway.middlewareStack.add(notAwsAnswers, NOT_AWS_ANSWERS);
  clients.cloudfront.middlewareStack.add(notAwsAnswers, NOT_AWS_ANSWERS);
  clients.lambda.middlewareStack.add(notAwsAnswers, NOT_AWS_ANSWERS);
  clients.sts.middlewareStack.add(notAwsAnswers, NOT_AWS_ANSWERS);
  // Not S3's: HeadBucket's errors come without a body by design (S3 API reference, HeadBucket),
  // which notAwsAnswers would take for an answer from no AWS API.
  return clients;
}
