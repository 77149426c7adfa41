// The verifier's entry point, `index.handler`, bundled into the template's inline code like the
// rotation function's (see index.ts for why module.exports is assigned directly).
import { APIGatewayClient, CloudFormationClient, CloudFrontClient, SNSClient } from './aws';
import { createVerifier } from './verifier';

const handle = createVerifier({
  cloudformation: new CloudFormationClient({}),
  apigateway: new APIGatewayClient({}),
  cloudfront: new CloudFrontClient({}),
  sns: new SNSClient({}),
  get: fetch,
  healthCheckPath: process.env.HEALTH_CHECK_PATH ?? '/',
  stackName: process.env.STACK_NAME ?? '',
  topicArn: process.env.TOPIC_ARN ?? '',
  now: () => new Date(),
  write: (line) => process.stdout.write(`${line}\n`),
});

module.exports.handler = async (event: Parameters<typeof handle>[0]) => {
  const outcome = await handle(event);
  console.info(outcome);
  return outcome;
};
