// `npm run emulator`: the local AWS of the demo and the tests, left running for the CLI to use by
// hand (the README's "Trying a fleet locally"). Prints the environment that points the CLI at it;
// Ctrl-C stops it and everything it started. Should the emulator die (killed, out of memory), the
// launcher says so and this exits with code 1, rather than leaving the CLI to meet ECONNREFUSED.
// With --team-distribution, it also makes an API stage and a distribution in front of it outside
// any stack, to try `deploy --distribution-id` on (the README's "An existing distribution").
import { silenceSdkNodeNotice } from './cli/node-support';
import { startLocalAws } from './emulator/local-stack';
import { createTeamDistribution } from './emulator/team-distribution';

async function main(): Promise<void> {
  const aws = await startLocalAws();
  const { endpoint } = aws.emulator;
  console.log(`Local AWS emulator at ${endpoint}: moto with this project's extension, on 127.0.0.1 only.`);
  console.log('In another terminal, point the CLI at it:');
  console.log(`  export AWS_ENDPOINT_URL=${endpoint} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1`);
  console.log(`Its log (the functions' output, any error of the emulator's): ${aws.emulator.logFile}`);
  if (process.argv.includes('--team-distribution')) {
    const { apiUrl, distributionId } = await createTeamDistribution(aws);
    console.log(`A team's API stage and distribution (a site, a partner origin and the API), made outside any stack:`);
    console.log(`  --api-url ${apiUrl} --distribution-id ${distributionId}`);
  }
  console.log('Ctrl-C stops it; nothing it holds is kept.');
  const died = await new Promise<boolean>((resolve) => {
    process.once('SIGINT', () => resolve(false));
    process.once('SIGTERM', () => resolve(false));
    void aws.emulator.unexpectedExit.then(() => resolve(true));
  });
  await aws.stop();
  if (died) process.exitCode = 1;
}

silenceSdkNodeNotice();
main().catch((error: Error) => {
  console.error(`emulator failed: ${error.message}`);
  process.exitCode = 1;
});
