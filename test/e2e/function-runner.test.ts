// scripts/emulator/function-runner.js on its own: a warm execution environment that answers each
// invocation as soon as its handler settles (Lambda's runtime does not wait for the event loop to
// empty after an async handler), gives each invocation exactly its function's environment, keeps
// a function's module between its invocations, and ends when its input closes, whatever handlers
// left open.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { PROJECT_ROOT } from '../../scripts/paths';
import { node24 } from '../../scripts/node24';

jest.setTimeout(30_000);

const RUNNER = join(PROJECT_ROOT, 'scripts', 'emulator', 'function-runner.js');

/** A function's directory holding `code` as index.js. */
function functionCode(code: string) {
  const directory = mkdtempSync(join(tmpdir(), 'runner-'));
  writeFileSync(join(directory, 'index.js'), code);
  return directory;
}

/** A runner with its outcomes on file descriptor 3, and what it has written to each stream so far. */
function startRunner() {
  const child: ChildProcess = spawn(node24(), [RUNNER, '3'], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  const written = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk) => (written.stdout += chunk));
  child.stderr!.on('data', (chunk) => (written.stderr += chunk));
  const outcomes = child.stdio[3] as Readable;
  let buffered = '';
  const waiting: ((line: { outcome: unknown; logged: typeof written }) => void)[] = [];
  outcomes.on('data', (chunk) => {
    buffered += chunk;
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      waiting.shift()!({ outcome: JSON.parse(buffered.slice(0, end)), logged: { ...written } });
      buffered = buffered.slice(end + 1);
    }
  });
  return {
    child,
    written,
    /** Sends one invocation; resolves with its outcome and what the runner had logged when it arrived. */
    invoke(directory: string, env: Record<string, string>, event: object = {}) {
      const answered = new Promise<{ outcome: unknown; logged: typeof written }>((resolve) => waiting.push(resolve));
      child.stdin!.write(`${JSON.stringify({ directory, handler: 'handler', timeoutMs: 900_000, env, event })}\n`);
      return answered;
    },
  };
}

// What a handler may leave behind: a timer, and a keep-alive connection to a server.
const LEFT_OPEN = `
  const { createServer, request } = require('node:http');
  const open = () => new Promise((resolve) => {
    const server = createServer((_, res) => res.end('ok')).listen(0, '127.0.0.1', () => {
      request({ port: server.address().port, agent: new (require('node:http').Agent)({ keepAlive: true }) }, (res) => res.resume().on('end', resolve)).end();
    });
  });
`;

let runner: ReturnType<typeof startRunner>;
beforeEach(() => {
  runner = startRunner();
});
afterEach(() => runner.child.kill('SIGKILL'));

describe('the function runner', () => {
  it("answers once the handler's result is written, whatever the handler left open, after everything it logged", async () => {
    const directory = functionCode(`${LEFT_OPEN}
      exports.handler = async (event) => {
        await open();
        setInterval(() => undefined, 1000);
        console.error('log '.repeat(100000));
        console.log('the last log line');
        return { answer: event.question * 2 };
      };`);

    const { outcome, logged } = await runner.invoke(directory, { AWS_LAMBDA_FUNCTION_NAME: 'doubler' }, { question: 21 });

    expect(outcome).toEqual({ result: { answer: 42 } });
    expect(logged.stdout).toBe('the last log line\n');
    expect(logged.stderr).toHaveLength('log '.repeat(100000).length + 1);
  });

  it("answers with the handler's error, whatever the handler left open", async () => {
    const directory = functionCode(`${LEFT_OPEN}
      exports.handler = async () => {
        await open();
        setInterval(() => undefined, 1000);
        throw new TypeError('no such key');
      };`);

    const { outcome } = await runner.invoke(directory, { AWS_LAMBDA_FUNCTION_NAME: 'failing' });

    expect(outcome).toEqual({ errorType: 'TypeError', errorMessage: 'no such key' });
  });

  it("gives each invocation exactly its function's environment, and keeps each function's module", async () => {
    const counting = functionCode(`let calls = 0;
      exports.handler = async () => ({ calls: ++calls, name: process.env.AWS_LAMBDA_FUNCTION_NAME, only: process.env.ONLY_FIRST ?? null });`);
    const other = functionCode(`exports.handler = async () => ({ name: process.env.AWS_LAMBDA_FUNCTION_NAME, only: process.env.ONLY_FIRST ?? null });`);

    const first = await runner.invoke(counting, { AWS_LAMBDA_FUNCTION_NAME: 'first', ONLY_FIRST: 'yes' });
    const second = await runner.invoke(other, { AWS_LAMBDA_FUNCTION_NAME: 'second' });
    const firstAgain = await runner.invoke(counting, { AWS_LAMBDA_FUNCTION_NAME: 'first', ONLY_FIRST: 'yes' });

    expect([first.outcome, second.outcome, firstAgain.outcome]).toEqual([
      { result: { calls: 1, name: 'first', only: 'yes' } },
      { result: { name: 'second', only: null } },
      { result: { calls: 2, name: 'first', only: 'yes' } },
    ]);
  });

  it('ends when its input closes, whatever handlers left open', async () => {
    const directory = functionCode(`${LEFT_OPEN}
      exports.handler = async () => {
        await open();
        setInterval(() => undefined, 1000);
        return 'done';
      };`);
    await runner.invoke(directory, { AWS_LAMBDA_FUNCTION_NAME: 'leaving' });
    const exited = once(runner.child, 'exit');

    runner.child.stdin!.end();

    expect(await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('still running after 5 s'), 5000))])).toEqual([0, null]);
  });
});
