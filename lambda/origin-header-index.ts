// The origin header function's entry point, `index.handler`, bundled into the template's inline
// code like the key gate's (see index.ts for why module.exports is assigned directly).
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { putAnswer } from './key-gate-http';
import { createOriginHeader } from './origin-header';
import { SecretsManagerClient } from './secrets';

// The template sets all three; a request to the function cannot change them.
const { STACK_ID = '', DISTRIBUTION_ID = '', ORIGIN_DOMAIN = '' } = process.env;

module.exports.handler = createOriginHeader({
  stackId: STACK_ID,
  distributionId: DISTRIBUTION_ID,
  originDomain: ORIGIN_DOMAIN,
  cloudfront: new CloudFrontClient({}),
  secrets: new SecretsManagerClient({}),
  lambda: new LambdaClient({}),
  put: putAnswer,
  now: () => Date.now(),
  sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
  log: (record) => console.info(JSON.stringify(record)),
});
