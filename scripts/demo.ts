// `npm run demo`: the whole life of the stack on a local AWS emulator, as a walkthrough.
// Deploys the stack (with the demo API), shows the key and the header, runs a scheduled rotation
// exactly as EventBridge triggers it, shows that the new key works and the old one is refused,
// and checks health with `status`. Then the API is made to refuse new keys: the next rotation is
// stopped at the key gate and rolled back while clients keep calling through CloudFront, and
// none of their requests is refused. Only fingerprints of keys are shown, never a value.
// With --existing-distribution, the walkthrough of a stack on a team's own distribution instead
// (demo-existing-distribution.ts); with --cdk, of the README's CDK app (demo-cdk.ts).
import { GetApiKeyCommand } from '@aws-sdk/client-api-gateway';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SNSClient } from '@aws-sdk/client-sns';
import { createHandler } from '../lambda/handler';
import { createVerifier } from '../lambda/verifier';
import { clientRequestTokenFor } from '../lambda/timestamp';
import { main as cli } from './cli/main';
import { deploy } from './cli/deploy';
import { type Output, paint } from './cli/output';
import { stopOnInterrupt, walkthrough } from './walkthrough';
import { followStackOperation } from './cli/stack-events';
import { fingerprintOf } from '../lambda/origin-key';
import { collectStatus } from './cli/status';
import { emulatorClientConfig } from './emulator/launch';
import { type LocalAws, emulatorSleep, get, noticeQueue, stackGet, stackOutput, startLocalAws, steadyTraffic } from './emulator/local-stack';
import { deployTemplates, carriedTemplate } from './template';
import { scheduledEvent } from './cli/scheduled-rotation';
import { silenceSdkNodeNotice } from './cli/node-support';
import { cdkDemo } from './demo-cdk';
import { existingDistributionDemo } from './demo-existing-distribution';

// As the CLI does (scripts/cli.ts): on Node 20 and 21 the SDK would print its multi-line Node
// support notice when the first client is made, in the middle of this output.
silenceSdkNodeNotice();

const STACK = 'demo-edge-api';
const DAY_MS = 86_400_000;
const GATE_SECONDS = 5;

async function keyValue(aws: LocalAws, keyId: string): Promise<string> {
  return (await aws.apigateway.send(new GetApiKeyCommand({ apiKey: keyId, includeValue: true }))).value ?? '';
}

async function showRequests(aws: LocalAws, output: Output, oldKey?: string): Promise<void> {
  const edge = await aws.cloudFrontFor(STACK);
  const stageUrl = new URL(await stackOutput(aws.cloudformation, STACK, 'ApiStageURL'));
  const direct = (headers: Record<string, string>) => get(`${aws.apiStage.url}${stageUrl.pathname}/pets`, { host: stageUrl.host, ...headers });
  const show = (label: string, { status, body }: { status: number; body: string }, expected: number) =>
    output.line(`  ${label.padEnd(52)} ${paint(output, status === expected ? 'green' : 'red', String(status))}  ${body}`);

  show('GET /pets through "CloudFront"', await get(`${edge.url}/pets`), 200);
  show('GET /prod/pets straight to the API stage, no key', await direct({}), 403);
  show('… with a key a viewer made up', await direct({ 'x-api-key': 'a'.repeat(40) }), 403);
  if (oldKey !== undefined) show('… with the previous key (now deleted)', await direct({ 'x-api-key': oldKey }), 403);
}

async function showState(aws: LocalAws, output: Output): Promise<void> {
  const report = await collectStatus(STACK, { ...aws, ...carriedTemplate(), now: () => new Date() });
  const key = report.activeKey!;
  output.line(`  Active key    ${key.name} (ID ${key.id}), value fingerprint ${report.fingerprints.key}`);
  output.line(`  CloudFront    sends x-api-key with fingerprint ${report.fingerprints.header}: ${report.fingerprints.match ? 'the active key' : 'NOT the active key'}`);
  output.line(`  Usage plan    ${report.usagePlanKeys.map((k) => `${k.name} (ID ${k.id})`).join(', ')}`);
  output.line(`  Secret        ${await stackOutput(aws.cloudformation, STACK, 'ApiKeySecretArn')}`);
}

