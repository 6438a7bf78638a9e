import { UnrecoverableError } from 'bullmq';
import { NotFoundError } from '../errors/domain-error';
import { withRetryPolicy } from './job-failure';
import { ALL_QUEUES, JOB_QUEUE, JobName } from './jobs';
import { redisOptionsFromUrl } from './redis-connection';

describe('queue plumbing', () => {
  it('maps every job to a registered queue', () => {
    for (const job of Object.values(JobName)) expect(ALL_QUEUES).toContain(JOB_QUEUE[job]);
  });

  it('parses Redis URLs', () => {
    expect(redisOptionsFromUrl('redis://:p%40ss@cache.internal:6380/2')).toMatchObject({ host: 'cache.internal', port: 6380, password: 'p@ss', db: 2 });
    expect(redisOptionsFromUrl('rediss://127.0.0.1')).toMatchObject({ port: 6379, db: 0, tls: {} });
  });

  it('makes domain refusals final and lets other failures retry', async () => {
    await expect(withRetryPolicy(async () => Promise.reject(new NotFoundError('Enrollment', 'x')))).rejects.toBeInstanceOf(UnrecoverableError);
    const transient = new Error('connection reset');
    await expect(withRetryPolicy(async () => Promise.reject(transient))).rejects.toBe(transient);
    await expect(withRetryPolicy(async () => 42)).resolves.toBe(42);
  });

  it('keeps no address in what a failed job leaves in Redis', async () => {
    const smtp = new Error('550 5.1.1 <wei.zhang@lab.example.com>: Recipient address rejected');
    await expect(withRetryPolicy(async () => Promise.reject(smtp))).rejects.toBe(smtp);
    expect(smtp.message).toBe('550 5.1.1 <[email]>: Recipient address rejected');
    expect(smtp.stack).not.toContain('wei.zhang');
  });
});
