import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { acceptsNull, FieldProblem, InvalidInputError } from '@app/platform';

function flatten(errors: ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = parent ? (/^\d+$/.test(e.property) ? `${parent}[${e.property}]` : `${parent}.${e.property}`) : e.property;
    const rules = Object.entries(e.constraints ?? {});
    if (rules.some(([rule]) => rule === 'whitelistValidation')) return [{ field, message: `${field} is not a known field` }];
    if (rules.length > 0 && e.value === undefined) return [{ field, message: `${field} is required` }];
    const own = rules.map(([, message]) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/**
 * Strict input: unknown fields are refused, not dropped, so a misspelt field never passes
 * silently. Values are not coerced in bodies; query strings are converted where a DTO says so.
 */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype && this.toValidate(metadata)) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw new InvalidInputError('body_must_be_object', 'The request body must be a JSON object.');
      }
      const nulls = Object.entries(value)
        .filter(([field, v]) => v === null && !acceptsNull(metadata.metatype, field))
        .map(([field]) => ({ field, message: `${field} cannot be null` }));
      if (nulls.length) throw new InvalidInputError('validation_failed', nulls.map((n) => n.message).join('; '), nulls);
    }
    return super.transform(value, metadata);
  }
}

export function strictValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false, exposeDefaultValues: true },
    validationError: { target: false, value: true },
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const problems = flatten(errors);
      return new InvalidInputError('validation_failed', problems.map((p) => p.message).join('; ') || 'The request is invalid.', problems);
    },
  });
}
