import { InvalidInputError } from '@app/platform';
import { PipeTransform } from '@nestjs/common';

/** A version number in the path: a positive 32-bit integer, else a 400 naming it. */
export class VersionPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const n = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
    if (!(n >= 1 && n <= 2_147_483_647)) {
      throw new InvalidInputError('invalid_version', 'version must be a positive integer', [{ field: 'version', message: 'not a version number' }]);
    }
    return n;
  }
}
