// Writes the templates as `deploy` sends them (compacted: see compactTemplate) to dist/template/,
// the files the README's `aws s3 cp` and `--template-url` deploy: the same bytes as deploy's.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './paths';
import { deployTemplates } from './template';

const directory = join(PROJECT_ROOT, 'dist', 'template');
const { templateBody, serviceRoleTemplateBody } = deployTemplates();
mkdirSync(directory, { recursive: true });
writeFileSync(join(directory, 'cloudfront-api-key-rotation.yaml'), templateBody);
writeFileSync(join(directory, 'service-role.yaml'), serviceRoleTemplateBody);
