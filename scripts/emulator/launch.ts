// Starts the local AWS emulator (moto's server with this project's extension, server.py) on
// 127.0.0.1 at a free port, waits until it answers, and stops it again. The emulator also stops
// by itself when this process ends in any way: it exits when its standard input closes.
// It runs in a process group of its own, with the functions' runners it starts (functions.py):
// the group is killed when the emulator stops, however it stops, so no runner is left behind.
// Its standard error (the functions' logs, tracebacks) goes to a log file, kept if it dies.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { PROJECT_ROOT } from '../paths';

// moto is installed into cfn-lint's pipx environment (scripts/setup.js).
export const EMULATOR_PYTHON = join(PROJECT_ROOT, '.tools', 'pipx', 'venvs', 'cfn-lint', 'bin', 'python');
const SERVER = join(PROJECT_ROOT, 'scripts', 'emulator', 'server.py');

export class EmulatorStartError extends Error {
  override name = 'EmulatorStartError';
}

export interface Emulator {
  /** `http://127.0.0.1:<port>`: pass it as the SDK clients' endpoint or AWS_ENDPOINT_URL. */
  endpoint: string;
  /** The server's process ID, which is also its process group's. */
  pid: number;
  /** Its standard error: the functions' logs and any traceback. stop() deletes it; it is kept if the server dies. */
  logFile: string;
  /**
   * Resolves if the server exits without stop() (killed, out of memory, crashed), with how it
   * ended: "signal SIGKILL", "exit code 1". By then the rest of its group is killed and a line saying
   * so, with the log file, is on standard error.
   */
  unexpectedExit: Promise<string>;
  stop(): Promise<void>;
}

type Server = ChildProcessByStdio<Writable, Readable, null>;

/** SDK client settings for the emulator: its endpoint, a Region, and moto's dummy credentials. */
export function emulatorClientConfig(endpoint: string) {
  return { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
}

/**
 * How long the emulator takes for the waits of a stack update that take AWS minutes. Either left
 * out keeps the server's default (moto_extension/timing.py); a value that is no number of seconds,
 * 0 or more, fails the start with EmulatorStartError.
 */
export interface EmulatorTiming {
  /** Seconds a change of a CloudFront distribution takes to reach Deployed, which the stack update waits for; a change made through CloudFront's API reads InProgress as long (AWS: minutes). Default 0.3. */
  deploymentSeconds?: number;
  /**
   * Seconds the monitoring period of an update lasts, whatever its RollbackConfiguration's
   * MonitoringTimeInMinutes, as long as that is above 0 (an update without one, or with 0, does not
   * wait): the stack stays UPDATE_IN_PROGRESS, its old resources still there, until it ends. Default 0.
   */
  monitoringSeconds?: number;
}

export interface EmulatorOptions {
  python?: string;
  timeoutMs?: number;
  /** Where the Lambda functions it runs send requests for API Gateway stages (the stand-in). */
  executeApiUrl?: string;
  /** The Node binary that runs the Lambda functions' code. */
  node?: string;
  timing?: EmulatorTiming;
}

export async function startEmulator({ python = EMULATOR_PYTHON, timeoutMs = 30_000, executeApiUrl = '', node = process.execPath, timing = {} }: EmulatorOptions = {}): Promise<Emulator> {
  // Bytecode is written, whatever PYTHONDONTWRITEBYTECODE says: setup installs moto without it
  // (scripts/setup.js), and compiling what the emulator imports took it 2 s at every start.
  const { PYTHONDONTWRITEBYTECODE: _written, ...inherited } = process.env;
  const env = { ...inherited, PYTHONUNBUFFERED: '1', LOCAL_EXECUTE_API_URL: executeApiUrl, EMULATOR_NODE: node, ...timingEnvironment(timing) };
  const logFile = join(mkdtempSync(join(tmpdir(), 'emulator-')), 'server.log');
  const log = openSync(logFile, 'a');
  // detached: the leader of a new process group, which the runners it starts join (and Ctrl-C in
  // a terminal reaches this process alone, which then stops it).
  const child = spawn(python, [SERVER], { stdio: ['pipe', 'pipe', log], env, detached: true }) as Server;
  closeSync(log);
  const killOnExit = () => killGroup(child);
  process.once('exit', killOnExit);
  const tail = () => readFileSync(logFile, 'utf8').slice(-4000);
  const removeLog = () => rmSync(dirname(logFile), { recursive: true, force: true });
  try {
    const endpoint = await readyLine(child, timeoutMs, tail);
    let stopping = false;
    const unexpectedExit = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => {
        if (stopping) return;
        killGroup(child);
        process.removeListener('exit', killOnExit);
        const why = signal ? `signal ${signal}` : `exit code ${code}`;
        process.stderr.write(`The emulator stopped unexpectedly (${why}). Its log: ${logFile}\n`);
        resolve(why);
      });
    });
    return {
      endpoint,
      pid: child.pid!,
      logFile,
      unexpectedExit,
      stop: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        stopping = true;
        process.removeListener('exit', killOnExit);
        await stopChild(child);
        removeLog();
      },
    };
  } catch (error) {
    process.removeListener('exit', killOnExit);
    await stopChild(child);
    removeLog();
    throw error;
  }
}

