import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

// The built command (`npm test` builds dist/ before Jest runs) in a process of its own, as a user
// runs it: what it writes on stderr is its own, and Node's errors are plain Node errors (under
// Jest they come from another realm, and the SDK's retries wrap them).
const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');
// Without the SDK's switch that the test run sets (jest.config.js): the CLI must set it itself.
const { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _set, AWS_PROFILE: _profile, ...env } = process.env;

function runBuilt(args: string[], endpoint: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], {
      env: { ...env, AWS_ENDPOINT_URL: endpoint, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', NO_COLOR: '1' },
    }, (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }));
  });
}

describe('the built command', () => {
  it('prints only its own error line when AWS cannot be reached: no SDK notice before it', async () => {
    const { code, stdout, stderr } = await runBuilt(['status', '--stack-name', 'edge-api'], 'http://127.0.0.1:9'); // nothing listens on 9

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('error: Could not reach AWS (ECONNREFUSED). Check the network and --region, or AWS_ENDPOINT_URL if you set one.\n');
  });

  it('prints its help on stdout and nothing on stderr', async () => {
    const { code, stdout, stderr } = await runBuilt(['--help'], 'http://127.0.0.1:9');

    expect(code).toBe(0);
    expect(stdout).toMatch(/^cloudfront-api-key-rotation: deploy, rotate and check/);
    expect(stdout).not.toContain('NodeVersionSupportWarning');
    expect(stderr).toBe('');
  });

  it('reports a connection cut in the middle of an answer as a network failure, not as an answer from elsewhere', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.write('<DescribeStacksResponse><DescribeStacksResult>', () => response.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

    try {
      const { code, stderr } = await runBuilt(['status', '--stack-name', 'edge-api'], `http://127.0.0.1:${(server.address() as AddressInfo).port}`);

      expect(code).toBe(1);
      expect(stderr).toBe('error: Could not reach AWS (ECONNRESET). Check the network and --region, or AWS_ENDPOINT_URL if you set one.\n');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
