import { Injectable } from '@nestjs/common';

/** The one source of "now", so rules that depend on time can be tested at any instant. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
