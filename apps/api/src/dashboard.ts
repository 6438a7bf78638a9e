import fastifyStatic from '@fastify/static';
import { clientAddress, RateLimiter, sendProblem } from '@app/web';
import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const DASHBOARD_PATH = '/dashboard';
const logger = new Logger('Dashboard');

/**
 * The page's scripts, styles and data all come from this origin: nothing inline, nothing from
 * elsewhere, no framing, and no form may post anywhere (the sign-in form is handled by the script).
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The page's files: next to this module, where the build copies them (nest-cli.json assets), or in
 * the sources when the build ran without copying them.
 */
export function dashboardAssets(): string {
  const candidates = [join(__dirname, 'dashboard'), resolve(__dirname, '../../../../apps/api/src/dashboard')];
  const found = candidates.find((dir) => existsSync(join(dir, 'index.html')));
  if (!found) throw new Error(`the dashboard's files are in none of ${candidates.join(', ')}`);
  return found;
}

/**
 * A read-only dashboard of the insight reports at /dashboard (docs/dashboard.md). The page and its
 * assets are public, like /docs: they hold no data. The data calls the page makes carry the user's
 * token and go through the API's guards like any client's.
 */
export async function mountDashboard(app: NestFastifyApplication): Promise<void> {
  const root = dashboardAssets();
  // Chart.js's self-contained UMD build, from the installed package (its exports hide dist/ itself).
  const chartDir = dirname(require.resolve('chart.js'));
  const limiter = app.get(RateLimiter);
  await app.register(async (scope: FastifyInstance) => {
    // Fastify routes are out of reach of Nest's guards: the same public budget per address as /docs.
    scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        await limiter.spend('public', `dashboard:${clientAddress(request)}`, reply);
      } catch (error) {
        sendProblem(request, reply, error, logger);
        return reply;
      }
    });
    scope.addHook('onSend', async (_request: FastifyRequest, reply: FastifyReply) => {
      void reply.header('content-security-policy', DASHBOARD_CSP);
      void reply.header('x-content-type-options', 'nosniff');
      void reply.header('referrer-policy', 'no-referrer');
      void reply.header('x-frame-options', 'DENY');
      void reply.header('cross-origin-opener-policy', 'same-origin');
    });
    // Only the files of the page's folder, each a route of its own; revalidated on every load.
    await scope.register(fastifyStatic, {
      root,
      prefix: `${DASHBOARD_PATH}/`,
      wildcard: false,
      cacheControl: false,
      setHeaders: (reply: FastifyReply) => void reply.header('cache-control', 'no-cache'),
    });
    scope.get(DASHBOARD_PATH, (_request, reply) => reply.sendFile('index.html'));
    scope.get(`${DASHBOARD_PATH}/vendor/chart.umd.js`, (_request, reply) => reply.sendFile('chart.umd.js', chartDir));
  });
}
