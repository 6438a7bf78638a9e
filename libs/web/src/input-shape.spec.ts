import { InvalidInputError } from '@app/platform';
import { checkInputShape } from './input-shape';

const codeOf = (value: unknown, where: 'body' | 'query' | 'path' = 'body') => {
  try {
    checkInputShape(value, where);
    return null;
  } catch (error) {
    return error instanceof InvalidInputError ? { code: error.code, fields: error.errors.map((e) => e.field) } : error;
  }
};

describe('checkInputShape', () => {
  it('accepts text in every script, and surrogate pairs', () => {
    expect(codeOf({ name: '张伟 Zhang Wei', note: 'ok \u{1f600}', list: ['\u00e9', { deep: '\ud83d\ude00' }] })).toBeNull();
  });

  it('refuses a lone surrogate wherever it is: values, nested values, field names, query and path', () => {
    expect(codeOf({ email: 'a\ud800@example.com' })).toEqual({ code: 'unstorable_text', fields: ['email'] });
    expect(codeOf({ education: [{ university: 'x' }, { university: '\udfff' }] })).toEqual({ code: 'unstorable_text', fields: ['education[1].university'] });
    expect(codeOf({ steps: [{ body: 'tail \ud83d' }] })).toEqual({ code: 'unstorable_text', fields: ['steps[0].body'] });
    expect(codeOf({ ['k\udc00']: 1 })).toMatchObject({ code: 'unstorable_text' });
    expect(codeOf('csv,text\n\ud800')).toMatchObject({ code: 'unstorable_text' });
    expect(codeOf({ q: '\ud800' }, 'query')).toEqual({ code: 'unstorable_text', fields: ['q'] });
    expect(codeOf({ id: '\ud800' }, 'path')).toEqual({ code: 'unstorable_text', fields: ['id'] });
  });

  it('still refuses NUL first, in values and field names', () => {
    expect(codeOf({ name: 'a\u0000b' })).toEqual({ code: 'invalid_characters', fields: ['name'] });
    expect(codeOf({ ['a\u0000']: 1 })).toMatchObject({ code: 'invalid_characters' });
  });
});
