import { identitiesOf, normalizeEmail, normalizeGitHub, normalizeLinkedIn } from './identity';

describe('identity normalisation', () => {
  it.each([
    ['Wei.Zhang@Gmail.com', 'weizhang@gmail.com'],
    ['wei.zhang+recruiters@gmail.com', 'weizhang@gmail.com'],
    ['w.e.i.zhang@googlemail.com', 'weizhang@gmail.com'],
    ['  Li.Ming+ai@Outlook.com ', 'li.ming@outlook.com'],
    ['li.ming+ai@openai.com', 'li.ming+ai@openai.com'],
    ['First.Last@Tsinghua.edu.cn', 'first.last@tsinghua.edu.cn'],
  ])('email %s -> %s', (input, expected) => expect(normalizeEmail(input)).toBe(expected));

  it.each([
    ['https://www.linkedin.com/in/Wei-Zhang/', 'linkedin.com/in/wei-zhang'],
    ['http://cn.linkedin.com/in/wei-zhang?trk=profile', 'linkedin.com/in/wei-zhang'],
    ['linkedin.com/in/wei-zhang#about', 'linkedin.com/in/wei-zhang'],
    ['https://www.linkedin.com/company/openai', null],
    ['https://linkedin.evil.com/in/x', null],
  ])('LinkedIn %s -> %s', (input, expected) => expect(normalizeLinkedIn(input)).toBe(expected));

  it.each([
    ['https://github.com/WeiZhang/', 'github.com/weizhang'],
    ['https://www.github.com/weizhang/repo', 'github.com/weizhang'],
    ['github.com/weizhang', 'github.com/weizhang'],
    ['https://gist.github.com/weizhang', null],
    ['https://github.com/', null],
  ])('GitHub %s -> %s', (input, expected) => expect(normalizeGitHub(input)).toBe(expected));

  it('collects each identity once', () => {
    expect(identitiesOf({ emails: ['a.b@gmail.com', 'ab@gmail.com'], linkedinUrl: 'https://linkedin.com/in/ab', githubUrl: null })).toEqual([
      { kind: 'email', value: 'ab@gmail.com' },
      { kind: 'linkedin', value: 'linkedin.com/in/ab' },
    ]);
  });
});
