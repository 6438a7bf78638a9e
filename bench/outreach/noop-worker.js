// bench/outreach no-op worker: the raw BullMQ baseline. One process = one bullmq Worker with an
// async no-op processor, the same concurrency and the same kind of Redis connection as the
// outreach worker's. Forked by run.js, which asks over IPC:
//   { cmd: 'stats' } -> { type: 'stats', completed, failed, firstAt, lastAt }
//   { cmd: 'stop' }  -> closes the worker and exits
// and gets { type: 'ready' } once the worker is running.
//   env: REDIS_URL, NOOP_QUEUE, NOOP_PREFIX, NOOP_CONCURRENCY
'use strict';
const { Worker } = require('bullmq');
const { redisOptionsFromUrl } = require('../../dist/libs/platform/src/queue/redis-connection');

const connection = { ...redisOptionsFromUrl(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'), maxRetriesPerRequest: null };
let completed = 0;
let failed = 0;
let firstAt = null;
let lastAt = null;

const worker = new Worker(process.env.NOOP_QUEUE, async () => undefined, {
  connection,
  prefix: process.env.NOOP_PREFIX,
  concurrency: Number(process.env.NOOP_CONCURRENCY ?? 8),
});
worker.on('completed', () => {
  completed += 1;
  const now = Date.now();
  if (firstAt === null) firstAt = now;
  lastAt = now;
});
worker.on('failed', () => {
  failed += 1;
});
worker.on('error', (e) => process.stderr.write(`noop worker: ${e.message}\n`));

process.on('message', async (msg) => {
  if (!msg || typeof msg !== 'object') return;
  if (msg.cmd === 'stats') process.send({ type: 'stats', completed, failed, firstAt, lastAt });
  else if (msg.cmd === 'stop') {
    setTimeout(() => process.exit(0), 5000).unref();
    await worker.close().catch(() => undefined);
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
worker.waitUntilReady().then(() => process.send({ type: 'ready' }));
