// Bundles the Lambda functions and writes each into the deployable template as inline `ZipFile`
// code, so the template is one self-contained file: no S3 bucket, no packaging step.
//   npm run build           rebuild and write the template
// test/inline-code.test.ts fails when the template's code differs from what the source builds to.
import { build } from 'esbuild';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPLATE_PATH, readTemplate } from './template';

export const FUNCTIONS = [
  { logicalId: 'RotationFunction', entry: join(__dirname, '..', 'lambda', 'index.ts') },
  { logicalId: 'VerifierFunction', entry: join(__dirname, '..', 'lambda', 'verifier-index.ts') },
  { logicalId: 'KeyGateFunction', entry: join(__dirname, '..', 'lambda', 'key-gate-index.ts') },
  { logicalId: 'OriginHeaderFunction', entry: join(__dirname, '..', 'lambda', 'origin-header-index.ts') },
];

// No limit on each function's size: CloudFormation dropped the 4,096-character limit on inline
// code in 2022 (AWS::Lambda::Function's resource schema bounds ZipFile only by the deployment
// package; aws/aws-cdk#20624). What binds is the template body, 51,200 bytes, which
// test/deployable-template.test.ts checks on the template as deploy sends it.

export class ZipFileNotFoundError extends Error {
  override name = 'ZipFileNotFoundError';
  constructor(readonly logicalId: string) {
    super(`The template has no "ZipFile: |" block under the resource ${logicalId}.`);
  }
}

/** The handler as the Lambda runtime loads inline code: CommonJS `index.js`, SDK v3 from the runtime. */
export async function bundleFunction(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    // The runtime is nodejs24.x; node20 keeps the same code runnable on the local Node.
    target: 'node20',
    minify: true,
    legalComments: 'none',
    external: ['@aws-sdk/*'],
    logLevel: 'silent',
  });
  return `${result.outputFiles[0].text.trimEnd()}\n`;
}

/** Replaces the literal block under `<logicalId>: … ZipFile: |` with `code`, leaving the rest as written. */
export function withInlineCode(template: string, logicalId: string, code: string): string {
  const lines = template.split('\n');
  const resource = lines.indexOf(`  ${logicalId}:`);
  const zipFile = lines.findIndex((line, i) => i > resource && /^\s+ZipFile: \|$/.test(line));
  if (resource < 0 || zipFile < 0) throw new ZipFileNotFoundError(logicalId);
  const indent = `${lines[zipFile].match(/^\s*/)![0]}  `;
  let end = zipFile + 1;
  while (end < lines.length && (lines[end].startsWith(indent) || lines[end].trim() === '')) end += 1;
  // Keep the blank lines that separate the block from what follows.
  while (end > zipFile + 1 && lines[end - 1].trim() === '') end -= 1;
  const block = code.trimEnd().split('\n').map((line) => indent + line);
  return [...lines.slice(0, zipFile + 1), ...block, ...lines.slice(end)].join('\n');
}

export async function buildTemplate(template: string): Promise<{ template: string; sizes: Record<string, number> }> {
  const sizes: Record<string, number> = {};
  for (const { logicalId, entry } of FUNCTIONS) {
    const code = await bundleFunction(entry);
    template = withInlineCode(template, logicalId, code);
    sizes[logicalId] = code.length;
  }
  return { template, sizes };
}

async function main(): Promise<void> {
  const before = readTemplate();
  const { template, sizes } = await buildTemplate(before);
  if (template !== before) writeFileSync(TEMPLATE_PATH, template);
  for (const [logicalId, size] of Object.entries(sizes)) console.log(`${logicalId}: ${size} characters inline`);
  console.log(template === before ? 'The template was already up to date.' : `Wrote ${TEMPLATE_PATH}.`);
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  });
}
