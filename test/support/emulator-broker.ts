// One emulator per jest worker, shared by the end-to-end files that worker runs one after the
// other: starting one costs 2.3 s of CPU (most of it moto's imports), and eleven files each
// started their own. jest's global setup starts this broker in jest's own process, which owns the
// emulators: a worker asks for its emulator by JEST_WORKER_ID, and the broker starts it on the first
// request. A file then resets it (POST /moto-api/extension/reset, moto_extension/reset.py) with its
// own "API stage" stand-in, and its LocalAws's stop() leaves it running. Files that test the
// emulator itself (its log, its processes, its timing) start their own, as before.
import { createServer } from 'node:http';
import { node24 } from '../../scripts/node24';
import { type Emulator, startEmulator } from '../../scripts/emulator/launch';
import { type LocalAws, startLocalAws } from '../../scripts/emulator/local-stack';

export const BROKER_VARIABLE = 'EMULATOR_BROKER_URL';

interface Lent {
  endpoint: string;
  pid: number;
  logFile: string;
}

/** Starts the broker on 127.0.0.1 and names its URL in BROKER_VARIABLE, which the workers inherit. POST /stop stops it and its emulators. */
export async function startBroker(): Promise<void> {
  const emulators = new Map<string, Promise<Emulator>>();
  const emulatorOf = (worker: string) => {
    if (!emulators.has(worker)) {
      const started = startEmulator({ node: node24() });
      emulators.set(worker, started);
      // One that dies is replaced on the next request; the file using it fails, as it would alone.
      void started.then((emulator) => emulator.unexpectedExit.then(() => emulators.delete(worker)), () => emulators.delete(worker));
    }
    return emulators.get(worker)!;
  };
  const server = createServer((request, response) => {
    const answer = (status: number, body: unknown) => response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    const worker = /^\/emulators\/(\d+)$/.exec(request.url ?? '')?.[1];
    if (request.method === 'GET' && worker) {
      emulatorOf(worker).then(({ endpoint, pid, logFile }) => answer(200, { endpoint, pid, logFile } satisfies Lent), (error: Error) => answer(500, { message: error.message }));
    } else if (request.method === 'POST' && request.url === '/stop') {
      const all = [...emulators.values()];
      emulators.clear();
      void Promise.allSettled(all.map(async (started) => (await started).stop())).then(() => {
        answer(200, {});
        server.close();
      });
    } else {
      answer(404, { message: `No route ${request.method} ${request.url}` });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('The emulator broker has no TCP address');
  process.env[BROKER_VARIABLE] = `http://127.0.0.1:${address.port}`;
}

export async function stopBroker(): Promise<void> {
  const broker = process.env[BROKER_VARIABLE];
  if (broker) await fetch(`${broker}/stop`, { method: 'POST' });
}

/**
 * The worker's emulator, reset for a file whose "API stage" stand-in is at `executeApiUrl`; its
 * stop() gives it back. An emulator still busy with the previous file's work after the reset's
 * wait (reset.py answers 409) is not shared: the file gets one of its own.
 */
async function borrowEmulator(broker: string, executeApiUrl: string, node: string): Promise<Emulator> {
  const lent = await fetch(`${broker}/emulators/${process.env.JEST_WORKER_ID ?? '1'}`);
  if (!lent.ok) throw new Error(`The emulator broker answered ${lent.status}: ${await lent.text()}`);
  const { endpoint, pid, logFile } = (await lent.json()) as Lent;
  const reset = await fetch(`${endpoint}/moto-api/extension/reset`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ executeApiUrl }) });
  if (reset.status === 409) return startEmulator({ executeApiUrl, node });
  if (!reset.ok) throw new Error(`The emulator at ${endpoint} did not reset: ${reset.status} ${await reset.text()}`);
  return { endpoint, pid, logFile, unexpectedExit: new Promise<string>(() => undefined), stop: async () => undefined };
}

/** The local AWS of an end-to-end file: on the worker's shared emulator under jest's global setup, on one of its own otherwise. */
export function localAws(): Promise<LocalAws> {
  const broker = process.env[BROKER_VARIABLE];
  return broker ? startLocalAws({ emulator: (executeApiUrl, node) => borrowEmulator(broker, executeApiUrl, node) }) : startLocalAws();
}
