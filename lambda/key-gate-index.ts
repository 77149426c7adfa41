// The key gate's entry point, `index.handler`, bundled into the template's inline code like the
// rotation function's (see index.ts for why module.exports is assigned directly).
import { CloudFormationClient } from './cloudformation';
import { createKeyGate } from './key-gate';
import { SecretsManagerClient } from './secrets';

// A request to an API that hangs must not use up the time the gate has to answer.
const REQUEST_TIMEOUT_MS = 10_000;

module.exports.handler = createKeyGate({
  cloudformation: new CloudFormationClient({}),
  secrets: new SecretsManagerClient({}),
  get: (url, headers) => fetch(url, { headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }).then((r) => r.status, () => 0),
  // The pre-signed URL may be signed with an empty Content-Type (AWS's cfn-response module sends
  // "content-type": "" for that reason); fetch would otherwise send text/plain.
  put: async (url, body) => {
    const { ok, status } = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    if (!ok) throw new Error(`The answer to CloudFormation was refused with HTTP ${status}`);
  },
  now: () => Date.now(),
  sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
  log: (record) => console.info(JSON.stringify(record)),
});
