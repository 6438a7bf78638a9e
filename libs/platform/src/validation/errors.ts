import type { ValidationError } from 'class-validator';
import type { FieldProblem } from '../errors/domain-error';

/**
 * class-validator's errors as one problem per broken rule, with dotted/indexed field paths
 * (education[1].university); unknown fields and missing values get one plain message each.
 */
export function describeValidationErrors(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = parent ? (/^\d+$/.test(e.property) ? `${parent}[${e.property}]` : `${parent}.${e.property}`) : e.property;
    const rules = Object.entries(e.constraints ?? {});
    if (rules.some(([rule]) => rule === 'whitelistValidation')) return [{ field, message: `${field} is not a known field` }];
    if (rules.length > 0 && e.value === undefined) return [{ field, message: `${field} is required` }];
    const own = rules.map(([, message]) => ({ field, message }));
    return [...own, ...describeValidationErrors(e.children ?? [], field)];
  });
}
