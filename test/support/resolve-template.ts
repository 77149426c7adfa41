// Evaluates a parsed CloudFormation template's intrinsic functions as CloudFormation would for one
// deployment: parameters, pseudo parameters, resources' physical IDs (Ref) and attributes
// (Fn::GetAtt), and the template's conditions. What a policy says once deployed is what the IAM
// simulator evaluates.

type Template = Record<string, any>;

export interface Deployment {
  parameters: Record<string, string>;
  /** AWS::AccountId, AWS::Region, AWS::StackName, AWS::StackId; AWS::Partition and AWS::URLSuffix default to the aws partition's. */
  pseudo: Record<string, string>;
  /** Logical ID → what Ref returns. */
  refs?: Record<string, string>;
  /** `Logical.Attribute` → what Fn::GetAtt returns. */
  attributes?: Record<string, string>;
}

const NO_VALUE = Symbol('AWS::NoValue');

export class UnresolvedError extends Error {
  override name = 'UnresolvedError';
}

export function resolveTemplate(template: Template, deployment: Deployment) {
  const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com', ...deployment.pseudo };
  const parameterValue = (name: string): string => {
    if (name in pseudo) return pseudo[name];
    if (name in deployment.parameters) return deployment.parameters[name];
    const declared = template.Parameters?.[name];
    if (declared && 'Default' in declared) return String(declared.Default);
    if (deployment.refs && name in deployment.refs) return deployment.refs[name];
    throw new UnresolvedError(`Nothing to resolve Ref ${name} to`);
  };
  const conditions: Record<string, boolean> = {};
  const condition = (name: string): boolean => {
    if (!(name in conditions)) conditions[name] = Boolean(value(template.Conditions[name]));
    return conditions[name];
  };
  const attribute = (logicalId: string, name: string): string => {
    const key = `${logicalId}.${name}`;
    if (!deployment.attributes || !(key in deployment.attributes)) throw new UnresolvedError(`Nothing to resolve Fn::GetAtt ${key} to`);
    return deployment.attributes[key];
  };
  const sub = (text: string, variables: Record<string, unknown> = {}): string =>
    text.replace(/\$\{([^!}][^}]*)\}/g, (_, name: string) => {
      if (name in variables) return String(value(variables[name]));
      const dot = name.indexOf('.');
      return dot > 0 && !name.startsWith('AWS::') ? attribute(name.slice(0, dot), name.slice(dot + 1)) : parameterValue(name);
    });

  function value(node: unknown): any {
    if (Array.isArray(node)) return node.map(value).filter((item) => item !== NO_VALUE);
    if (node === null || typeof node !== 'object') return node;
    const entries = Object.entries(node);
    if (entries.length === 1) {
      const [key, arg] = entries[0] as [string, any];
      switch (key) {
        case 'Ref':
          return arg === 'AWS::NoValue' ? NO_VALUE : parameterValue(arg);
        case 'Condition':
          return condition(arg);
        case 'Fn::GetAtt':
          return attribute(arg[0], arg[1]);
        case 'Fn::Sub':
          return Array.isArray(arg) ? sub(arg[0], arg[1]) : sub(arg);
        case 'Fn::If':
          return value(condition(arg[0]) ? arg[1] : arg[2]);
        case 'Fn::Equals':
          return String(value(arg[0])) === String(value(arg[1]));
        case 'Fn::Not':
          return !value(arg[0]);
        case 'Fn::And':
          return arg.every((item: unknown) => value(item));
        case 'Fn::Or':
          return arg.some((item: unknown) => value(item));
        case 'Fn::Join':
          return value(arg[1]).join(arg[0]);
        case 'Fn::Split':
          return String(value(arg[1])).split(arg[0]);
        case 'Fn::Select':
          return value(arg[1])[Number(value(arg[0]))];
        case 'Fn::FindInMap':
          return template.Mappings[value(arg[0])][value(arg[1])][value(arg[2])];
        default:
          if (key.startsWith('Fn::')) throw new UnresolvedError(`${key} is not supported here`);
      }
    }
    return Object.fromEntries(entries.map(([key, inner]) => [key, value(inner)]).filter(([, inner]) => inner !== NO_VALUE));
  }

  return {
    value,
    condition,
    /** The resource's properties as deployed, or undefined when its condition is false. */
    properties(logicalId: string): Record<string, any> | undefined {
      const resource = template.Resources[logicalId];
      if (resource.Condition && !condition(resource.Condition)) return undefined;
      return value(resource.Properties ?? {});
    },
  };
}
