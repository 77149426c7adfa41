// The template's Rules as deploy judges them (checkRules), for parameter values given on top of
// the template's defaults, as on a stack's create.
import { checkRules } from '../scripts/cli/deploy-guards';
import { PARAMETER_FLAGS } from '../scripts/cli/parameter-flags';
import { parseTemplate, readTemplate } from '../scripts/template';

const template = parseTemplate(readTemplate());

/** A call that throws deploy's UsageError when a rule refuses `given` with the defaults. */
export function judgeRules(given: Record<string, string>): () => void {
  const defaults = Object.fromEntries(Object.entries(template.Parameters).map(([key, declared]: [string, any]) => [key, String(declared.Default ?? '')]));
  return () => checkRules(template.Rules, { ...defaults, ...given }, PARAMETER_FLAGS);
}
