// Runs Lambda functions' Node.js code for the local emulator, one invocation at a time, as a warm
// execution environment of the nodejs runtime would (moto_extension/functions.py starts and
// reuses it; moto itself runs functions only in Docker).
//   node function-runner.js <file descriptor for outcomes>
// Each invocation arrives as one JSON line on standard input: { directory (holding index.js),
// handler (the export), timeoutMs, invokedFunctionArn, env (the function's whole environment),
// event }. Its outcome goes to the outcome descriptor as one JSON line, { result } or
// { errorType, errorMessage }, once everything the handler logged before is through standard
// output and error. A function's module is loaded on its first invocation here and kept, as
// Lambda keeps it between invocations of a warm environment; the SDK it requires is loaded once
// for all. The runner ends when its standard input closes, whatever handlers left open.
//
// Its functions' AWS SDK clients reach the emulator through AWS_ENDPOINT_URL. Requests to an API
// Gateway stage (https://<api-id>.execute-api.<region>.amazonaws.com/...) go to the local "API
// stage" stand-in at LOCAL_EXECUTE_API_URL instead, with the API's host name in
// `x-stand-in-host`: no request leaves this machine.
'use strict';
const { writeSync } = require('node:fs');
const { join } = require('node:path');
const { createInterface } = require('node:readline');

const outcomes = Number(process.argv[2]);
const EXECUTE_API = /^https:\/\/([a-z0-9]{10}\.execute-api\.[a-z0-9-]+\.amazonaws\.com)(\/.*)?$/;

const realFetch = globalThis.fetch;
globalThis.fetch = (input, init = {}) => {
  const match = EXECUTE_API.exec(String(input));
  if (!match) return realFetch(input, init);
  if (!process.env.LOCAL_EXECUTE_API_URL) return Promise.reject(new Error(`No local API stage stand-in for ${input}`));
  const headers = { ...init.headers, 'x-stand-in-host': match[1] };
  return realFetch(`${process.env.LOCAL_EXECUTE_API_URL}${match[2] ?? '/'}`, { ...init, headers });
};

/** Runs one invocation in exactly its function's environment: nothing of the previous one's is left in process.env. */
async function invoke({ directory, handler, timeoutMs, invokedFunctionArn, env, event }) {
  for (const name of Object.keys(process.env)) delete process.env[name];
  Object.assign(process.env, env);
  const started = Date.now();
  // The context's properties that this project's functions read (Lambda Developer Guide, "Using the
  // Lambda context object to retrieve Node.js function information"): a function that invokes
  // itself again names itself by invokedFunctionArn.
  const context = {
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    invokedFunctionArn,
    awsRequestId: event.RequestId ?? 'local',
    getRemainingTimeInMillis: () => timeoutMs - (Date.now() - started),
  };
  return require(join(directory, 'index.js'))[handler](event, context);
}

/**
 * Lambda's Node.js runtime posts the outcome as soon as an async handler's promise settles, without
 * waiting for the event loop to empty (aws-lambda-nodejs-runtime-interface-client, src/Runtime.js:
 * a promise goes to context.succeed and fail, which post at once, src/CallbackContext.js), and the
 * environment is frozen until the next invocation. Writes to a pipe are asynchronous on POSIX
 * (Node.js, "A note on process I/O"): the outcome waits for the handler's log lines ahead of it.
 */
const logsWritten = () => Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write('', resolve))));

async function serve() {
  for await (const line of createInterface({ input: process.stdin })) {
    const outcome = await invoke(JSON.parse(line)).then(
      (result) => ({ result: result ?? null }),
      (error) => ({ errorType: error?.name, errorMessage: error?.message }),
    );
    await logsWritten();
    writeSync(outcomes, `${JSON.stringify(outcome)}\n`);
  }
  process.exit(0);
}

serve();
