import { RuleViolationError } from '@app/platform';
import { checkTemplate, render } from './templates';

const context = {
  candidate: {
    firstName: 'Xiaoyu',
    lastName: 'Chen',
    fullName: 'Xiaoyu Chen',
    nativeName: '陈晓宇',
    currentEmployer: 'Google DeepMind',
    currentTitle: 'Research Scientist',
  },
  taskForce: { name: 'Alibaba Sunnyvale / Accio', company: 'Alibaba', location: 'Sunnyvale, CA' },
  sender: { name: 'Mei Chen', address: 'mei.chen@example.com' },
  unsubscribeUrl: 'https://hiring.example/v1/unsubscribe?token=t',
};

describe('templates', () => {
  it('render the known variables without HTML escaping', () => {
    expect(render('Hi {{candidate.firstName}}, {{taskForce.company}} & Accio want you at {{candidate.currentEmployer}}? {{unsubscribeUrl}}', context)).toBe(
      'Hi Xiaoyu, Alibaba & Accio want you at Google DeepMind? https://hiring.example/v1/unsubscribe?token=t',
    );
    expect(render('{{#if candidate.nativeName}}{{candidate.nativeName}}{{/if}}', context)).toBe('陈晓宇');
  });

  it('refuse unknown variables, helpers and broken syntax, naming them', () => {
    const refusal = (source: string) => {
      try {
        checkTemplate(source, 'steps[0].body');
      } catch (e) {
        expect(e).toBeInstanceOf(RuleViolationError);
        return (e as RuleViolationError).extra;
      }
      return null;
    };
    expect(refusal('Hi {{candidate.nickname}}')).toMatchObject({ field: 'steps[0].body', variable: 'nickname' });
    expect(refusal('Hi {{salary}}')).toMatchObject({ variable: 'salary' });
    expect(refusal('{{shout candidate.firstName}}')).not.toBeNull();
    expect(refusal('Hi {{candidate.firstName')).not.toBeNull();
    expect(refusal('Hi {{candidate.firstName}} from {{sender.name}}')).toBeNull();
  });
});
