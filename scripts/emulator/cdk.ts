// Runs the AWS CDK's toolkit against the emulator (scripts/cdk-deploy.ts, built to dist/), for the
// CDK construct's end-to-end test and demo.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../paths';
import type { LocalAws } from './local-stack';

export interface CdkRun {
  /** What the toolkit printed: its stack events, diffs and outputs. */
  output: string;
}

/** Runs the toolkit against the emulator, in a child process; rejects with its output if it fails. */
export async function runCdk(aws: Pick<LocalAws, 'emulator'>, args: string[]): Promise<CdkRun> {
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL: aws.emulator.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    // The toolkit sends CloudFormation a template's S3 address made with this endpoint, not the
    // one it uploads to (toolkit-lib, restUrlFromManifest), and moto reads the bucket from the
    // address's path only for an S3 host. No request goes to it: moto reads its own S3.
    AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION: 'https://s3.us-east-1.amazonaws.com',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(PROJECT_ROOT, 'dist', 'cdk-deploy.js'), ...args], { env, maxBuffer: 64 * 1024 * 1024 });
    return { output: `${stdout}${stderr}` };
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`cdk ${args[0]} failed:\n${stdout}${stderr}`, { cause: error });
  }
}

