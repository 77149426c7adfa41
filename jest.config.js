// The locked AWS SDK supports the local Node 20; its warning is about SDK releases after
// January 2027, which will need Node 22 (the Lambda runs Node 24). Silenced for test output only.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// Tests never look for credentials on an EC2 metadata endpoint: no traffic leaves this machine.
process.env.AWS_EC2_METADATA_DISABLED = 'true';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // One worker per core, not jest's default of one fewer: the end-to-end files spend most of
  // their time waiting on their own emulator process, so two share the 2-core machine well.
  maxWorkers: '100%',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '\\.ts$': '<rootDir>/test/support/esbuild-transform.js' },
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
