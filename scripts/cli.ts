#!/usr/bin/env node
// The installed command (package.json's bin, built to dist/cli.js): runs the CLI's main with the
// real process, AWS clients, clock and output. Nothing imports this file; code that needs the
// CLI imports scripts/cli/main.ts, which runs nothing by itself.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClientOptions } from './cli/fleet/clients';
import { main } from './cli/main';
import { silenceSdkNodeNotice } from './cli/node-support';
import { consoleOutput } from './cli/output';

silenceSdkNodeNotice();
main(process.argv.slice(2), {
  output: consoleOutput(),
  // Required on first use: the SDK's clients load only for a command that calls AWS.
  clients: (options: ClientOptions) => (require('./cli/aws-clients') as typeof import('./cli/aws-clients')).createClients(options),
  now: () => new Date(),
  sleep: (ms) => sleep(ms),
  interruptions: { signals: process, exit: (code) => process.exit(code) },
}).then((code) => {
  process.exitCode = code;
});
