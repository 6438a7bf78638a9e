/**
 * Text that may reach a log line or a failed job in Redis, with personal data taken out:
 * addresses, quoted values and constraint key values. docs/privacy.md says what is kept.
 */

/** Without slashes, so the `@scope/package` of a stack's paths is left alone. */
const EMAIL = /[^\s<>()[\]{}"'`,;:/@]+@[^\s<>()[\]{}"'`,;:/@]+\.[^\s<>()[\]{}"'`,;:/@]+/g;
/** Postgres quotes the offending value ("invalid input syntax for type uuid: "x""), and also names; names stay. */
const QUOTED = /"(?:[^"\\]|\\.|"")*"/g;
const NAMES_NEXT =
  /\b(?:constraint|relation|column|table|index|type|function|schema|sequence|database|role|extension|operator|trigger|view|cursor|savepoint|statement|parameter|policy|domain|collation|publication|subscription|server|tablespace|user)\s$/i;
/** Key (email)=(x@y) in a constraint message. */
const KEY_VALUES = /\)=\((?:[^()]|\([^()]*\))*\)/g;

export function scrubText(text: string): string {
  return text
    .replace(EMAIL, '[email]')
    .replace(KEY_VALUES, ')=([redacted])')
    .replace(QUOTED, (quoted, offset: number, whole: string) => (NAMES_NEXT.test(whole.slice(Math.max(0, offset - 16), offset)) ? quoted : '"[redacted]"'));
}
