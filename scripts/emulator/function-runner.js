// Runs one invocation of a Lambda function's Node.js code, as the nodejs runtime would, for the
// local emulator (moto_extension/functions.py starts it; moto itself runs functions only in Docker).
//   node function-runner.js <directory with index.js> <handler export> <timeout ms>
// The event arrives as JSON on standard input; the handler's result is printed as JSON on the
// last line of standard output, and the process ends as soon as it is written (see end()). The
// function's AWS SDK clients reach the emulator through AWS_ENDPOINT_URL. Requests to an API
// Gateway stage (https://<api-id>.execute-api.<region>.amazonaws.com/...) go to the local "API
// stage" stand-in at LOCAL_EXECUTE_API_URL instead, with the API's host name in
// `x-stand-in-host`: no request leaves this machine.
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
  return require(join(directory, 'index.js'))[handlerName](event, context);
}

/**
 * Writes the invocation's outcome and ends the process once it, and everything the handler wrote
 * before, is through both pipes (writes to a pipe are asynchronous on POSIX: Node.js, "A note on
 * process I/O"), whatever the handler left open: a keep-alive socket, a timer. Lambda's Node.js
 * runtime does not wait for the event loop to empty after an async handler: it posts the result as
 * soon as the promise settles (aws-lambda-nodejs-runtime-interface-client, src/Runtime.js: a
 * promise goes to context.succeed and fail, which post at once, src/CallbackContext.js; only the
 * callback waits while callbackWaitsForEmptyEventLoop is true), and the sandbox is then frozen.
 * Without this, each such handle kept a runner alive until it closed.
 */
function end(stream, text, code) {
  let pending = 2;
  const flushed = () => {
    pending -= 1;
    if (pending === 0) process.exit(code);
  };
  stream.write(text, flushed);
  (stream === process.stdout ? process.stderr : process.stdout).write('', flushed);
}

main().then(
  (result) => end(process.stdout, `\n${JSON.stringify(result ?? null)}\n`, 0),
  (error) => end(process.stderr, `${JSON.stringify({ errorType: error?.name, errorMessage: error?.message })}\n`, 1),
);
