import { InvalidInputError } from '@app/platform';

/**
 * Distinct look-alike keys one page of duplicate groups may step through. Keys of a single
 * candidate (or of candidates the caller cannot see) cost a step but yield no group, so a page
 * can end short of `limit`, even empty, with a nextCursor to continue from.
 */
export const KEYS_PER_PAGE = 1000;

const GROUP_CURSOR = /^g1:([0-9a-f]{32})$/;

export const encodeGroupCursor = (key: string) => Buffer.from(`g1:${key}`, 'utf8').toString('base64url');

export function decodeGroupCursor(cursor: string | undefined): string | null {
  if (cursor === undefined || cursor === '') return null;
  const match = GROUP_CURSOR.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new InvalidInputError('invalid_cursor', 'cursor is not one this API returned', [{ field: 'cursor', message: 'cursor is malformed' }]);
  return match[1];
}

/** Live candidates, as candidates_lookalike_idx is partial on exactly this. */
export const LIVE = `c.erased_at IS NULL AND c.merged_into IS NULL`;

/** The normalised name and employer, as hashed into candidates.lookalike_key. */
export const LOOK_ALIKE_NAME = `lower(regexp_replace(trim(c.full_name), '\\s+', ' ', 'g'))`;
export const LOOK_ALIKE_EMPLOYER = `lower(coalesce(c.current_employer, ''))`;
