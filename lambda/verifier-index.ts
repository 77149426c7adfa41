// The verifier's entry point, `index.handler`, bundled into the template's inline code like the
// rotation function's (see index.ts for why module.exports is assigned directly).
import { APIGatewayClient, CloudFormationClient, CloudFrontClient, SNSClient } from './aws';
import { probe } from './probe';
import { createVerifier } from './verifier';

// The template sets all three.
const { HEALTH_CHECK_PATH, STACK_NAME, TOPIC_ARN } = process.env as Record<string, string>;

const handle = createVerifier({
  cloudformation: new CloudFormationClient({}),
  apigateway: new APIGatewayClient({}),
  cloudfront: new CloudFrontClient({}),
  sns: new SNSClient({}),
  get: probe(10_000),
  healthCheckPath: HEALTH_CHECK_PATH,
  stackName: STACK_NAME,
  topicArn: TOPIC_ARN,
  now: () => new Date(),
  write: (line) => process.stdout.write(`${line}\n`),
});

module.exports.handler = async (event: Parameters<typeof handle>[0]) => {
  const outcome = await handle(event);
  console.info(outcome);
  return outcome;
};
