import { AppConfig } from '@app/platform';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './redis-server';

const WORKER_MAIN = path.join(__dirname, '../../dist/apps/worker/src/main.js');
const API_MAIN = path.join(__dirname, '../../dist/apps/api/src/main.js');
const FROM_SOURCE = path.join(__dirname, 'run-from-source.js');

export interface BuiltProcess {
  url: string;
  pid: number;
  logLines(): string[];
  stop(): Promise<void>;
}

/** Starts a built entry point on a free port and waits for its /health; its output is kept as log lines. */
async function spawnBuilt(
  label: string,
  main: string,
  portVariable: string,
  env: Record<string, string>,
  echoStderr: boolean,
  args: string[] = [main],
): Promise<BuiltProcess> {
  if (!existsSync(main)) throw new Error(`${main} is missing: run the tests with "npm test", which builds first`);
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { ...process.env, ...env, [portVariable]: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (echoStderr) process.stderr.write(chunk);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`${label} process exited with ${child.exitCode}: ${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${label} process did not become healthy`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid!,
    logLines: () => output.split('\n').filter((l) => l.length > 0),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const shared = (config: AppConfig) => ({
  DATABASE_URL: config.DATABASE_URL,
  REDIS_URL: config.REDIS_URL,
  QUEUE_PREFIX: config.QUEUE_PREFIX,
  MIGRATIONS_RUN_ON_START: 'false',
});

/**
 * A real worker process (the built one, as deployed), sharing a suite's database, Redis and prefix;
 * its log lines are kept for the suite (and its stderr still shown).
 */
export function spawnWorkerProcess(config: AppConfig, env: Record<string, string> = {}): Promise<BuiltProcess> {
  return spawnBuilt('worker', WORKER_MAIN, 'WORKER_PORT', { ...shared(config), LOG_LEVEL: 'warn', ...env }, true);
}

/**
 * A real worker process running the working tree's sources (transpiled as they load, see
 * run-from-source.js), for suites that kill a worker and must not depend on what dist/ holds.
 */
export function spawnWorkerFromSource(config: AppConfig, env: Record<string, string> = {}): Promise<BuiltProcess> {
  return spawnBuilt('worker', FROM_SOURCE, 'WORKER_PORT', { ...shared(config), LOG_LEVEL: 'warn', ...env }, true, [FROM_SOURCE, 'apps/worker/src/main.ts']);
}

/** A real API process (the built one), sharing a suite's database and Redis, whose log lines the suite reads. */
export function spawnApiProcess(config: AppConfig, env: Record<string, string> = {}): Promise<BuiltProcess> {
  return spawnBuilt(
    'API',
    API_MAIN,
    'PORT',
    {
      ...shared(config),
      ...(config.ADMIN_BOOTSTRAP_TOKEN ? { ADMIN_BOOTSTRAP_TOKEN: config.ADMIN_BOOTSTRAP_TOKEN } : {}),
      RATE_LIMIT_PER_MINUTE: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...env,
    },
    false,
  );
}
