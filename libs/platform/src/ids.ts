import { v7 } from 'uuid';

/** Time-ordered ids: the primary key doubles as a stable creation-order sort key for paging. */
export function newId(): string {
  return v7();
}
