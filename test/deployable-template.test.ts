import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPLATE_LIMITS, type TemplatePassing } from '../scripts/cli/template-limits';
import { SERVICE_ROLE_TEMPLATE_PATH, TEMPLATE_PATH, compactTemplate, deployTemplates, parseTemplate, readTemplate } from '../scripts/template';

/** The headroom the release keeps under the limit of every documented way to deploy, for features to come. */
const HEADROOM = 0.2;

const { templateBody, serviceRoleTemplateBody } = deployTemplates();
const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

/** What each file the README's commands name holds: dist/template/ is written from deployTemplates (scripts/deployable-templates.ts). */
const FILES: Record<string, string> = {
  'dist/template/cloudfront-api-key-rotation.yaml': templateBody,
  'dist/template/service-role.yaml': serviceRoleTemplateBody,
  'template/cloudfront-api-key-rotation.yaml': readTemplate(TEMPLATE_PATH),
  'template/service-role.yaml': readTemplate(SERVICE_ROLE_TEMPLATE_PATH),
};

/** The README's `aws cloudformation create-stack` (section "Deploying"): the file it deploys, and how it passes it. */
function readmeCommand(): [string, TemplatePassing] {
  const block = /```sh\n((?:(?!```)[\s\S])*aws cloudformation create-stack(?:(?!```)[\s\S])*)```/.exec(readme)![1];
  const body = /--template-body file:\/\/(\S+)/.exec(block)?.[1];
  if (body) return [body, 'TemplateBody'];
  // A --template-url names the object that `aws s3 cp` put there.
  expect(block).toContain('--template-url');
  return [/aws s3 cp (\S+) /.exec(block)![1], 'TemplateURL'];
}

describe('every documented way to deploy', () => {
  const [readmeFile, readmePassing] = readmeCommand();

  it.each<[string, string, TemplatePassing]>([
    ['deploy: the stack template, by TemplateURL', templateBody, 'TemplateURL'],
    ['deploy --stack-set: the stack template, by TemplateURL', templateBody, 'TemplateURL'],
    ["deploy --service-role: the companion template, by TemplateBody", serviceRoleTemplateBody, 'TemplateBody'],
    [`the README's aws commands: ${readmeFile}, by ${readmePassing}`, FILES[readmeFile], readmePassing],
    ['the console\'s "Upload a template file": the commented stack template, through S3', readTemplate(TEMPLATE_PATH), 'TemplateURL'],
    ['the console\'s "Upload a template file": the commented companion template, through S3', readTemplate(SERVICE_ROLE_TEMPLATE_PATH), 'TemplateURL'],
  ])(`leaves at least ${HEADROOM * 100}% headroom: %s`, (_way, body, passing) => {
    expect(body).toBeDefined();

    expect(1 - Buffer.byteLength(body) / TEMPLATE_LIMITS[passing]).toBeGreaterThanOrEqual(HEADROOM);
  });
});

describe('the deployable (compact) template', () => {
  it.each([
    ['the stack template', TEMPLATE_PATH, templateBody],
    ['the service-role template', SERVICE_ROLE_TEMPLATE_PATH, serviceRoleTemplateBody],
  ])('%s is the same template as its commented source', (_name, path, body) => {
    expect(parseTemplate(body)).toEqual(parseTemplate(readTemplate(path)));
  });

  it('drops comment lines and blank lines, keeping every other line as written', () => {
    const source = ['# heading', 'A: 1 # trailing', '', '  # indented', 'B:', '  - x', ''].join('\n');

    expect(compactTemplate(source)).toBe('A: 1 # trailing\nB:\n  - x\n');
  });

  it.each([
    ['a literal block', 'Code:\n  ZipFile: |\n    # not a comment\n\n    run()\nNext: 1\n'],
    ['a folded block', 'Description: >-\n  first\n\n  # second paragraph\nNext: 1\n'],
  ])('keeps %s whole, its blank lines and "#" included', (_name, source) => {
    expect(parseTemplate(compactTemplate(source))).toEqual(parseTemplate(source));
  });
});
