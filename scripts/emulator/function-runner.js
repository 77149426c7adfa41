// Runs one invocation of a Lambda function's Node.js code, as the nodejs runtime would, for the
// local emulator (moto_extension/functions.py starts it; moto itself runs functions only in Docker).
//   node function-runner.js <directory with index.js> <handler export> <timeout ms>
// The event arrives as JSON on standard input; the handler's result is printed as JSON on the
// last line of standard output. The function's AWS SDK clients reach the emulator through
// AWS_ENDPOINT_URL. Requests to an API Gateway stage (https://<api-id>.execute-api.<region>.
// amazonaws.com/...) go to the local "API stage" stand-in at LOCAL_EXECUTE_API_URL instead, with
// the API's host name in `x-stand-in-host`: no request leaves this machine.
'use strict';
const { join } = require('node:path');

const [directory, handlerName, timeoutMs] = process.argv.slice(2);
const EXECUTE_API = /^https:\/\/([a-z0-9]{10}\.execute-api\.[a-z0-9-]+\.amazonaws\.com)(\/.*)?$/;

const realFetch = globalThis.fetch;
globalThis.fetch = (input, init = {}) => {
  const match = EXECUTE_API.exec(String(input));
  if (!match) return realFetch(input, init);
  if (!process.env.LOCAL_EXECUTE_API_URL) return Promise.reject(new Error(`No local API stage stand-in for ${input}`));
  const headers = { ...init.headers, 'x-stand-in-host': match[1] };
  return realFetch(`${process.env.LOCAL_EXECUTE_API_URL}${match[2] ?? '/'}`, { ...init, headers });
};

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const started = Date.now();
  const context = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    awsRequestId: event.RequestId ?? 'local',
    getRemainingTimeInMillis: () => Number(timeoutMs) - (Date.now() - started),
  };
  const result = await require(join(directory, 'index.js'))[handlerName](event, context);
  process.stdout.write(`\n${JSON.stringify(result ?? null)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${JSON.stringify({ errorType: error?.name, errorMessage: error?.message })}\n`);
  process.exitCode = 1;
});
