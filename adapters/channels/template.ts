/**
 * Message templates: text with variables in double braces, `{{profile.income}}`. A variable is a
 * source and a name: `profile.<attribute>` (the customer's profile), `journey.<name|version>`, or
 * `event.<property>` (the event that let the customer in). Journey validation parses templates
 * with `templateVariables` when a journey is saved; the channels fill them with `renderTemplate`.
 *
 * Rendering is one pass over the template's own text: a value is inserted as text and never read
 * again, so a value holding `{{…}}` stays literal and cannot pull in another variable. A missing
 * variable fails the whole message — a customer never receives "Dear {{profile.first_name}}" or
 * "Dear ," — and the error names every variable that is missing, never a value.
 */
import type { ProviderChannel, RenderedMessage } from './channel.js';
import { ChannelError } from './errors.js';

const VARIABLE = /^(profile|journey|event)\.([^\s{}]{1,200})$/;

export interface TemplateVariable {
  source: 'profile' | 'journey' | 'event';
  name: string;
  /** As written without the spaces, e.g. `profile.income`: the key of its value. */
  text: string;
}

/**
 * The variables of `text` in order of appearance, or why the text is not a template.
 * @example templateVariables('Hi {{ profile.first_name }}') // → { variables: [{ source: 'profile', name: 'first_name', text: 'profile.first_name' }] }
 */
export function templateVariables(text: string): { variables: TemplateVariable[] } | { error: string } {
  const parsed = parse(text);
  return 'error' in parsed ? parsed : { variables: parsed.parts.filter((p) => typeof p !== 'string') };
}

type Parsed = { parts: (string | TemplateVariable)[] } | { error: string };

/** Parsed templates by text: a campaign renders the same few templates for every customer. Bounded, and cleared when full. */
const parsedCache = new Map<string, Parsed>();
const PARSED_CACHE_SIZE = 256;

function parse(text: string): Parsed {
  let parsed = parsedCache.get(text);
  if (parsed === undefined) {
    if (parsedCache.size >= PARSED_CACHE_SIZE) parsedCache.clear();
    parsed = parseTemplate(text);
    parsedCache.set(text, parsed);
  }
  return parsed;
}

/** The template cut into literal text and variables, in order. */
function parseTemplate(text: string): Parsed {
  const parts: (string | TemplateVariable)[] = [];
  let at = 0;
  for (;;) {
    const open = text.indexOf('{{', at);
    const stray = text.indexOf('}}', at);
    if (open < 0) {
      if (stray >= 0) return { error: `}} at character ${stray + 1} closes nothing` };
      parts.push(text.slice(at));
      return { parts };
    }
    if (stray >= 0 && stray < open) return { error: `}} at character ${stray + 1} closes nothing` };
    const close = text.indexOf('}}', open + 2);
    if (close < 0) return { error: `{{ at character ${open + 1} is never closed` };
    const inner = text.slice(open + 2, close).trim();
    const m = VARIABLE.exec(inner);
    if (!m) return { error: `{{${inner.slice(0, 60)}}} is not a variable: write {{profile.<attribute>}}, {{journey.name}} or {{event.<property>}}` };
    parts.push(text.slice(at, open), { source: m[1] as TemplateVariable['source'], name: m[2], text: inner });
    at = close + 2;
  }
}

export interface RenderOptions {
  /** Escape values for HTML (an HTML e-mail body); the template's own text is the operator's markup and stays as written. */
  html?: boolean;
}

/**
 * The template with every variable replaced by its value from `values` (keyed by the variable's
 * text), or a CHANNEL_TEMPLATE_INVALID / CHANNEL_VARIABLE_MISSING error.
 * @example renderTemplate('Dear {{ profile.first_name }}', { 'profile.first_name': 'Li' }) // 'Dear Li'
 */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>, options: RenderOptions = {}): string {
  const parsed = parse(template);
  if ('error' in parsed) throw new ChannelError('CHANNEL_TEMPLATE_INVALID', `The template cannot be rendered: ${parsed.error}`);
  const missing = parsed.parts.filter((p): p is TemplateVariable => typeof p !== 'string' && typeof ownValue(values, p.text) !== 'string');
  if (missing.length > 0) {
    const names = [...new Set(missing.map((v) => v.text))];
    throw new ChannelError(
      'CHANNEL_VARIABLE_MISSING',
      `No value for the template variable${names.length > 1 ? 's' : ''} ${names.join(', ')}: nothing was sent`,
      {
        variables: names,
      },
    );
  }
  return parsed.parts.map((p) => (typeof p === 'string' ? p : options.html ? escapeHtml(ownValue(values, p.text)!) : ownValue(values, p.text)!)).join('');
}

/** Only the map's own entries: `{{profile.constructor}}` must not find Object.prototype's. */
function ownValue(values: Readonly<Record<string, string>>, name: string): string | undefined {
  return Object.hasOwn(values, name) ? values[name] : undefined;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** @example escapeHtml('<b>"Li" & co</b>') // '&lt;b&gt;&quot;Li&quot; &amp; co&lt;/b&gt;' */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** What the dispatcher hands over: the outbox message's key, template and variables, and the contact it looked up. */
export interface MessageToRender {
  key: string;
  to: string;
  template: { subject?: string; body: string };
  variables: Readonly<Record<string, string>>;
}

/**
 * The message a channel sends: subject and text rendered, and for e-mail an HTML body whose values
 * are escaped. Throws before anything is sent if a variable is missing.
 * @example renderMessage({ key: 'j7.v2.noffer.e4711', to: 'li@example.com', template: { body: 'Dear {{profile.first_name}}' }, variables: { 'profile.first_name': 'Li' } }, 'email')
 */
export function renderMessage(message: MessageToRender, channel: ProviderChannel): RenderedMessage {
  const { template, variables } = message;
  return {
    key: message.key,
    to: message.to,
    ...(template.subject === undefined ? {} : { subject: renderTemplate(template.subject, variables) }),
    text: renderTemplate(template.body, variables),
    ...(channel === 'email' ? { html: renderTemplate(template.body, variables, { html: true }) } : {}),
    variables,
  };
}
