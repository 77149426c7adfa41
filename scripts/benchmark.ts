// `npm run benchmark`: figures for the README, measured against the local emulator. Not a test:
// it prints, it does not judge. As in AWS, the emulated UpdateStack answers once the update has
// started; each round waits for its update to end, outside the handler's figures.
import { waitUntilStackRollbackComplete, waitUntilStackUpdateComplete } from '@aws-sdk/client-cloudformation';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { createHandler } from '../lambda/handler';
import { benchmarkEmergency } from './benchmark-emergency';
import { benchmarkFleet, instrument } from './benchmark-fleet';
import { type StartupSample, measureCli, measureNode } from './cli-startup';
import { deploy } from './cli/deploy';
import { collectStatus } from './cli/status';
import { emulatorSleep, emulatorWaiter, localClients, startLocalAws, steadyTraffic } from './emulator/local-stack';
import { PROJECT_ROOT } from './paths';
import { carriedTemplate, deployTemplates, parseTemplate, readTemplate } from './template';
import { silenceSdkNodeNotice } from './cli/node-support';

// As the CLI does (scripts/cli.ts): on Node 20 and 21 the SDK would print its multi-line Node
// support notice when the first client is made, in the middle of this output.
silenceSdkNodeNotice();

const ROUNDS = 10;
const REJECTED_ROUNDS = 3;
const GATE_SECONDS = 3;
const quiet = { line: () => undefined, error: () => undefined, colour: false };

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return `median ${median.toFixed(1)} ms, min ${sorted[0].toFixed(1)}, max ${sorted[sorted.length - 1].toFixed(1)} (n=${sorted.length})`;
}

// Round n's schedule fires n seconds from now: each one newer than the last and than the deploy,
// and well within the 5 minutes ahead of its clock that the function accepts.
const eventAt = (round: number) => ({
  'detail-type': 'Scheduled Event', source: 'aws.events', time: new Date((Math.floor(Date.now() / 1000) + round) * 1000).toISOString().replace('.000Z', 'Z'),
});

async function main(): Promise<void> {
  const aws = await startLocalAws();
  try {
    const templateBody = readTemplate();
    await deploy({ stackName: 'bench', parameters: {}, rotate: false, testRotation: false }, { ...aws, ...deployTemplates(), now: () => new Date(), sleep: emulatorSleep, output: quiet });
    const calls = instrument(aws.cloudformation);
    const handler = createHandler({ cloudformation: aws.cloudformation, stackName: 'bench', log: () => undefined, now: () => new Date() });
    // The waiting is done with a client of its own: its calls are not the rotation's.
    const waiter = emulatorWaiter(localClients(aws.emulator.endpoint).cloudformation);

    const inProcess: number[] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      const started = performance.now();
      await handler(eventAt(round));
      inProcess.push(performance.now() - started);
      await waitUntilStackUpdateComplete(waiter, { StackName: 'bench' });
    }
    const perRotation = Object.entries(calls).map(([name, samples]) => `${name} ${samples.length / ROUNDS}`).join(', ');
    const updateStack = [...calls.UpdateStack];

    const directory = join(PROJECT_ROOT, 'dist', 'benchmark-inline');
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, 'index.js'), parseTemplate(templateBody).Resources.RotationFunction.Properties.Code.ZipFile);
    const env = {
      ...process.env, STACK_NAME: 'bench', AWS_ENDPOINT_URL: aws.emulator.endpoint, AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const freshProcess: number[] = [];
    for (let round = ROUNDS + 1; round <= 2 * ROUNDS; round += 1) {
      const script = `require("./index.js").handler(${JSON.stringify(eventAt(round))})`;
      const started = performance.now();
      await promisify(execFile)(process.execPath, ['-e', script], { cwd: directory, env });
      freshProcess.push(performance.now() - started);
      await waitUntilStackUpdateComplete(waiter, { StackName: 'bench' });
    }

    const carried = carriedTemplate();
    const status: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const started = performance.now();
      await collectStatus('bench', { ...aws, ...carried, now: () => new Date() });
      status.push(performance.now() - started);
    }

    // The command as installed, each run a fresh process: what loading its modules costs.
    const startup = async (label: string, run: () => Promise<StartupSample>) => {
      const samples: StartupSample[] = [];
      for (let round = 0; round < ROUNDS; round += 1) samples.push(await run());
      const peaks = samples.map((s) => s.peakMiB).sort((a, b) => a - b);
      return `${label}: ${summary(samples.map((s) => s.milliseconds))}; peak memory median ${peaks[Math.floor(peaks.length / 2)].toFixed(0)} MiB (${peaks[0].toFixed(0)} to ${peaks[peaks.length - 1].toFixed(0)})`;
    };
    const startupFigures = [
      await startup('Bare node -e 0, for comparison', () => measureNode(['-e', '0'], env)),
      await startup('CLI --help, fresh process', () => measureCli(['--help'], env)),
      await startup('CLI status --stack-name bench, fresh process (against the emulator)', () => measureCli(['status', '--stack-name', 'bench'], env)),
    ];

    // Rotations the API refuses: stopped at the key gate and rolled back, with clients calling
    // through CloudFront all along. What counts is the refused requests: they must be 0.
    await deploy(
      { stackName: 'bench-refused', parameters: { KeyGateTimeoutSeconds: String(GATE_SECONDS) }, rotate: false, testRotation: false },
      { ...aws, ...deployTemplates(), now: () => new Date(), sleep: emulatorSleep, output: quiet },
    );
    await aws.apiStage.refuse({ newKeys: {} });
    const refusedHandler = createHandler({ cloudformation: aws.cloudformation, stackName: 'bench-refused', log: () => undefined, now: () => new Date() });
    const rejected: number[] = [];
    const traffic = { sent: 0, refused: 0 };
    for (let round = 1; round <= REJECTED_ROUNDS; round += 1) {
      const requests = await steadyTraffic(aws, 'bench-refused');
      const started = performance.now();
      await refusedHandler(eventAt(round));
      await waitUntilStackRollbackComplete(waiter, { StackName: 'bench-refused' });
      rejected.push(performance.now() - started);
      const { sent, refused } = await requests.stop();
      traffic.sent += sent;
      traffic.refused += refused;
    }
    await aws.apiStage.refuse(undefined);

    console.log(`Rotation handler, in process, invocation to accepted UpdateStack: ${summary(inProcess)}`);
    console.log(`  of which the emulated UpdateStack, which answers once the update has started: ${summary(updateStack)}`);
    console.log(`Rotation handler, built inline code in a fresh node process (start-up included): ${summary(freshProcess)}`);
    console.log(`AWS calls per scheduled rotation: ${perRotation}`);
    console.log(`status (CloudFormation, API Gateway and CloudFront reads): ${summary(status)}`);
    for (const line of startupFigures) console.log(line);
    console.log(`Rotation the API refuses, stopped at the key gate (${GATE_SECONDS} s bound) and rolled back: ${summary(rejected)}`);
    console.log(`  requests through CloudFront meanwhile: ${traffic.sent} sent, ${traffic.refused} refused`);
    await benchmarkFleet(aws);
  } finally {
    await aws.stop();
  }
  // An emulator of its own, with AWS's timing, once the first has stopped.
  await benchmarkEmergency();
}

main().catch((error: Error) => {
  console.error(`benchmark failed: ${error.stack ?? error.message}`);
  process.exitCode = 1;
});
