import { InvalidInputError } from '@app/platform';

export const INPUT_LIMITS = { depth: 32, arrayLength: 10_000, nodes: 200_000 } as const;

/**
 * Refuses input whose shape alone could hurt: deep nesting (stack overflows in validators),
 * huge arrays or node counts (quadratic checks), and NUL characters (which PostgreSQL text cannot
 * hold). Iterative, so it cannot overflow itself.
 */
export function checkInputShape(value: unknown, where: 'body' | 'query'): void {
  const stack: [unknown, number, string][] = [[value, 0, where]];
  let nodes = 0;
  while (stack.length) {
    const [node, depth, path] = stack.pop()!;
    if (++nodes > INPUT_LIMITS.nodes) throw new InvalidInputError('input_too_large', `The ${where} has more than ${INPUT_LIMITS.nodes} values`);
    if (typeof node === 'string') {
      if (node.includes('\u0000')) throw new InvalidInputError('invalid_characters', `${path} contains a NUL character`, [{ field: path, message: 'contains a NUL character' }]);
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    if (depth >= INPUT_LIMITS.depth) throw new InvalidInputError('input_too_deep', `The ${where} is nested more than ${INPUT_LIMITS.depth} levels deep`);
    if (Array.isArray(node)) {
      if (node.length > INPUT_LIMITS.arrayLength) {
        throw new InvalidInputError('array_too_long', `${path} has more than ${INPUT_LIMITS.arrayLength} items`, [{ field: path, message: `at most ${INPUT_LIMITS.arrayLength} items` }]);
      }
      node.forEach((item, i) => stack.push([item, depth + 1, `${path}[${i}]`]));
    } else {
      for (const [key, item] of Object.entries(node)) {
        if (key.includes('\u0000')) throw new InvalidInputError('invalid_characters', `A field name in the ${where} contains a NUL character`);
        stack.push([item, depth + 1, path === where ? key : `${path}.${key}`]);
      }
    }
  }
}
