import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTemplate, readTemplate } from '../scripts/template';

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
const parameters = Object.keys(parseTemplate(readTemplate()).Parameters);

describe('the README', () => {
  // A parameter missing from a by-hand update falls back to its default.
  it.each(parameters)('names %s in the by-hand update-stack command', (parameter) => {
    const command = /aws cloudformation update-stack[\s\S]*?```/.exec(readme)![0];
    expect(command).toContain(`ParameterKey=${parameter},`);
  });

  it.each(parameters)('documents the %s parameter', (parameter) => {
    expect(readme).toContain(`| \`${parameter}\` |`);
  });
});
