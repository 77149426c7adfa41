// The key gate's entry point, `index.handler`, bundled into the template's inline code like the
// rotation function's (see index.ts for why module.exports is assigned directly).
import { CloudFormationClient } from './cloudformation';
import { createKeyGate } from './key-gate';
import { getStatus, putAnswer } from './key-gate-http';
import { SecretsManagerClient } from './secrets';

// The template sets both; a request to the function cannot change them.
const { STACK_ID = '', HEALTH_URL = '' } = process.env;

module.exports.handler = createKeyGate({
  stackId: STACK_ID,
  healthUrl: HEALTH_URL,
  cloudformation: new CloudFormationClient({}),
  secrets: new SecretsManagerClient({}),
  get: getStatus,
  put: putAnswer,
  now: () => Date.now(),
  sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
  log: (record) => console.info(JSON.stringify(record)),
});
