import { createServer, Server, Socket } from 'node:net';

export type ScriptedStage = 'greeting' | 'MAIL' | 'RCPT' | 'DATA' | 'end of data';

/**
 * A bare SMTP server (PIPELINING, no TLS) whose every reply can be held back: for one chosen
 * stage it answers late (`delayMs`) or never (`stall`). It records the EHLO names and QUITs it saw
 * and the messages it accepted, so the client's behaviour at each stage can be told apart.
 */
export interface ScriptedSmtp {
  port: number;
  stage: ScriptedStage | null;
  /** How long the chosen stage's reply takes; Infinity: it never comes. */
  delayMs: number;
  ehloNames: string[];
  /** The connections (numbered from 1 in order) that ended with QUIT. */
  quits: number[];
  messages: string[];
  connections: number;
  close(): Promise<void>;
}

export async function startScriptedSmtp(): Promise<ScriptedSmtp> {
  const sockets = new Set<Socket>();
  const smtp: ScriptedSmtp = {
    port: 0,
    stage: null,
    delayMs: Infinity,
    ehloNames: [],
    quits: [],
    messages: [],
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const later = (stage: ScriptedStage, reply: () => void) => {
    if (smtp.stage !== stage) return reply();
    if (Number.isFinite(smtp.delayMs)) setTimeout(reply, smtp.delayMs);
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const connection = (smtp.connections += 1);
    const say = (line: string) => !socket.destroyed && socket.write(`${line}\r\n`);
    let buffer = '';
    let data: string[] | null = null;
    // Replies go out in command order, each after the one before, as a pipelining server answers.
    let replies = Promise.resolve();
    const answer = (stage: ScriptedStage | null, line: string) => {
      replies = replies.then(() => new Promise<void>((resolve) => (stage ? later(stage, () => (say(line), resolve())) : (say(line), resolve()))));
    };
    answer('greeting', '220 scripted.example ESMTP');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let end: number;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data) {
          if (line === '.') {
            smtp.messages.push(data.join('\r\n'));
            data = null;
            answer('end of data', '250 2.0.0 queued');
          } else data.push(line.startsWith('..') ? line.slice(1) : line);
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') {
          smtp.ehloNames.push(line.slice(5));
          answer(null, '250-scripted.example\r\n250-PIPELINING\r\n250 8BITMIME');
        } else if (verb === 'MAIL') answer('MAIL', '250 2.1.0 ok');
        else if (verb === 'RCPT') answer('RCPT', '250 2.1.5 ok');
        else if (verb === 'DATA') {
          answer('DATA', '354 go ahead');
          data = [];
        } else if (verb === 'RSET') answer(null, '250 2.0.0 ok');
        else if (verb === 'QUIT') {
          smtp.quits.push(connection);
          answer(null, '221 2.0.0 bye');
          replies = replies.then(() => void socket.end());
        } else answer(null, '502 5.5.2 not implemented');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  smtp.port = (server.address() as { port: number }).port;
  return smtp;
}
