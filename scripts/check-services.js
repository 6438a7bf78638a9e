// Exit code bit 1: PostgreSQL does not answer at DATABASE_URL; bit 2: Redis does not answer at REDIS_URL.
const { Client } = require('pg');
const net = require('node:net');

const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379');

async function pgUp() {
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redisUp() {
  return new Promise((resolve) => {
    const socket = net.connect({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
    const done = (ok) => (socket.destroy(), resolve(ok));
    socket.setTimeout(2000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write(redisUrl.password ? `AUTH ${decodeURIComponent(redisUrl.password)}\r\nPING\r\n` : 'PING\r\n'));
    socket.on('data', (d) => done(d.toString().includes('PONG')));
  });
}

Promise.all([pgUp(), redisUp()]).then(([pg, redis]) => process.exit((pg ? 0 : 1) | (redis ? 0 : 2)));
