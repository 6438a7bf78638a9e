import { RuleViolationError } from '@app/platform';
import Handlebars from 'handlebars';

/** The variables a step may use; anything else is refused when the sequence is saved. */
export interface TemplateContext {
  candidate: { firstName: string; lastName: string; fullName: string; nativeName: string; currentEmployer: string; currentTitle: string };
  taskForce: { name: string; company: string; location: string };
  sender: { name: string; address: string };
  unsubscribeUrl: string;
}

export const TEMPLATE_VARIABLES = [
  'candidate.firstName',
  'candidate.lastName',
  'candidate.fullName',
  'candidate.nativeName',
  'candidate.currentEmployer',
  'candidate.currentTitle',
  'taskForce.name',
  'taskForce.company',
  'taskForce.location',
  'sender.name',
  'sender.address',
  'unsubscribeUrl',
] as const;

const SAMPLE: TemplateContext = {
  candidate: { firstName: 'Wei', lastName: 'Zhang', fullName: 'Wei Zhang', nativeName: '张伟', currentEmployer: 'OpenAI', currentTitle: 'Member of Technical Staff' },
  taskForce: { name: 'ByteDance / Doubao LLM', company: 'ByteDance', location: 'San Jose, CA' },
  sender: { name: 'Jun Wang', address: 'jun.wang@example.com' },
  unsubscribeUrl: 'https://example.com/v1/unsubscribe?token=sample',
};

const compiled = new Map<string, HandlebarsTemplateDelegate<TemplateContext>>();
const MAX_CACHED_TEMPLATES = 1000;

/** Strict Handlebars: no helpers or partials beyond the built-in blocks, every variable must exist. */
function compile(source: string): HandlebarsTemplateDelegate<TemplateContext> {
  let template = compiled.get(source);
  if (!template) {
    // Parsed once per process: a worker renders the same few templates thousands of times.
    if (compiled.size >= MAX_CACHED_TEMPLATES) compiled.clear();
    template = Handlebars.compile<TemplateContext>(source, { strict: true, noEscape: true, knownHelpersOnly: true, knownHelpers: { if: true, unless: true } });
    compiled.set(source, template);
  }
  return template;
}

/** Throws a 422 naming the field and the unknown variable (or the syntax error). */
export function checkTemplate(source: string, field: string): void {
  try {
    compile(source)(SAMPLE);
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /"([^"]+)" not defined/.exec(message)?.[1];
    throw new RuleViolationError(
      'invalid_template',
      unknown ? `${field} uses {{${unknown}}}, which is not a template variable; known: ${TEMPLATE_VARIABLES.join(', ')}` : `${field} is not a valid template: ${message.split('\n')[0]}`,
      { field, variable: unknown ?? null, allowed: TEMPLATE_VARIABLES },
    );
  }
}

export function render(source: string, context: TemplateContext): string {
  return compile(source)(context);
}

/** The first word of a name is the first name; the rest is the last name. */
export function splitName(fullName: string): { firstName: string; lastName: string } {
  const [first, ...rest] = fullName.trim().split(/\s+/);
  return { firstName: first ?? '', lastName: rest.join(' ') };
}

export interface CandidateFacts {
  full_name: string;
  native_name: string | null;
  current_employer: string | null;
  current_title: string | null;
}

export function templateContext(
  candidate: CandidateFacts,
  taskForce: TemplateContext['taskForce'],
  sender: { fromName: string; fromAddress: string },
  unsubscribeUrl: string,
): TemplateContext {
  return {
    candidate: {
      ...splitName(candidate.full_name),
      fullName: candidate.full_name,
      nativeName: candidate.native_name ?? '',
      currentEmployer: candidate.current_employer ?? '',
      currentTitle: candidate.current_title ?? '',
    },
    taskForce,
    sender: { name: sender.fromName, address: sender.fromAddress },
    unsubscribeUrl,
  };
}