async function demo(): Promise<void> {
  const { output, step } = walkthrough();
  const started = Date.now();

  step('1. Start a local AWS emulator (moto, with this project\'s extension) on 127.0.0.1');
  const aws = await startLocalAws();
  stopOnInterrupt(aws);
  try {
    output.line(`  emulator at ${aws.emulator.endpoint}; "API stage" and "CloudFront" stand-ins at ${aws.apiStage.url} and on demand`);

    step(`2. Deploy stack ${STACK} with the CLI's deploy (no --api-url, so it creates the demo API)`);
    output.line(`  --key-gate-seconds ${GATE_SECONDS}: the key gate waits ${GATE_SECONDS} s (not the default 300) for the API to accept a new key, so step 8 is quick`);
    const deployedAt = new Date();
    await deploy(
      { stackName: STACK, parameters: { KeyGateTimeoutSeconds: String(GATE_SECONDS) }, rotate: false, testRotation: false },
      { ...aws, ...deployTemplates(), now: () => deployedAt, sleep: emulatorSleep, output },
    );

    step('3. The API key, and what CloudFront sends (SHA-256 fingerprints: first 8 hex digits)');
    await showState(aws, output);
    const firstKeyId = await stackOutput(aws.cloudformation, STACK, 'ApiKeyId');
    const topicArn = await stackOutput(aws.cloudformation, STACK, 'NotificationTopicArn');
    const notices = await noticeQueue(aws, topicArn, `${STACK}-notices`);
    const firstKey = await keyValue(aws, firstKeyId);
    await showRequests(aws, output);

    step('4. A day later EventBridge fires the schedule: invoke the rotation handler with its event');
    const time = new Date(Math.floor((deployedAt.getTime() + DAY_MS) / 1000) * 1000);
    const event = scheduledEvent('123456789012', 'us-east-1', `arn:aws:events:us-east-1:123456789012:rule/${STACK}-RotationSchedule`, time);
    output.line(`  event: ${JSON.stringify(event)}`);
    // The demo's days pass in seconds: the function's clock is the day each schedule event is for.
    let today = time;
    const handler = createHandler({ cloudformation: aws.cloudformation, stackName: STACK, log: (record) => output.line(`  Lambda log: ${JSON.stringify(record)}`), now: () => today });
    const outcome = await handler(event);
    output.line('  The stack events of that update: new secret, key and usage-plan key first, the key gate, then the header, then cleanup:');
    await followStackOperation({
      cloudformation: aws.cloudformation, stackName: STACK, clientRequestToken: clientRequestTokenFor(outcome.timestamp),
      since: deployedAt, sleep: emulatorSleep, output,
    });

    step('5. After the rotation');
    await showState(aws, output);
    const gone = await aws.apigateway.send(new GetApiKeyCommand({ apiKey: firstKeyId })).then(() => 'still there', (error: Error) => `gone (${error.name})`);
    output.line(`  Old key       ${firstKeyId}: ${gone}; its value had fingerprint ${fingerprintOf(firstKey)}`);
    await showRequests(aws, output, firstKey);

    step('6. CloudFormation reports UPDATE_COMPLETE; EventBridge delivers it to the verifier');
    const { Stacks } = await aws.cloudformation.send(new DescribeStacksCommand({ StackName: STACK }));
    const verify = createVerifier({
      ...aws, sns: new SNSClient(emulatorClientConfig(aws.emulator.endpoint)), get: await stackGet(aws, STACK), healthCheckPath: '/pets',
      stackName: STACK, topicArn, now: () => new Date(), write: (line) => output.line(`  metrics (EMF): ${line}`),
    });
    const verdict = await verify({
      'detail-type': 'CloudFormation Stack Status Change',
      detail: { 'stack-id': Stacks![0].StackId, 'client-request-token': clientRequestTokenFor(outcome.timestamp), 'status-details': { status: 'UPDATE_COMPLETE' } },
    });
    output.line(`  verifier: ${verdict}; the notice on the topic (here read from an SQS queue subscribed like an email address):`);
    for (const notice of await notices()) output.line(`  Subject: ${notice.Subject}\n  ${notice.Message.replace(/\n/g, '\n  ')}`);

    step(`7. The operator's health check: cloudfront-api-key-rotation status --stack-name ${STACK}`);
    const exitCode = await cli(['status', '--stack-name', STACK], { output, clients: () => aws, now: () => new Date(), sleep: emulatorSleep });
    output.line(`(exit code ${exitCode})`);
    if (exitCode !== 0) process.exitCode = exitCode;

    step('8. The API stops accepting new keys (say, the usage plan was bound to another stage); the next day\'s rotation');
    await aws.apiStage.refuse({ newKeys: {} });
    const before = await collectStatus(STACK, { ...aws, ...carriedTemplate(), now: () => new Date() });
    output.line('  Clients call GET /pets through "CloudFront" without pause during the whole rotation and its rollback.');
    const traffic = await steadyTraffic(aws, STACK);
    today = new Date(time.getTime() + DAY_MS);
    const refusedOutcome = await handler({ ...event, time: today.toISOString().replace('.000Z', 'Z') });
    await followStackOperation({
      cloudformation: aws.cloudformation, stackName: STACK, clientRequestToken: clientRequestTokenFor(refusedOutcome.timestamp),
      since: deployedAt, sleep: emulatorSleep, output,
    });
    const { sent, refused } = await traffic.stop();
    const after = await collectStatus(STACK, { ...aws, ...carriedTemplate(), now: () => new Date() });
    const kept = after.activeKey?.id === before.activeKey?.id && after.fingerprints.header === before.fingerprints.header;
    output.line(`  Stack status  ${after.status}`);
    output.line(`  Active key    ${after.activeKey?.name} (ID ${after.activeKey?.id}): ${kept ? 'the same key, and CloudFront still sends it' : 'CHANGED'}`);
    output.line(`  Usage plan    ${after.usagePlanKeys.map((k) => `${k.name} (ID ${k.id})`).join(', ')}`);
    output.line(`  Requests through "CloudFront" during the rotation: ${sent} sent, ${paint(output, refused === 0 ? 'green' : 'red', `${refused} refused`)}`);
    if (after.status !== 'UPDATE_ROLLBACK_COMPLETE' || !kept || refused !== 0) process.exitCode = 1;
  } finally {
    await aws.stop();
  }
  output.line(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s; the emulator and the stand-ins are stopped.`);
}

const chosen = process.argv.includes('--cdk') ? cdkDemo : process.argv.includes('--existing-distribution') ? existingDistributionDemo : demo;
chosen().catch((error: Error) => {
  console.error(`demo failed: ${error.stack ?? error.message}`);
  process.exitCode = 1;
});
