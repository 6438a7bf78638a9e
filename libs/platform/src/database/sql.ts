/**
 * TypeORM's `query()` answers an UPDATE or DELETE with `[rows, affectedCount]` and anything else
 * with the rows. These name the two readings so call sites stay honest about which they expect.
 */
export function returnedRows<T>(updateOrDeleteResult: unknown): T[] {
  const result = updateOrDeleteResult as [T[], number];
  return Array.isArray(result) && Array.isArray(result[0]) ? result[0] : [];
}

export function affectedCount(updateOrDeleteResult: unknown): number {
  const result = updateOrDeleteResult as [unknown[], number];
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
}

/** PostgreSQL's unique_violation: the database refused a second row with the same key. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === '23505';
}
