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
  candidate: {
    firstName: 'Wei',
    lastName: 'Zhang',
    fullName: 'Wei Zhang',
    nativeName: '张伟',
    currentEmployer: 'OpenAI',
    currentTitle: 'Member of Technical Staff',
  },
  taskForce: { name: 'ByteDance / Doubao LLM', company: 'ByteDance', location: 'San Jose, CA' },
  sender: { name: 'Jun Wang', address: 'jun.wang@example.com' },
  unsubscribeUrl: 'https://example.com/v1/unsubscribe?token=sample',
};

const compiled = new Map<string, HandlebarsTemplateDelegate<TemplateContext>>();
const MAX_CACHED_TEMPLATES = 1000;
const VARIABLES: ReadonlySet<string> = new Set(TEMPLATE_VARIABLES);
const BLOCK_HELPERS: ReadonlySet<string> = new Set(['if', 'unless']);

/**
 * A Handlebars of our own with only `if` and `unless`: `log` would let a recruiter write lines
 * into the logs, and `lookup`, `with`, `each` reach data no template variable names.
 */
const handlebars = Handlebars.create();
for (const name of Object.keys(handlebars.helpers))
  if (!BLOCK_HELPERS.has(name) && name !== 'helperMissing' && name !== 'blockHelperMissing') handlebars.unregisterHelper(name);
const KNOWN_HELPERS = { if: true, unless: true, each: false, with: false, log: false, lookup: false } as const;

/** A construct a template may not hold: what it is, and the variable when it is an unknown one. */
export class TemplateRefusal extends Error {
  constructor(
    message: string,
    readonly variable: string | null = null,
  ) {
    super(message);
  }
}

type Node = hbs.AST.Node;

function variableOf(node: Node, where: string): string {
  if (node.type !== 'PathExpression') throw new TemplateRefusal(`${where} must be a template variable, not a ${describe(node)}`);
  const path = node as hbs.AST.PathExpression;
  const name = path.parts.join('.');
  if (path.data) throw new TemplateRefusal(`@${name} is not allowed; use the template variables`);
  if (path.depth > 0 || path.original !== name) throw new TemplateRefusal(`{{${path.original}}} is not allowed; name a template variable as it is listed`);
  // `variable` names the unknown segment, as the answers always have ("salary" for candidate.salary).
  if (!VARIABLES.has(name))
    throw new TemplateRefusal(`uses {{${name}}}, which is not a template variable; known: ${TEMPLATE_VARIABLES.join(', ')}`, path.parts.at(-1) ?? name);
  return name;
}

function describe(node: Node): string {
  const kinds: Record<string, string> = {
    StringLiteral: 'string',
    NumberLiteral: 'number',
    BooleanLiteral: 'boolean',
    UndefinedLiteral: 'literal',
    NullLiteral: 'literal',
    SubExpression: 'helper call',
  };
  return kinds[node.type] ?? node.type;
}

function checkProgram(program: hbs.AST.Program | undefined): void {
  for (const statement of program?.body ?? []) checkStatement(statement);
}

function checkStatement(node: hbs.AST.Statement): void {
  switch (node.type) {
    case 'ContentStatement':
    case 'CommentStatement':
      return;
    case 'MustacheStatement': {
      const m = node as hbs.AST.MustacheStatement;
      if (m.params.length || m.hash)
        throw new TemplateRefusal(
          `helpers are not allowed (found {{${m.path.type === 'PathExpression' ? (m.path as hbs.AST.PathExpression).original : describe(m.path)} ...}})`,
        );
      variableOf(m.path, 'an output');
      if (!m.escaped) throw new TemplateRefusal('triple braces and {{& ...}} are not allowed; use {{variable}}');
      return;
    }
    case 'BlockStatement': {
      const b = node as hbs.AST.BlockStatement;
      const helper = b.path.type === 'PathExpression' ? (b.path as hbs.AST.PathExpression).original : describe(b.path);
      if (!BLOCK_HELPERS.has(helper)) throw new TemplateRefusal(`{{#${helper}}} is not allowed; the only blocks are {{#if}} and {{#unless}}`);
      if (b.params.length !== 1 || b.hash || b.program?.blockParams?.length) throw new TemplateRefusal(`{{#${helper}}} takes exactly one template variable`);
      variableOf(b.params[0], `the condition of {{#${helper}}}`);
      checkProgram(b.program);
      checkProgram(b.inverse);
      return;
    }
    default:
      throw new TemplateRefusal(`${node.type.replace(/Statement$/, '').toLowerCase()}s are not allowed`);
  }
}

/**
 * The allow-list, on the parsed template: documented variables as `{{a.b}}` and `{{#if}}` /
 * `{{#unless}}` blocks on them, text and comments. Everything else is refused, so what a
 * template can do does not depend on which helpers some Handlebars version registers.
 */
export function checkTemplateSyntax(source: string): void {
  let ast: hbs.AST.Program;
  try {
    ast = handlebars.parse(source);
  } catch (error) {
    throw new TemplateRefusal(`it does not parse: ${(error as Error).message.split('\n')[0]}`);
  }
  checkProgram(ast);
}

/** Strict Handlebars in an environment of its own; a template is checked before it is compiled. */
function compile(source: string): HandlebarsTemplateDelegate<TemplateContext> {
  let template = compiled.get(source);
  if (!template) {
    checkTemplateSyntax(source);
    // Parsed once per process: a worker renders the same few templates thousands of times.
    if (compiled.size >= MAX_CACHED_TEMPLATES) compiled.clear();
    template = handlebars.compile<TemplateContext>(source, { strict: true, noEscape: true, knownHelpersOnly: true, knownHelpers: KNOWN_HELPERS });
    compiled.set(source, template);
  }
  return template;
}

/** Throws a 422 naming the field and the unknown variable (or the refused construct, or the syntax error). */
export function checkTemplate(source: string, field: string): void {
  try {
    compile(source)(SAMPLE);
  } catch (error) {
    const refusal = error instanceof TemplateRefusal ? error : null;
    const unknown = refusal ? refusal.variable : (/"([^"]+)" not defined/.exec((error as Error).message)?.[1] ?? null);
    const detail = refusal
      ? refusal.variable
        ? refusal.message
        : `is not a valid template: ${refusal.message}`
      : `is not a valid template: ${(error as Error).message.split('\n')[0]}`;
    throw new RuleViolationError('invalid_template', `${field} ${detail}`, { field, variable: unknown, allowed: TEMPLATE_VARIABLES });
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
