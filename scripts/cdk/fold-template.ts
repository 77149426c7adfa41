// The template with some of its parameters given, folded as CloudFormation would evaluate it for
// those values: the parameters disappear, conditions that depend on them only become the branch
// they choose (resources and outputs they exclude are left out), and functions of known values
// become the values. What depends on anything else (pseudo parameters, resources, the remaining
// parameters) is left for CloudFormation. The CDK construct writes its options in this way: a
// parameter that stayed would keep its first value under `cdk deploy` (rotating-origin-key.ts),
// and a value merely put in a parameter's place leaves conditions such as ["", ""] that
// cfn-lint rightly warns of.

import { brokenRule } from '../template';

type Template = Record<string, any>;

const NO_VALUE = Symbol('AWS::NoValue');
/** What a fold could not decide: the expression, folded as far as it goes. */
class Unknown {
  constructor(readonly expression: unknown) {}
}

export class RuleViolatedError extends Error {
  override name = 'RuleViolatedError';
  constructor(rule: string, description: string) {
    super(`The options break the template's rule ${rule}: ${description}.`);
  }
}

const isKnown = (value: unknown) => !(value instanceof Unknown) && value !== NO_VALUE;
const expressionOf = (value: unknown): unknown => (value instanceof Unknown ? value.expression : value === NO_VALUE ? { Ref: 'AWS::NoValue' } : value);

