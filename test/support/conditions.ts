// A template fragment as CloudFormation resolves it for given condition values: each Fn::If
// becomes its chosen branch, and AWS::NoValue removes the property or list item that holds it.

const NO_VALUE = Symbol('AWS::NoValue');

export function resolveConditions(node: unknown, conditions: Record<string, boolean>): any {
  const resolved = resolve(node, conditions);
  return resolved === NO_VALUE ? undefined : resolved;
}

function resolve(node: unknown, conditions: Record<string, boolean>): unknown {
  if (Array.isArray(node)) return node.map((item) => resolve(item, conditions)).filter((item) => item !== NO_VALUE);
  if (node === null || typeof node !== 'object') return node;
  const entries = Object.entries(node);
  if (entries.length === 1 && entries[0][0] === 'Ref' && entries[0][1] === 'AWS::NoValue') return NO_VALUE;
  if (entries.length === 1 && entries[0][0] === 'Fn::If') {
    const [name, whenTrue, whenFalse] = entries[0][1] as [string, unknown, unknown];
    if (!(name in conditions)) throw new Error(`No value given for condition ${name}`);
    return resolve(conditions[name] ? whenTrue : whenFalse, conditions);
  }
  return Object.fromEntries(entries.map(([key, value]) => [key, resolve(value, conditions)]).filter(([, value]) => value !== NO_VALUE));
}
