import { InvalidInputError } from '@app/platform';
import { PipeTransform } from '@nestjs/common';

/** A number in the path (a version, a step): a positive 32-bit integer, else a 400 naming it. */
export class PositiveIntPipe implements PipeTransform<string, number> {
  constructor(private readonly name: string) {}

  transform(value: string): number {
    const n = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
    if (!(n >= 1 && n <= 2_147_483_647)) {
      throw new InvalidInputError(`invalid_${this.name}`, `${this.name} must be a positive integer`, [
        { field: this.name, message: `not a ${this.name} number` },
      ]);
    }
    return n;
  }
}

export class VersionPipe extends PositiveIntPipe {
  constructor() {
    super('version');
  }
}
