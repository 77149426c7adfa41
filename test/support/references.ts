// Follows references in a parsed CloudFormation template: Ref, Fn::GetAtt, Fn::Sub (both forms)
// and DependsOn, the ways one resource or parameter can reach another.

type Template = Record<string, any>;

/** Names (parameters, resources, pseudo parameters) that `value` refers to. */
export function referencedNames(value: unknown): Set<string> {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    for (const [key, inner] of Object.entries(node)) {
      if (key === 'Ref') names.add(inner as string);
      else if (key === 'Fn::GetAtt') names.add((inner as string[])[0]);
      else if (key === 'Fn::Sub') {
        const [text, variables = {}] = Array.isArray(inner) ? inner : [inner];
        for (const [, name] of (text as string).matchAll(/\$\{([^!}][^}]*)\}/g)) {
          const base = name.split('.')[0];
          if (!(base in variables)) names.add(base);
        }
        visit(variables);
      } else visit(inner);
    }
  };
  visit(value);
  return names;
}

/** Every property path of `resource` that holds an intrinsic function, with what it refers to. */
export function referencingPaths(resource: Record<string, unknown>): Array<{ path: string; names: Set<string> }> {
  const found: Array<{ path: string; names: Set<string> }> = [];
  const visit = (node: unknown, path: string): void => {
    if (node === null || typeof node !== 'object') return;
    const keys = Object.keys(node);
    if (!Array.isArray(node) && keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) {
      found.push({ path, names: referencedNames(node) });
      return;
    }
    for (const [key, inner] of Object.entries(node)) visit(inner, path ? `${path}.${key}` : key);
  };
  visit(resource.Properties, 'Properties');
  return found;
}

export function dependsOn(resource: Record<string, unknown>): string[] {
  const value = resource.DependsOn;
  return value === undefined ? [] : ([] as string[]).concat(value as string | string[]);
}

export interface Reach {
  /** `Resource.Properties.…` paths, and `Resource DependsOn Other` edges, that the change reaches. */
  reached: string[];
  /** Resources that the change replaces (a reached property is create-only). */
  replaced: string[];
}

/**
 * What a new value of `parameter` reaches, as CloudFormation propagates it: each resource property
 * whose value refers to the parameter or to a resource that gets replaced, and each DependsOn edge
 * onto a replaced resource. A resource is replaced when a reached property is create-only; only
 * then do its Ref and GetAtt values change and carry the change on. DependsOn orders operations
 * but changes nothing, so it is reported and not followed further.
 */
export function reachOf(
  template: Template,
  parameter: string,
  isCreateOnly: (type: string, propertyPath: string) => boolean,
): Reach {
  const resources: Record<string, Record<string, any>> = template.Resources;
  const memo = new Map<string, boolean>();
  const changedPaths = (name: string) =>
    referencingPaths(resources[name]).filter(({ names }) => [...names].some(changes)).map(({ path }) => path);
  function changes(name: string): boolean {
    if (name === parameter) return true;
    if (!resources[name]) return false;
    if (!memo.has(name)) {
      memo.set(name, false);
      memo.set(name, changedPaths(name).some((path) => isCreateOnly(resources[name].Type, path)));
    }
    return memo.get(name)!;
  }
  const names = Object.keys(resources);
  return {
    reached: names
      .flatMap((name) => [
        ...changedPaths(name).map((path) => `${name}.${path}`),
        ...dependsOn(resources[name]).filter(changes).map((target) => `${name} DependsOn ${target}`),
      ])
      .sort(),
    replaced: names.filter(changes).sort(),
  };
}
