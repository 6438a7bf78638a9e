import { encodeCursor, InvalidInputError, newId } from '@app/platform';
import { decodeGroupCursor, encodeGroupCursor } from './look-alikes';

describe('duplicate group cursors', () => {
  it('round-trip a group key and read an absent cursor as the start', () => {
    const key = 'c4ca4238a0b923820dcc509a6f75849b';
    expect(decodeGroupCursor(encodeGroupCursor(key))).toBe(key);
    expect(decodeGroupCursor(undefined)).toBeNull();
    expect(decodeGroupCursor('')).toBeNull();
  });

  it('refuse anything else, including a cursor of another list', () => {
    for (const bad of [
      'abc',
      encodeCursor(newId()),
      Buffer.from("g1:' OR 1=1 --").toString('base64url'),
      encodeGroupCursor('C4CA4238A0B923820DCC509A6F75849B'),
    ]) {
      expect(() => decodeGroupCursor(bad)).toThrow(InvalidInputError);
    }
  });
});
