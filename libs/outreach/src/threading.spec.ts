import { threadHeaders } from './threading';

const step = (newThread?: boolean) => ({ delay: 'P1D', subject: 's', body: 'b', ...(newThread === undefined ? {} : { newThread }) });
const sent = (...steps: number[]) => steps.map((n) => ({ step: n, messageId: `<e.${n}@hiring.example.com>` }));

describe('threading of follow-ups', () => {
  it('starts the conversation at step 1 and replies to every earlier step from step 2 on', () => {
    const steps = [step(), step(), step()];
    expect(threadHeaders(steps, 1, [])).toEqual({});
    expect(threadHeaders(steps, 2, sent(1))).toEqual({ 'In-Reply-To': '<e.1@hiring.example.com>', References: '<e.1@hiring.example.com>' });
    expect(threadHeaders(steps, 3, sent(2, 1))).toEqual({
      'In-Reply-To': '<e.2@hiring.example.com>',
      References: '<e.1@hiring.example.com> <e.2@hiring.example.com>',
    });
  });

  it('starts a new conversation at a step marked newThread, and threads the steps after it from there', () => {
    const steps = [step(), step(), step(true), step(false)];
    expect(threadHeaders(steps, 3, sent(1, 2))).toEqual({});
    expect(threadHeaders(steps, 4, sent(1, 2, 3))).toEqual({ 'In-Reply-To': '<e.3@hiring.example.com>', References: '<e.3@hiring.example.com>' });
  });

  it('replies to the latest message that went out when the step before was not sent', () => {
    expect(threadHeaders([step(), step(), step()], 3, sent(1))).toEqual({ 'In-Reply-To': '<e.1@hiring.example.com>', References: '<e.1@hiring.example.com>' });
  });
});
