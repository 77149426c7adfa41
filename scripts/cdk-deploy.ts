// `cdk bootstrap` and `cdk deploy` on the local emulator, by the AWS CDK's own toolkit
// (@aws-cdk/toolkit-lib, the library the CDK CLI is made of), not by a copy of what they do: the
// app run as the CLI runs it (CDK_OUTDIR, CDK_CONTEXT_JSON, CDK_DEFAULT_ACCOUNT), change sets, the
// bootstrap roles, the previous values of parameters not given. A child process of its own
// (emulator/cdk.ts): the toolkit's AWS SDK clients take the emulator's address from the
// environment only (AWS_ENDPOINT_URL), which a test or the demo must not set for itself.
//   node dist/cdk-deploy.js bootstrap <account> <region>
//   node dist/cdk-deploy.js deploy <outdir> <app command> [<context as JSON>]
import { BootstrapEnvironments, MemoryContext, StackParameters, StackSelectionStrategy, Toolkit } from '@aws-cdk/toolkit-lib';
import { PROJECT_ROOT } from './paths';

async function main([command, ...args]: string[]): Promise<void> {
  const toolkit = new Toolkit();
  if (command === 'bootstrap') {
    const [account, region] = args;
    await toolkit.bootstrap(BootstrapEnvironments.fromList([`aws://${account}/${region}`]), {});
    return;
  }
  const [outdir, app, context = '{}'] = args;
  const assembly = await toolkit.fromCdkApp(app, { workingDirectory: PROJECT_ROOT, outdir, contextStore: new MemoryContext(JSON.parse(context)) });
  // Previous values for the parameters not given, as `cdk deploy` keeps them by default (the CLI's
  // --previous-parameters, "default: true"). toolkit-lib's own deploy does not: without
  // `parameters` it sends none, and each takes its default (toolkit.js, usePreviousParameters:
  // options.parameters?.keepExistingParameters); for the key's stack, the first Timestamp.
  // The emulator's operations take milliseconds: polled every 2 s by default, a deploy of three
  // stacks spent most of its time waiting.
  await toolkit.deploy(assembly, { stacks: { strategy: StackSelectionStrategy.ALL_STACKS }, parameters: StackParameters.onlyExisting(), stackEventPollingInterval: 100 });
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error);
  process.exitCode = 1;
});
