// `npm run demo -- --existing-distribution`: a stack on a distribution the team already runs, on
// the local emulator, through the CLI commands a user types. The team's API and distribution (a
// site, a partner origin with an x-api-key of its own, and the API) are made outside any stack;
// the stack adopts the distribution, rotates its key under traffic, is refused safely when the API
// stops accepting new keys, and releases the distribution on delete. After each step the
// distribution's whole configuration is compared with the team's: only the API origin's x-api-key
// header may differ. Only fingerprints of keys are shown, never a value.
import { type DistributionConfig, GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
import { withOriginHeader } from '../lambda/origin-header';
import { fingerprintOf, originKeyOf } from '../lambda/origin-key';
import { main as cli } from './cli/main';
import { stopOnInterrupt, walkthrough } from './walkthrough';
import { collectStatus } from './cli/status';
import { type LocalAws, emulatorSleep, get, startLocalAws, steadyTraffic } from './emulator/local-stack';
import { createTeamDistribution } from './emulator/team-distribution';
import { carriedTemplate } from './template';

const STACK = 'team-edge';
const GATE_SECONDS = 5;

export async function existingDistributionDemo(): Promise<void> {
  const { output, step, verdict } = walkthrough();
  const started = Date.now();

  step("1. Start a local AWS emulator and make the team's API and distribution, outside any stack");
  const aws: LocalAws = await startLocalAws();
  stopOnInterrupt(aws);
  try {
    const { apiUrl, distributionId } = await createTeamDistribution(aws);
    const apiDomain = apiUrl.split('/')[0];
    const configNow = async () => (await aws.cloudfront.send(new GetDistributionConfigCommand({ Id: distributionId }))).DistributionConfig!;
    const team = await configNow();
    output.line(`  API stage     ${apiUrl} (GET /pets requires an API key)`);
    output.line(`  Distribution  ${distributionId}: ${team.Origins!.Items!.map((o) => `${o.Id} (${o.DomainName})`).join(', ')}`);
    output.line(`                behaviours: default -> api, ${team.CacheBehaviors!.Items!.map((b) => `${b.PathPattern} -> ${b.TargetOriginId}`).join(', ')}`);

    const run = async (argv: string[]) => {
      output.line(`\n  $ cloudfront-api-key-rotation ${argv.join(' ')}`);
      const code = await cli(argv, { output, clients: () => aws, now: () => new Date(), sleep: emulatorSleep });
      output.line(`  (exit code ${code})`);
      return code;
    };
    const header = async () => originKeyOf(await configNow(), `https://${apiUrl}`);
    // What the stack must leave as the team made it: everything but the API origins' x-api-key.
    const withoutKey = (config: DistributionConfig) => JSON.stringify(withOriginHeader(config, apiDomain, undefined).config);
    const untouched = async () => withoutKey(await configNow()) === withoutKey(team);
    const partnerKept = async () => (await configNow()).Origins!.Items!.find((o) => o.Id === 'partner')!.CustomHeaders!.Items![0].HeaderValue === 'the-partners-own-key';
    const activeKeyFingerprint = async () => (await collectStatus(STACK, { ...aws, ...carriedTemplate(), now: () => new Date() })).fingerprints.key;

    step(`2. Adopt it: deploy with --api-url and --distribution-id (and a ${GATE_SECONDS} s key gate, so step 4 is quick)`);
    await run(['deploy', '--stack-name', STACK, '--api-url', apiUrl, '--distribution-id', distributionId, '--key-gate-seconds', String(GATE_SECONDS)]);
    const adopted = await header();
    verdict(adopted !== undefined && fingerprintOf(adopted) === (await activeKeyFingerprint()), `the API origin sends the stack's key (fingerprint ${adopted === undefined ? 'none' : fingerprintOf(adopted)})`);
    verdict(await untouched(), 'nothing else of the distribution changed (the whole configuration compared)');
    verdict(await partnerKept(), "the partner origin's own x-api-key is as it was");
    const edge = await aws.cloudFrontFor(STACK);
    verdict((await get(`${edge.url}/pets`)).status === 200, 'GET /pets through "CloudFront" answers 200');
    await run(['status', '--stack-name', STACK]);

    step('3. Rotate by hand while clients call the API through "CloudFront"');
    let traffic = await steadyTraffic(aws, STACK);
    await run(['rotate', '--stack-name', STACK]);
    let count = await traffic.stop();
    const rotated = await header();
    verdict(rotated !== adopted && fingerprintOf(rotated ?? '') === (await activeKeyFingerprint()), `the header moved to the new key (fingerprint ${fingerprintOf(rotated ?? '')})`);
    verdict(count.refused === 0, `requests through "CloudFront" during the rotation: ${count.sent} sent, ${count.refused} refused`);
    verdict(await untouched(), 'nothing else of the distribution changed');

    step('4. The API stops accepting new keys (say, the usage plan was bound to another stage); rotate again');
    await aws.apiStage.refuse({ newKeys: {} });
    traffic = await steadyTraffic(aws, STACK);
    await run(['rotate', '--stack-name', STACK]);
    count = await traffic.stop();
    await aws.apiStage.refuse(undefined);
    verdict((await header()) === rotated, 'the key gate stopped it and the stack rolled back: the header is still the previous key');
    verdict(count.refused === 0, `requests through "CloudFront" meanwhile: ${count.sent} sent, ${count.refused} refused`);

    step('5. Release it: delete the stack');
    await run(['delete', '--stack-name', STACK]);
    verdict((await header()) === undefined, 'the header the stack set is gone');
    verdict(JSON.stringify(await configNow()) === JSON.stringify(team), "the distribution is exactly the team's again");
  } finally {
    await aws.stop();
  }
  output.line(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s; the emulator and the stand-ins are stopped.`);
}
