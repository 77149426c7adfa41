#!/usr/bin/env node
// `npm test` after setup and the build: the type check and cfn-lint run beside jest, not before
// it, at the lowest CPU priority (nice 19), so that they use what jest leaves idle while its
// end-to-end files wait, and never slow a test that starts processes and has a time limit. Their output is held and shown after jest's,
// so that it does not interleave with jest's report; the run fails if any of the three fails.
// Arguments go to jest (`npm test -- test/cli`).
// Plain CommonJS with no dependencies, like setup.js.
'use strict';
const { spawn } = require('node:child_process');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');

/** Runs `npm run <script>` niced, with its output held; resolves to its exit code and output. */
function held(script) {
  return new Promise((resolve) => {
    const child = spawn('nice', ['-n', '19', 'npm', 'run', '--silent', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.stderr.on('data', (chunk) => chunks.push(chunk));
    child.on('close', (code, signal) => resolve({ script, code: code ?? signal, output: Buffer.concat(chunks).toString() }));
  });
}

function jest(args) {
  return new Promise((resolve) => {
    const child = spawn(join(ROOT, 'node_modules', '.bin', 'jest'), args, { cwd: ROOT, stdio: 'inherit' });
    child.on('close', (code, signal) => resolve(code ?? signal));
  });
}

async function main() {
  const checks = [held('typecheck'), held('lint:template')];
  const jestCode = await jest(process.argv.slice(2));
  let failed = jestCode !== 0;
  for (const { script, code, output } of await Promise.all(checks)) {
    if (code === 0) continue;
    failed = true;
    process.stderr.write(`\nnpm run ${script} failed (${code}):\n${output}`);
  }
  process.exitCode = failed ? 1 : 0;
}

main();
