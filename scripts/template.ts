// The deployable template: where it is, and its parsed form.
// parseTemplate turns CloudFormation YAML into its JSON form, expanding the short-form tags
// (`!Ref X` → `{ Ref: X }`, `!Sub [...]` → `{ 'Fn::Sub': [...] }`) in their scalar, sequence and
// mapping forms. `!GetAtt A.B.C` splits at the first dot only: `['A', 'B.C']`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, type Tags } from 'yaml';
import { PROJECT_ROOT } from './paths';

export const TEMPLATE_PATH = join(PROJECT_ROOT, 'template', 'cloudfront-api-key-rotation.yaml');
/** The companion template: one stack's CloudFormation service role and its functions' boundary. */
export const SERVICE_ROLE_TEMPLATE_PATH = join(PROJECT_ROOT, 'template', 'service-role.yaml');

const FUNCTIONS = [
  'And', 'Base64', 'Cidr', 'Equals', 'FindInMap', 'GetAZs', 'GetAtt', 'If', 'ImportValue',
  'Join', 'Not', 'Or', 'Select', 'Split', 'Sub', 'Transform', 'ToJsonString', 'Length',
];

function fullName(name: string): string {
  return name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
}

function scalarValue(name: string, value: string): unknown {
  if (name === 'GetAtt') {
    const dot = value.indexOf('.');
    return [value.slice(0, dot), value.slice(dot + 1)];
  }
  return value;
}

const customTags: Tags = ['Ref', 'Condition', ...FUNCTIONS].flatMap((name) => [
  { tag: `!${name}`, resolve: (value: string) => ({ [fullName(name)]: scalarValue(name, value) }) },
  {
    tag: `!${name}`,
    collection: 'seq' as const,
    resolve: (seq: { toJSON(): unknown }) => ({ [fullName(name)]: seq.toJSON() }),
  },
  {
    tag: `!${name}`,
    collection: 'map' as const,
    resolve: (map: { toJSON(): unknown }) => ({ [fullName(name)]: map.toJSON() }),
  },
]);


export function parseTemplate(text: string): Record<string, any> {
  return parse(text, { customTags }) as Record<string, any>;
}

export function readTemplate(path = TEMPLATE_PATH): string {
  return readFileSync(path, 'utf8');
}

/**
 * The template as it is deployed: the commented source without its comment lines and blank lines,
 * every other line as written. The comments are a sixth of the source's size: the stack's template
 * goes through S3 (TemplateURL, 1 MB), but the companion goes as a TemplateBody (51,200 bytes),
 * and both are smaller to send and to read back. The source stays the one people read. A block scalar (`|`, `>-`) is content, so it is kept whole,
 * blank lines and `#` included.
 */
export function compactTemplate(text: string): string {
  const kept: string[] = [];
  let blockOwnerIndent = -1;
  for (const line of text.split('\n')) {
    const indent = line.search(/\S/);
    if (blockOwnerIndent >= 0 && (indent < 0 || indent > blockOwnerIndent)) {
      kept.push(line);
      continue;
    }
    blockOwnerIndent = -1;
    if (indent < 0 || line[indent] === '#') continue;
    kept.push(line);
    if (/:\s+[|>][-+]?$/.test(line)) blockOwnerIndent = indent;
  }
  return `${kept.join('\n').trimEnd()}\n`;
}

/** The bodies `deploy` sends: the stack's template and its companion service-role template, compacted. */
export function deployTemplates(): { templateBody: string; serviceRoleTemplateBody: string } {
  return { templateBody: compactTemplate(readTemplate()), serviceRoleTemplateBody: compactTemplate(readTemplate(SERVICE_ROLE_TEMPLATE_PATH)) };
}

/**
 * What status reports compare a stack with, from the deployable template: its ScheduleMap
 * (schedule name → its rate) and its release (the TemplateVersion output).
 */
export function carriedTemplate(): { scheduleMap: Record<string, { Rate: string }>; release: string } {
  const template = parseTemplate(readTemplate());
  return { scheduleMap: template.Mappings.ScheduleMap, release: templateRelease(template) ?? '' };
}

/** A parsed template's release, its TemplateVersion output; undefined for a template from before releases were recorded. */
export function templateRelease(template: Record<string, any> | null | undefined): string | undefined {
  const value = template?.Outputs?.TemplateVersion?.Value;
  return value === undefined ? undefined : String(value);
}

/** An ApiURL: REST API ID, Region, stage. */
export const STAGE_URL = /^([a-z0-9]{10})\.execute-api\.([a-z0-9-]+)\.amazonaws\.com\/(.+)$/;

/** What CloudFormation would refuse a value for, in the template's own words; undefined if valid. */
export function violatedRule(parameter: Record<string, any>, value: string): string | undefined {
  const { Type, AllowedPattern, AllowedValues, ConstraintDescription, MinValue, MaxValue } = parameter;
  if (AllowedValues && !AllowedValues.includes(value)) return `must be one of ${AllowedValues.join(', ')}`;
  if (AllowedPattern && !new RegExp(AllowedPattern).test(value)) return ConstraintDescription;
  if (Type === 'Number' && (!/^\d+$/.test(value) || Number(value) < MinValue || Number(value) > MaxValue)) {
    return `must be a whole number from ${MinValue} to ${MaxValue}`;
  }
  return undefined;
}

/** A condition of the template's Rules section: the functions CloudFormation allows there that this template uses. */
function ruleValue(node: any, values: Record<string, string>): string | boolean {
  if (typeof node !== 'object' || node === null) return node;
  const [[name, argument]] = Object.entries(node) as [[string, any]];
  switch (name) {
    case 'Ref': return values[argument] ?? '';
    case 'Fn::Equals': return ruleValue(argument[0], values) === ruleValue(argument[1], values);
    case 'Fn::Not': return !ruleValue(argument[0], values);
    case 'Fn::And': return argument.every((item: unknown) => ruleValue(item, values));
    case 'Fn::Or': return argument.some((item: unknown) => ruleValue(item, values));
    default: throw new Error(`The template's Rules use ${name}, which are not evaluated here.`);
  }
}

/**
 * The first assertion the values break of a rule that applies to them, as CloudFormation judges
 * the template's Rules before it creates or updates a stack; undefined when every one holds.
 */
export function brokenRule(rules: Record<string, any>, values: Record<string, string>) {
  for (const [ruleName, { RuleCondition, Assertions = [] }] of Object.entries(rules)) {
    if (RuleCondition !== undefined && !ruleValue(RuleCondition, values)) continue;
    const broken = Assertions.find(({ Assert }: { Assert: unknown }) => !ruleValue(Assert, values));
    if (broken) return { ruleName, RuleCondition, Assert: broken.Assert, AssertDescription: String(broken.AssertDescription) };
  }
  return undefined;
}
