// Starts the local AWS emulator (moto's server with this project's extension, server.py) on
// 127.0.0.1 at a free port, waits until it answers, and stops it again. The emulator also stops
// by itself when this process ends in any way: it exits when its standard input closes.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../paths';

export const EMULATOR_PYTHON = join(PROJECT_ROOT, '.tools', 'moto-venv', 'bin', 'python');
const SERVER = join(PROJECT_ROOT, 'scripts', 'emulator', 'server.py');

export class EmulatorStartError extends Error {
  override name = 'EmulatorStartError';
}

export interface Emulator {
  /** `http://127.0.0.1:<port>`: pass it as the SDK clients' endpoint or AWS_ENDPOINT_URL. */
  endpoint: string;
  stop(): Promise<void>;
}

/** SDK client settings for the emulator: its endpoint, a Region, and moto's dummy credentials. */
export function emulatorClientConfig(endpoint: string) {
  return { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
}

export interface EmulatorOptions {
  python?: string;
  timeoutMs?: number;
  /** Where the Lambda functions it runs send requests for API Gateway stages (the stand-in). */
  executeApiUrl?: string;
  /** The Node binary that runs the Lambda functions' code. */
  node?: string;
}

export async function startEmulator({ python = EMULATOR_PYTHON, timeoutMs = 30_000, executeApiUrl = '', node = process.execPath }: EmulatorOptions = {}): Promise<Emulator> {
  const env = { ...process.env, PYTHONUNBUFFERED: '1', LOCAL_EXECUTE_API_URL: executeApiUrl, EMULATOR_NODE: node };
  const child = spawn(python, [SERVER], { stdio: 'pipe', env });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  try {
    const endpoint = await readyLine(child, timeoutMs, () => stderr);
    return {
      endpoint,
      stop: async () => {
        process.removeListener('exit', killOnExit);
        await stopChild(child);
      },
    };
  } catch (error) {
    process.removeListener('exit', killOnExit);
    await stopChild(child);
    throw error;
  }
}

function readyLine(child: ChildProcessWithoutNullStreams, timeoutMs: number, stderr: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => fail(`it did not answer within ${timeoutMs / 1000} s`), timeoutMs);
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new EmulatorStartError(`The local AWS emulator did not start: ${why}. Run "node scripts/setup.js" to install it.\n${stderr()}`.trim()));
    };
    child.once('error', (error) => fail(error.message));
    child.once('exit', (code) => fail(`it exited with code ${code}`));
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /^ready (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(match[1]);
      }
    });
  });
}

async function stopChild(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.stdin.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
