// AWS's own CloudFormation resource schemas, as shipped by the cfn-lint that scripts/setup.js
// installs: the source for create-only properties and for each handler's IAM permissions.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface ResourceSchema {
  createOnlyProperties?: string[];
  properties?: Record<string, any>;
  handlers?: Record<string, { permissions?: string[] }>;
  definitions?: Record<string, any>;
}

const VENV_LIB = join(__dirname, '..', '..', '.tools', 'pipx', 'venvs', 'cfn-lint', 'lib');

function schemasDirectory(): string {
  const python = existsSync(VENV_LIB) ? readdirSync(VENV_LIB).find((name) => name.startsWith('python')) : undefined;
  if (!python) throw new Error(`cfn-lint is not installed under ${VENV_LIB}: run "node scripts/setup.js" (npm test does).`);
  return join(VENV_LIB, python, 'site-packages', 'cfnlint', 'data', 'schemas');
}

export function loadResourceSchema(type: string, region = 'us-east-1'): ResourceSchema {
  const directory = schemasDirectory();
  const index: Record<string, string> = JSON.parse(readFileSync(join(directory, 'providers', `${region}.json`), 'utf8'));
  if (!index[type]) throw new Error(`No resource schema for ${type}`);
  return JSON.parse(readFileSync(join(directory, 'resources', `${index[type]}.json`), 'utf8'));
}

/** `/properties/Tags/ * /Key` (a JSON pointer with `*` for array items) as a property path test. */
export function isCreateOnly(schema: ResourceSchema, propertyPath: string): boolean {
  return (schema.createOnlyProperties ?? []).some((pointer) => {
    const parts = pointer.replace(/^\/properties\//, 'Properties/').split('/');
    const pattern = parts.map((part) => (part === '*' ? '\\d+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('\\.');
    return new RegExp(`^${pattern}(\\.|$)`).test(propertyPath);
  });
}

/** The resource types IAM's reference names for an action (cfn-lint's Policies.json); [] means only "*". */
export function iamResourceTypes(action: string): string[] {
  const policies = JSON.parse(readFileSync(join(schemasDirectory(), '..', 'AdditionalSpecs', 'Policies.json'), 'utf8'));
  const [service, name] = action.split(':');
  const entry = policies[service]?.Actions?.[name.toLowerCase()];
  if (!entry) throw new Error(`IAM knows no action ${action}`);
  return entry.Resources ?? [];
}