/**
 * The server's timing variables; one left out is unset, so that the launcher's own environment
 * cannot change the server's defaults. Checked here too, so that a wrong value is refused before
 * the server starts, and not with the advice to install it.
 */
function timingEnvironment(timing: EmulatorTiming) {
  const value = (name: keyof EmulatorTiming) => {
    const seconds = timing[name];
    if (seconds === undefined) return undefined;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
      throw new EmulatorStartError(`The local AWS emulator did not start: timing.${name} must be a number of seconds, 0 or more; it is ${String(seconds)}.`);
    }
    return String(seconds);
  };
  return { EMULATOR_DEPLOYMENT_SECONDS: value('deploymentSeconds'), EMULATOR_MONITORING_SECONDS: value('monitoringSeconds') };
}

function readyLine(child: Server, timeoutMs: number, stderr: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    // Only this function's own listeners come off: the caller's (unexpectedExit) stay. The line may
    // arrive in pieces (unbuffered Python writes the newline on its own), so it is read to its end.
    const done = () => {
      clearTimeout(timer);
      child.removeListener('error', onError);
      child.removeListener('exit', onExit);
      child.stdout.removeListener('data', onData);
    };
    const fail = (why: string) => {
      done();
      reject(new EmulatorStartError(`The local AWS emulator did not start: ${why}. Run "node scripts/setup.js" to install it.\n${stderr()}`.trim()));
    };
    const onError = (error: Error) => fail(error.message);
    const onExit = (code: number | null) => fail(`it exited with code ${code}`);
    const onData = (chunk: Buffer) => {
      stdout += chunk;
      const match = /^ready (http:\/\/127\.0\.0\.1:\d+)\n/m.exec(stdout);
      if (match) {
        done();
        resolve(match[1]);
      }
    };
    const timer = setTimeout(() => fail(`it did not answer within ${timeoutMs / 1000} s`), timeoutMs);
    child.once('error', onError);
    child.once('exit', onExit);
    child.stdout.on('data', onData);
  });
}

/** SIGKILL to the server's process group: the server, if still running, and every runner it started. */
function killGroup(child: Server): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // ESRCH: the group is empty already.
  }
}

async function stopChild(child: Server): Promise<void> {
  if (child.pid === undefined) return; // it never started: spawn failed
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.stdin.end();
    const timer = setTimeout(() => killGroup(child), 5000);
    await exited;
    clearTimeout(timer);
  }
  // A runner the server could not kill (it was killed itself) must not outlive it.
  killGroup(child);
}
