/**
 * Message templates: text with variables in double braces, `{{profile.income}}`. A variable is
 * a source and a name: `profile.<attribute>` (the customer's profile), `journey.<name|version>`,
 * or `event.<property>` (the event that let the customer in). Reach renders them; validation
 * checks each is available where the template is used, so a send never finds one missing.
 */

const VARIABLE = /^(profile|journey|event)\.([^\s{}]{1,200})$/;

export interface TemplateVariable {
  source: 'profile' | 'journey' | 'event';
  name: string;
  /** As written, e.g. `profile.income`. */
  text: string;
}

/**
 * The variables of `text` in order of appearance, or why the text is not a template.
 * @example templateVariables('Hi {{ profile.first_name }}') // → { variables: [{ source: 'profile', name: 'first_name', text: 'profile.first_name' }] }
 */
export function templateVariables(text: string): { variables: TemplateVariable[] } | { error: string } {
  const variables: TemplateVariable[] = [];
  let at = 0;
  for (;;) {
    const open = text.indexOf('{{', at);
    const stray = text.indexOf('}}', at);
    if (open < 0) return stray < 0 ? { variables } : { error: `}} at character ${stray + 1} closes nothing` };
    if (stray >= 0 && stray < open) return { error: `}} at character ${stray + 1} closes nothing` };
    const close = text.indexOf('}}', open + 2);
    if (close < 0) return { error: `{{ at character ${open + 1} is never closed` };
    const inner = text.slice(open + 2, close).trim();
    const m = VARIABLE.exec(inner);
    if (!m) return { error: `{{${inner.slice(0, 60)}}} is not a variable: write {{profile.<attribute>}}, {{journey.name}} or {{event.<property>}}` };
    variables.push({ source: m[1] as TemplateVariable['source'], name: m[2], text: inner });
    at = close + 2;
  }
}

/** The journey context every node sees. */
export const JOURNEY_VARIABLES: readonly string[] = ['name', 'version'];
