// scripts/emulator/function-runner.js on its own: the process that runs one invocation of a
// function's code ends once the outcome is written, as Lambda's runtime does not wait for the
// event loop to empty after an async handler. Each one that lingered held memory until
// functions.py's timeout (the function's, up to 900 s).
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../scripts/paths';
import { node24 } from '../../scripts/node24';

jest.setTimeout(30_000);

const RUNNER = join(PROJECT_ROOT, 'scripts', 'emulator', 'function-runner.js');

/** Runs `code` as index.js with `event`; the runner is killed if it has not ended 5 s after its outcome. */
function run(code: string, event: object = {}) {
  const directory = mkdtempSync(join(tmpdir(), 'runner-'));
  writeFileSync(join(directory, 'index.js'), code);
  const child = spawn(node24(), [RUNNER, directory, 'handler', '900000']);
  let stdout = '';
  let stderr = '';
  // When the result (a JSON object on its own line) or the error was written.
  let outcomeAt = 0;
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    if (!outcomeAt && stdout.includes('\n{')) outcomeAt = Date.now();
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    if (!outcomeAt && stderr.includes('{"errorType"')) outcomeAt = Date.now();
  });
  child.stdin.end(JSON.stringify(event));
  const timer = setInterval(() => {
    if (outcomeAt && Date.now() - outcomeAt > 5000) child.kill('SIGKILL');
  }, 100);
  return new Promise<{ code: number | null; stdout: string; stderr: string; msAfterOutcome: number }>((resolve) =>
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ code, stdout, stderr, msAfterOutcome: Date.now() - outcomeAt });
    }),
  );
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

describe('the function runner', () => {
  it("ends once the handler's result is written, whatever the handler left open, with everything it logged", async () => {
    const { code, stdout, stderr, msAfterOutcome } = await run(
      `${LEFT_OPEN}
      exports.handler = async (event) => {
        await open();
        setInterval(() => undefined, 1000);
        console.error('log '.repeat(100000));
        console.log('the last log line');
        return { answer: event.question * 2 };
      };`,
      { question: 21 },
    );

    expect(code).toBe(0);
    expect(stdout).toBe('the last log line\n\n{"answer":42}\n');
    expect(stderr).toHaveLength('log '.repeat(100000).length + 1);
    expect(msAfterOutcome).toBeLessThan(1000);
  });

  it("ends once the handler's error is written, whatever the handler left open", async () => {
    const { code, stderr, msAfterOutcome } = await run(`${LEFT_OPEN}
      exports.handler = async () => {
        await open();
        setInterval(() => undefined, 1000);
        throw new TypeError('no such key');
      };`);

    expect(code).toBe(1);
    expect(stderr.trim().split('\n').pop()).toBe('{"errorType":"TypeError","errorMessage":"no such key"}');
    expect(msAfterOutcome).toBeLessThan(1000);
  });
});
