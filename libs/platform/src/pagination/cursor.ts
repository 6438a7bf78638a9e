import { InvalidInputError } from '../errors/domain-error';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Lists are ordered by primary key. Keys are UUIDv7, so that order is creation order and a
 * keyset (`id > cursor`) never repeats or skips a row that existed when paging started, whatever
 * is inserted meanwhile. The cursor is the last id, wrapped so clients treat it as opaque.
 */
export function encodeCursor(lastId: string): string {
  return Buffer.from(`v1:${lastId}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = decoded.startsWith('v1:') ? decoded.slice(3) : '';
  if (!UUID.test(id)) {
    throw new InvalidInputError('invalid_cursor', 'cursor is not one this API returned', [{ field: 'cursor', message: 'cursor is malformed' }]);
  }
  return id;
}

/** Builds a page from rows fetched with `limit + 1`: the extra row only proves there is more. */
export function toPage<T, R>(rows: T[], limit: number, map: (row: T) => R, keyOf: (row: T) => string = (row) => (row as { id: string }).id): Page<R> {
  const more = rows.length > limit;
  const slice = more ? rows.slice(0, limit) : rows;
  return { data: slice.map(map), nextCursor: more ? encodeCursor(keyOf(slice[slice.length - 1])) : null };
}
