import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  INLINE_CODE_LIMIT,
  InlineCodeTooLargeError,
  FUNCTIONS,
  ZipFileNotFoundError,
  bundleFunction,
  checkInlineSize,
  withInlineCode,
} from '../scripts/build-lambda';
import { NODE24 } from '../scripts/node24';
import { parseTemplate, readTemplate } from '../scripts/template';

const deployed = readTemplate();
const inlineCode = (template: string, logicalId = 'RotationFunction'): string =>
  parseTemplate(template).Resources[logicalId].Properties.Code.ZipFile;

describe.each(FUNCTIONS)('the deployable template\'s $logicalId', ({ logicalId, entry }) => {
  let built: string;
  beforeAll(async () => {
    built = await bundleFunction(entry);
  });

  it('holds exactly what the current source builds to (run `npm run build` after changing lambda/)', () => {
    expect(inlineCode(deployed, logicalId)).toBe(built);
  });

  it(`keeps its inline code under ${INLINE_CODE_LIMIT} characters`, () => {
    expect(inlineCode(deployed, logicalId).length).toBeLessThanOrEqual(INLINE_CODE_LIMIT);
  });
});

describe.each([
  ["the machine's Node", process.execPath, process.version],
  ['Node 24, the Lambda runtime\'s major version', NODE24, 'v24.'],
])("the deployable template's rotation code on %s", (_name, node, version) => {
  it('loads as CommonJS index.js, with a handler that logs JSON', () => {
    const directory = join(__dirname, '..', 'dist', `inline-code-test-${basename(dirname(dirname(node)))}`);
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, 'index.js'), inlineCode(deployed));
    const script = 'console.log(process.version); require("./index.js").handler({}).then(() => console.log("resolved"), (e) => console.log(e.name))';

    const output = execFileSync(node, ['-e', script], {
      cwd: directory,
      encoding: 'utf8',
      env: { ...process.env, STACK_NAME: 'edge-api', AWS_REGION: 'eu-west-1', NODE_PATH: join(__dirname, '..', 'node_modules') },
    });

    const [runningVersion, logLine, outcome] = output.trim().split('\n');
    expect(runningVersion.startsWith(version)).toBe(true);
    expect(JSON.parse(logLine)).toMatchObject({ stack: 'edge-api', result: 'failed', error: 'InvalidEventError' });
    expect(outcome).toBe('InvalidEventError');
  });
});

describe('withInlineCode', () => {
  const template = [
    'Resources:',
    '  Other:',
    '    Properties:',
    '      Code:',
    '        ZipFile: |',
    '          other code',
    '  RotationFunction:',
    '    Properties:',
    '      Code:',
    '        ZipFile: |',
    '          old line 1',
    '          old line 2',
    '',
    '  Next:',
    '    Type: X',
  ].join('\n');

  it("replaces only the named function's block and keeps what follows", () => {
    const result = withInlineCode(template, 'RotationFunction', 'new();\n');

    expect(result).toBe(template.replace('          old line 1\n          old line 2', '          new();'));
    expect(inlineCode(result)).toBe('new();\n');
    expect(parseTemplate(result).Resources.Other.Properties.Code.ZipFile).toBe('other code\n');
  });

  it('says which resource has no ZipFile block', () => {
    expect(() => withInlineCode(template, 'Missing', 'x')).toThrow(ZipFileNotFoundError);
    expect(() => withInlineCode(template, 'Missing', 'x')).toThrow('Missing');
  });
});

describe('checkInlineSize', () => {
  it.each([
    [INLINE_CODE_LIMIT, false],
    [INLINE_CODE_LIMIT + 1, true],
  ])('for %i characters fails: %s', (size, fails) => {
    const check = () => checkInlineSize('RotationFunction', 'x'.repeat(size));

    if (fails) expect(check).toThrow(InlineCodeTooLargeError);
    else expect(check).not.toThrow();
  });
});
