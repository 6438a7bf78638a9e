import 'reflect-metadata';
import { runProcess } from '@app/web';
import { buildWorkerApp } from './worker';

runProcess('worker', async (config) => {
  const app = await buildWorkerApp(config);
  await app.listen(config.WORKER_PORT, config.HOST);
  return app;
});
