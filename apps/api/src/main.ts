import 'reflect-metadata';
import { runProcess } from '@app/web';
import { buildApiApp } from './api';

runProcess('api', async (config) => {
  const app = await buildApiApp(config);
  await app.listen(config.PORT, config.HOST);
  return app;
});
