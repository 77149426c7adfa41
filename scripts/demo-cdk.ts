// `npm run demo:cdk` (`npm run demo -- --cdk`): the README's CDK app on the local emulator,
// bootstrapped and deployed by the CDK's own toolkit (scripts/cdk-deploy.ts), rotated by its
// function as the schedule does it and then by the CLI, and deployed again, keeping the rotated
// key. Only fingerprints of keys are shown, never a value.
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { join } from 'node:path';
import { parameterOf } from '../lambda/rotation';
import { main as cli } from './cli/main';
import { paint } from './cli/output';
import { stopOnInterrupt, walkthrough } from './walkthrough';
import { runScheduledRotation } from './cli/scheduled-rotation';
import { collectStatus } from './cli/status';
import { runCdk } from './emulator/cdk';
import { type LocalAws, emulatorSleep, startLocalAws } from './emulator/local-stack';
import { PROJECT_ROOT } from './paths';
import { carriedTemplate } from './template';

const STACK = 'shop-edge';
const APP = `node ${join(PROJECT_ROOT, 'dist', 'cdk-example.js')}`;

export async function cdkDemo(): Promise<void> {
  const { output, step, verdict } = walkthrough();
  const started = Date.now();

  step('1. Start a local AWS emulator and bootstrap it with the CDK toolkit (cdk bootstrap)');
  const aws: LocalAws = await startLocalAws();
  stopOnInterrupt(aws);
  try {
    await runCdk(aws, ['bootstrap', '123456789012', 'us-east-1']);
    const stack = async () => (await aws.cloudformation.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks![0];
    const key = async () => {
      const { timestamp, fingerprints, healthy } = await collectStatus(STACK, { ...aws, ...carriedTemplate(), now: () => new Date() });
      const { RoleARN } = await stack();
      output.line(`  Timestamp ${timestamp}, key ${fingerprints.key}, header ${fingerprints.header}, ${healthy ? 'healthy' : 'NOT healthy'}; the stack's role: ${RoleARN?.split('/').pop()}`);
      return { timestamp, key: fingerprints.key, matches: fingerprints.match };
    };
    const deploy = async () => {
      output.line(`\n  $ cdk deploy --all   (the README's example, scripts/cdk-example.ts)`);
      const { output: printed } = await runCdk(aws, ['deploy', join(PROJECT_ROOT, 'dist', 'cdk-demo.out'), APP]);
      output.line(printed.split('\n').filter((line) => line.includes('✅')).map((line) => `  ${line.trim()}`).join('\n'));
    };

    step('2. Deploy the app: the service role stack, the key stack, and the app\'s operations stack');
    await deploy();
    const created = await key();
    verdict(created.matches, 'CloudFront sends the active key');

    step('3. A scheduled rotation: the rotation function, invoked as EventBridge invokes it (as deploy tests it)');
    await runScheduledRotation(await stack(), { ...aws, now: () => new Date(), sleep: emulatorSleep, output });
    const rotated = await key();
    verdict(rotated.key !== created.key && rotated.matches, 'a new key, and CloudFront sends it');
    verdict((await stack()).RoleARN?.endsWith('/shop-edge-cfn') === true, "the rotation ran as the stack's service role, not as the CDK's bootstrap role");

    step('4. cdk deploy again: the app unchanged');
    await deploy();
    const redeployed = await key();
    verdict(redeployed.timestamp === rotated.timestamp && redeployed.key === rotated.key, 'the rotated key and its Timestamp are kept: cdk deploy keeps the previous value of Timestamp');

    step('5. Rotate by hand with the CLI, as on any stack of the template');
    output.line(`\n  $ cloudfront-api-key-rotation rotate --stack-name ${STACK}`);
    const code = await cli(['rotate', '--stack-name', STACK], { output, clients: () => aws, now: () => new Date(), sleep: emulatorSleep });
    const byHand = await key();
    verdict(code === 0 && byHand.key !== rotated.key && byHand.matches && parameterOf(await stack(), 'Timestamp') === byHand.timestamp, 'a new key, and CloudFront sends it');

    output.line(`\n${paint(output, 'bold', `Done in ${Math.round((Date.now() - started) / 1000)} s.`)}`);
  } finally {
    await aws.stop();
  }
}
