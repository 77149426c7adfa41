// The Lambda entry point, `index.handler`: wires the real client, the stack name the template sets
// and the log into the handler. esbuild bundles this file into the template's inline code, which
// the runtime loads as CommonJS `index.js`. Assigning `module.exports` directly, rather than an ES
// `export`, spares the ~500 characters of esbuild's ESM-to-CommonJS glue under the inline limit.
import { CloudFormationClient } from './cloudformation';
import { createHandler } from './handler';

module.exports.handler = createHandler({
  cloudformation: new CloudFormationClient({}),
  stackName: process.env.STACK_NAME ?? '',
  log: (record) => console.info(JSON.stringify(record)),
  now: () => new Date(),
});
