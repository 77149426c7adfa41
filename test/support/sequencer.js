// jest runs the slowest test files first, by the durations its cache keeps from earlier runs, so
// that no worker is left alone with a long file at the end. A fresh clone at a new path has no
// cache, and jest then orders by file size, which puts the end-to-end files, the slowest, late:
// measured, jest took 141 s there against 117 to 121 s with its cache, and the whole `bash .ci/run`
// 180 s against 153 to 167 s. So a file with no cached duration takes the one measured for it
// here (seconds, as jest printed them in a run with three workers; any file over 5 s), or else
// 10 s for an end-to-end file and 1 s for another. Only the order depends on them.
const Sequencer = require('@jest/test-sequencer').default;
const { relative } = require('node:path');

const MEASURED_SECONDS = {
  'test/e2e/packed-install.e2e.test.ts': 50,
  'test/e2e/cdk.e2e.test.ts': 35,
  'test/e2e/rotation.e2e.test.ts': 45,
  'test/e2e/fleet.e2e.test.ts': 42,
  'test/e2e/emulator-timing.test.ts': 24,
  'test/iam-simulator.test.ts': 21,
  'test/e2e/key-gate.e2e.test.ts': 19,
  'test/e2e/stack-set.e2e.test.ts': 17,
  'test/e2e/emulator-cloudfront.test.ts': 16,
  'test/e2e/service-role.e2e.test.ts': 13,
  'test/cdk/rotating-origin-key.test.ts': 13,
  'test/e2e/emulator-processes.test.ts': 13,
  'test/e2e/existing-distribution.e2e.test.ts': 12,
  'test/e2e/runtime-node.e2e.test.ts': 8,
  'test/cli/built-cli.test.ts': 8,
  'test/e2e/emulator-engine.test.ts': 7,
  'test/cli/deploy.test.ts': 6,
  'test/service-role.test.ts': 5,
  'test/e2e/verifier.e2e.test.ts': 5,
  'test/cdk/readme-example.test.ts': 6,
  'test/inline-code.test.ts': 5,
};

module.exports = class SlowestFirst extends Sequencer {
  time(test) {
    const cached = super.time(test);
    if (cached !== undefined) return cached;
    const path = relative(test.context.config.rootDir, test.path).split('\\').join('/');
    return (MEASURED_SECONDS[path] ?? (path.startsWith('test/e2e/') ? 10 : 1)) * 1000;
  }
};
