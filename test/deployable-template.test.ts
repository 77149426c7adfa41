import { SERVICE_ROLE_TEMPLATE_PATH, TEMPLATE_PATH, compactTemplate, deployTemplates, parseTemplate, readTemplate } from '../scripts/template';
import { TEMPLATE_BODY_LIMIT } from '../scripts/cli/deploy';

describe('the deployable (compact) template', () => {
  const { templateBody, serviceRoleTemplateBody } = deployTemplates();

  it.each([
    ['the stack template', TEMPLATE_PATH, templateBody],
    ['the service-role template', SERVICE_ROLE_TEMPLATE_PATH, serviceRoleTemplateBody],
  ])('%s is the same template as its commented source', (_name, path, body) => {
    expect(parseTemplate(body)).toEqual(parseTemplate(readTemplate(path)));
  });

  it.each([
    ['the stack template', templateBody],
    ['the service-role template', serviceRoleTemplateBody],
  ])('%s fits a TemplateBody', (_name, body) => {
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(TEMPLATE_BODY_LIMIT);
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
