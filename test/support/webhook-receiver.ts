import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/** Settings that make the worker dispatch, retry and give up within a test's time. */
export const FAST_WEBHOOKS = {
  WEBHOOK_RETRY_SCHEDULE: '0.2,0.3,0.3',
  WEBHOOK_DISPATCH_INTERVAL_MS: '100',
  WEBHOOK_RECONCILE_INTERVAL_MS: '500',
  WEBHOOK_TIMEOUT_MS: '1500',
};

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** What the receiver answers a request: a status and a body, or `hang` (never answers), or `redirect`. */
export type Answer = { status: number; body?: string } | 'hang';

/**
 * A real HTTP server on loopback that records every request and answers as its `respond`
 * function says (per path, so one receiver serves several endpoints).
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  respond: (request: Received, seenBefore: number) => Answer = () => ({ status: 204 });
  private server!: Server;
  port = 0;

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    receiver.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request: Received = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
        const id = request.headers['webhook-id'];
        const seenBefore = receiver.received.filter((r) => r.path === request.path && r.headers['webhook-id'] === id).length;
        receiver.received.push(request);
        const answer = receiver.respond(request, seenBefore);
        if (answer === 'hang') return;
        res.writeHead(answer.status, answer.status >= 300 && answer.status < 400 ? { location: 'http://127.0.0.1:1/elsewhere' } : {});
        res.end(answer.body ?? '');
      });
    });
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    receiver.port = (receiver.server.address() as AddressInfo).port;
    return receiver;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
