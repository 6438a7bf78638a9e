import { InvalidInputError } from '@app/platform';

export const INPUT_LIMITS = { depth: 32, arrayLength: 10_000, nodes: 200_000 } as const;

export type InputPart = 'body' | 'query' | 'path';

/** With the u flag a well-formed pair is one code point, so this matches lone surrogates only. */
const LONE_SURROGATE = /\p{Cs}/u;

function checkText(text: string, path: string, what: string): void {
  if (text.includes('\u0000'))
    throw new InvalidInputError('invalid_characters', `${what} contains a NUL character`, [{ field: path, message: 'contains a NUL character' }]);
  // A lone surrogate cannot be encoded as UTF-8: PostgreSQL refuses it and validators that
  // percent-encode (email, URL) throw on it.
  if (LONE_SURROGATE.test(text)) {
    throw new InvalidInputError('unstorable_text', `${what} holds a lone UTF-16 surrogate, which is not text`, [
      { field: path, message: 'holds a lone UTF-16 surrogate' },
    ]);
  }
}

/**
 * Refuses input whose shape alone could hurt: deep nesting (stack overflows in validators),
 * huge arrays or node counts (quadratic checks), and text that cannot be stored (NUL, lone
 * UTF-16 surrogates) in any value or field name. Iterative, so it cannot overflow itself.
 */
export function checkInputShape(value: unknown, where: InputPart): void {
  const stack: [unknown, number, string][] = [[value, 0, where]];
  let nodes = 0;
  while (stack.length) {
    const [node, depth, path] = stack.pop()!;
    if (++nodes > INPUT_LIMITS.nodes) throw new InvalidInputError('input_too_large', `The ${where} has more than ${INPUT_LIMITS.nodes} values`);
    if (typeof node === 'string') {
      checkText(node, path, path);
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    if (depth >= INPUT_LIMITS.depth) throw new InvalidInputError('input_too_deep', `The ${where} is nested more than ${INPUT_LIMITS.depth} levels deep`);
    if (Array.isArray(node)) {
      if (node.length > INPUT_LIMITS.arrayLength) {
        throw new InvalidInputError('array_too_long', `${path} has more than ${INPUT_LIMITS.arrayLength} items`, [
          { field: path, message: `at most ${INPUT_LIMITS.arrayLength} items` },
        ]);
      }
      node.forEach((item, i) => stack.push([item, depth + 1, `${path}[${i}]`]));
    } else {
      for (const [key, item] of Object.entries(node)) {
        checkText(key, path, `A field name in the ${where}`);
        stack.push([item, depth + 1, path === where ? key : `${path}.${key}`]);
      }
    }
  }
}