export function foldTemplate(template: Template, given: Record<string, string>): Template {
  const conditions: Record<string, boolean | Unknown> = {};
  const condition = (name: string): boolean | Unknown => {
    if (!(name in conditions)) conditions[name] = fold(template.Conditions[name]) as boolean | Unknown;
    return conditions[name];
  };
  /** `${Name}` and `${!Literal}` of an Fn::Sub string: given names become their values. */
  const sub = (text: string, variables: Record<string, unknown>): unknown => {
    const left: Record<string, unknown> = {};
    const replaced = text.replace(/\$\{([^!}][^}]*)\}/g, (whole, name: string) => {
      const value = name in variables ? variables[name] : name in given ? given[name] : undefined;
      if (value !== undefined && isKnown(value)) return String(value).replaceAll('${', '${!');
      if (name in variables) left[name] = expressionOf(variables[name]);
      return whole;
    });
    if (/\$\{[^!]/.test(replaced)) return new Unknown({ 'Fn::Sub': Object.keys(left).length > 0 ? [replaced, left] : replaced });
    return replaced.replaceAll('${!', '${');
  };

  function fold(node: unknown): unknown {
    if (Array.isArray(node)) {
      const items = node.map(fold).filter((item) => item !== NO_VALUE);
      return items.every(isKnown) ? items : new Unknown(items.map(expressionOf));
    }
    if (node === null || typeof node !== 'object') return node;
    const entries = Object.entries(node);
    if (entries.length === 1) {
      const [key, arg] = entries[0] as [string, any];
      const args = () => (arg as unknown[]).map(fold);
      switch (key) {
        case 'Ref':
          if (arg === 'AWS::NoValue') return NO_VALUE;
          return arg in given ? given[arg] : new Unknown(node);
        case 'Condition': {
          const decided = condition(arg);
          return decided instanceof Unknown ? new Unknown(node) : decided;
        }
        case 'Fn::If': {
          const chosen = condition(arg[0]);
          if (!(chosen instanceof Unknown)) return fold(chosen ? arg[1] : arg[2]);
          return new Unknown({ 'Fn::If': [arg[0], expressionOf(fold(arg[1])), expressionOf(fold(arg[2]))] });
        }
        case 'Fn::Sub': {
          if (!Array.isArray(arg)) return sub(arg, {});
          return sub(arg[0], Object.fromEntries(Object.entries(arg[1] as Record<string, unknown>).map(([name, value]) => [name, fold(value)])));
        }
        case 'Fn::Equals': {
          const [a, b] = args();
          return isKnown(a) && isKnown(b) ? String(a) === String(b) : new Unknown({ [key]: [expressionOf(a), expressionOf(b)] });
        }
        case 'Fn::Not': {
          const [a] = args();
          return isKnown(a) ? !a : new Unknown({ [key]: [expressionOf(a)] });
        }
        case 'Fn::And':
        case 'Fn::Or': {
          const decisive = key === 'Fn::Or';
          const items = args();
          if (items.some((item) => item === decisive)) return decisive;
          const open = items.filter((item) => item instanceof Unknown);
          if (open.length === 0) return !decisive;
          return open.length === 1 ? open[0] : new Unknown({ [key]: open.map(expressionOf) });
        }
        case 'Fn::Split': {
          const text = fold(arg[1]);
          return isKnown(text) ? String(text).split(arg[0]) : new Unknown({ [key]: [arg[0], expressionOf(text)] });
        }
        case 'Fn::Select': {
          const [index, list] = args();
          return isKnown(index) && isKnown(list) ? (list as unknown[])[Number(index)] : new Unknown({ [key]: [expressionOf(index), expressionOf(list)] });
        }
        case 'Fn::Join': {
          const list = fold(arg[1]);
          return isKnown(list) ? (list as unknown[]).join(arg[0]) : new Unknown({ [key]: [arg[0], expressionOf(list)] });
        }
        case 'Fn::FindInMap': {
          const keys = args();
          return keys.every(isKnown) ? template.Mappings[keys[0] as string][keys[1] as string][keys[2] as string] : new Unknown({ [key]: keys.map(expressionOf) });
        }
        default:
          if (key.startsWith('Fn::')) return new Unknown({ [key]: expressionOf(fold(arg)) });
      }
    }
    const folded = entries.map(([key, value]) => [key, fold(value)] as const).filter(([, value]) => value !== NO_VALUE);
    const object = Object.fromEntries(folded.map(([key, value]) => [key, expressionOf(value)]));
    return folded.every(([, value]) => isKnown(value)) ? object : new Unknown(object);
  }

  const kept = (section: Record<string, any> = {}) =>
    Object.fromEntries(
      Object.entries(section).flatMap(([id, entry]) => {
        const decided = entry.Condition === undefined ? true : condition(entry.Condition);
        if (decided === false) return [];
        const { Condition, ...rest } = entry;
        return [[id, decided === true ? rest : { Condition, ...rest }]];
      }),
    );
  checkRules(template.Rules ?? {}, given);
  const resources = kept(template.Resources);
  for (const resource of Object.values(resources)) {
    if (resource.DependsOn !== undefined) resource.DependsOn = [resource.DependsOn].flat().filter((id: string) => id in resources);
  }
  const folded: Template = {
    ...template,
    Parameters: Object.fromEntries(Object.entries(template.Parameters ?? {}).filter(([name]) => !(name in given))),
    Resources: Object.fromEntries(Object.entries(resources).map(([id, resource]) => [id, expressionOf(fold(resource))])),
    Outputs: Object.fromEntries(Object.entries(kept(template.Outputs)).map(([id, output]) => [id, expressionOf(fold(output))])),
  };
  const open = Object.keys(template.Conditions ?? {}).filter((name) => condition(name) instanceof Unknown);
  folded.Conditions = Object.fromEntries(open.map((name) => [name, expressionOf(condition(name))]));
  delete folded.Rules;
  const rest = JSON.stringify([folded.Resources, folded.Outputs, folded.Conditions]);
  folded.Mappings = Object.fromEntries(Object.entries(template.Mappings ?? {}).filter(([name]) => rest.includes(`"Fn::FindInMap":[${JSON.stringify(name)}`)));
  if (Object.keys(folded.Mappings).length === 0) delete folded.Mappings;
  // The console's parameter groups would name parameters the template no longer has.
  if (folded.Metadata) {
    const { 'AWS::CloudFormation::Interface': _interface, ...metadata } = folded.Metadata;
    folded.Metadata = metadata;
  }
  if (open.length === 0) delete folded.Conditions;
  return folded;
}

/** The template's Rules judged for the given values (brokenRule), which must give every parameter the Rules read. */
function checkRules(rules: Record<string, any>, given: Record<string, string>): void {
  const missing = [...JSON.stringify(rules).matchAll(/"Ref":"(\w+)"/g)].map(([, key]) => key).filter((key) => !(key in given));
  if (missing.length > 0) throw new Error(`The template's Rules read ${[...new Set(missing)].join(', ')}, which the options do not give`);
  const broken = brokenRule(rules, given);
  if (broken) throw new RuleViolatedError(broken.ruleName, broken.AssertDescription);
}
