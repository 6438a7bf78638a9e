import { InvalidInputError } from '../errors/domain-error';
import { newId } from '../ids';
import { decodeCursor, encodeCursor, toPage } from './cursor';

describe('cursors', () => {
  it('round-trip an id', () => {
    const id = newId();
    expect(decodeCursor(encodeCursor(id))).toBe(id);
    expect(decodeCursor(undefined)).toBeUndefined();
  });

  it('reject anything the API did not issue', () => {
    for (const bad of ['abc', Buffer.from('v1:not-a-uuid').toString('base64url'), Buffer.from('v2:' + newId()).toString('base64url')]) {
      expect(() => decodeCursor(bad)).toThrow(InvalidInputError);
    }
  });

  it('pages with one extra row to know whether more follow', () => {
    const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    expect(toPage(rows, 2, (r) => r.id)).toEqual({ data: ['a', 'b'], nextCursor: encodeCursor('b') });
    expect(toPage(rows, 3, (r) => r.id)).toEqual({ data: ['a', 'b', 'c'], nextCursor: null });
  });

  it('uses time-ordered ids, so key order is creation order', () => {
    const ids = Array.from({ length: 1000 }, () => newId());
    expect([...ids].sort()).toEqual(ids);
  });
});
