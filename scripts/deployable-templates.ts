// Writes the templates as `deploy` sends them (compacted: see compactTemplate) to dist/template/,
// the files for `aws cloudformation create-stack --template-body`: its 51,200-byte limit is
// smaller than the commented source.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './paths';
import { deployTemplates } from './template';

const directory = join(PROJECT_ROOT, 'dist', 'template');
const { templateBody, serviceRoleTemplateBody } = deployTemplates();
mkdirSync(directory, { recursive: true });
writeFileSync(join(directory, 'cloudfront-api-key-rotation.yaml'), templateBody);
writeFileSync(join(directory, 'service-role.yaml'), serviceRoleTemplateBody);
