import { Foundation1764345600000 } from './1764345600000-Foundation';

/** Every migration, in order. Listed explicitly so builds and bundles never depend on globbing. */
export const MIGRATIONS = [Foundation1764345600000];
