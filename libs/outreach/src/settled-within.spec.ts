import { settledWithin } from './settled-within';

describe('settledWithin', () => {
  it('reports each settled promise in order and leaves the pending ones undefined once the time is up', async () => {
    const never = new Promise<string>(() => undefined);
    const results = await settledWithin([Promise.resolve('a'), Promise.reject(new Error('b')), never], 50);
    expect(results[0]).toEqual({ status: 'fulfilled', value: 'a' });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: new Error('b') });
    expect(results[2]).toBeUndefined();
  });

  it('answers as soon as everything has settled', async () => {
    const later = new Promise<number>((resolve) => setTimeout(() => resolve(2), 10));
    const results = await settledWithin([Promise.resolve(1), later], 60_000);
    expect(results.map((r) => r?.status === 'fulfilled' && r.value)).toEqual([1, 2]);
  });
});
