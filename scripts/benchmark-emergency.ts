// The emergency rotation's figures in `npm run benchmark`: `rotate --all` over 10, 50 and 200
// stacks on an emulator that stands for AWS's timing (a distribution deploys for DEPLOYMENT_S, an
// update monitors for MONITORING_S), so that the figures measure the command's shape, not the
// emulator's speed. The ideal for a fleet: its starts at API Gateway's key pace (START_INTERVAL_MS
// per account), then one deployment and one monitoring period.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { timestampFrom } from '../lambda/timestamp';
import { DEFAULT_CONCURRENCY } from './cli/args';
import { START_INTERVAL_MS, planRotations, rotateAll } from './cli/fleet/rotate-all';
import {
  ACCOUNTS, ROTATION_TIMEOUT_MS, callCount, fleetProblems, forEachFleetSize, measure, quiet, setUpClients,
} from './benchmark-fleet';
import { startLocalAws } from './emulator/local-stack';

const DEPLOYMENT_S = 30;
const MONITORING_S = 10;

export async function benchmarkEmergency(): Promise<void> {
  const aws = await startLocalAws({ timing: { deploymentSeconds: DEPLOYMENT_S, monitoringSeconds: MONITORING_S } });
  try {
    const cloudformationIn = await setUpClients(aws);
    console.log(`Emergency rotation (rotate --all, --concurrency ${DEFAULT_CONCURRENCY}), each distribution deploying for ${DEPLOYMENT_S} s and each update monitoring for ${MONITORING_S} s:`);
    await forEachFleetSize(aws, cloudformationIn, async (size, fleet) => {
      let following = { calls: 0, at: 0 };
      const run = await measure(DEFAULT_CONCURRENCY, async (stacks, clientsFor, gauge, calls) => {
        const planning = { clientsFor, timestamp: timestampFrom(new Date()), concurrency: DEFAULT_CONCURRENCY, gauge };
        const plan = await planRotations(stacks, planning);
        return rotateAll(plan, {
          ...planning, timeoutMs: ROTATION_TIMEOUT_MS, now: () => new Date(), sleep: (ms) => sleep(ms), output: quiet,
          onStarted: () => (following = { calls: callCount(calls), at: performance.now() }),
        });
      });
      const problems = await fleetProblems(fleet, run.result, (stack) => (stack.state === 'rotated' ? undefined : `${stack.state}: ${stack.detail}`), cloudformationIn);
      if (problems.length > 0) throw new Error([`rotate --all rotated ${size - problems.length} of ${size} stacks:`, ...problems].join('\n  '));
      const perAccount = Math.ceil(size / ACCOUNTS.length);
      const ideal = ((perAccount - 1) * START_INTERVAL_MS) / 1000 + DEPLOYMENT_S + MONITORING_S;
      const followMinutes = (performance.now() - following.at) / 60_000;
      const followCalls = callCount(run.calls) - following.calls;
      console.log(
        `  ${size} stacks: ${run.seconds.toFixed(1)} s against an ideal of ${ideal.toFixed(1)} s (ratio ${(run.seconds / ideal).toFixed(2)}), ` +
          `${callCount(run.calls)} AWS calls (${(callCount(run.calls) / size).toFixed(1)} per stack), following ${(followCalls / size / followMinutes).toFixed(2)} calls per stack per minute, ` +
          `at most ${run.callsInFlight} calls in flight`,
      );
    });
  } finally {
    await aws.stop();
  }
}
