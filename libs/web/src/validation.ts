import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import { acceptsNull, describeValidationErrors, InvalidInputError } from '@app/platform';

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

  /**
   * A single path or query value reaches its own pipe as sent: the base class would turn "0x1",
   * "1e0" and " 1" into 1 with Number() before a strict pipe could refuse them.
   */
  protected override transformPrimitive(value: unknown): unknown {
    return value;
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
      const problems = describeValidationErrors(errors);
      return new InvalidInputError('validation_failed', problems.map((p) => p.message).join('; ') || 'The request is invalid.', problems);
    },
  });
}
