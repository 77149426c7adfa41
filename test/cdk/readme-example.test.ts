// The README's CDK example is scripts/cdk-example.ts, word for word but for the import, and it
// synthesizes as the CDK CLI runs an app: the built example, with CDK_OUTDIR, CDK_CONTEXT_JSON and
// CDK_DEFAULT_ACCOUNT set (npm test builds it; npm run lint:template lints what it synthesizes).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../scripts/paths';

const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
const example = readFileSync(join(PROJECT_ROOT, 'scripts', 'cdk-example.ts'), 'utf8');
const API_URL = 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod';

/**
 * The example synthesized with `context`, with the CDK's own template validation (CDK_VALIDATION,
 * off for the other tests: jest.config.js): its stacks' templates, and what it printed.
 */
function synthesize(context: Record<string, string>, validation = 'true') {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-example-'));
  try {
    const { stderr } = spawnSync(process.execPath, [join(PROJECT_ROOT, 'dist', 'cdk-example.js')], {
      env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_DEFAULT_ACCOUNT: '123456789012', CDK_VALIDATION: validation },
      encoding: 'utf8',
    });
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    const stacks = Object.entries<any>(manifest.artifacts).filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack');
    const templates = Object.fromEntries(stacks.map(([id, artifact]) => [artifact.properties.stackName ?? id, JSON.parse(readFileSync(join(outdir, artifact.properties.templateFile), 'utf8'))]));
    return { templates, printed: stderr };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe("the README's CDK example", () => {
  it('is scripts/cdk-example.ts, importing the package', () => {
    const block = /```ts\n([\s\S]*?new RotatingOriginKey\([\s\S]*?)```/.exec(readme)?.[1];

    expect(block).toBe(example.replace("from './cdk';", "from 'cloudfront-api-key-rotation/cdk';"));
  });

  it('synthesizes the service role stack, the key stack and the operations stack, with an API stage given as context, and the CDK finds nothing to warn of', () => {
    const { templates, printed } = synthesize({ apiUrl: API_URL });

    expect(Object.keys(templates).sort()).toEqual(['ShopOperations', 'shop-edge', 'shop-edge-service-role']);
    expect(templates['shop-edge'].Outputs.ApiStageURL.Value).toBe(`https://${API_URL}`);
    expect(printed).toBe('');
  });

  it('makes the demo API without one', () => {
    const { templates } = synthesize({}, 'false');

    expect(templates['shop-edge'].Outputs.ApiStageURL.Value).toEqual({ 'Fn::Sub': 'https://${DemoApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${DemoStage}' });
  });
});
