// What the benchmarks share: databases of their own, waiting for a process to be healthy, the
// task force they create.
'use strict';
const net = require('node:net');
const { Client } = require('pg');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The URL of database `name` on the server that `baseUrl` names. */
function databaseUrl(baseUrl, name) {
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Runs one statement (CREATE/DROP DATABASE ...) on its own connection. */
async function adminQuery(baseUrl, sql) {
  const c = new Client({ connectionString: baseUrl });
  await c.connect();
  try {
    return await c.query(sql);
  } finally {
    await c.end();
  }
}

/** A TCP port free on 127.0.0.1 at the moment of asking. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** True once `url` answers 200; false if the child exits first or the time runs out. */
async function waitForHealth(url, child, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) return false;
    try {
      if ((await fetch(url)).status === 200) return true;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  return false;
}

const benchTaskForce = (name) => ({
  name,
  company: 'ByteDance',
  location: 'San Jose, CA',
  timeZone: 'America/Los_Angeles',
  focusAreas: ['llm'],
  headcountTarget: 10,
  targetEmployers: ['OpenAI'],
});

/** Runs the built app's migrations on the database at `url` (one that exists). */
async function migrate(url) {
  const { dataSourceOptions, runMigrationsLocked } = require('../dist/libs/platform/src');
  const { DataSource } = require('typeorm');
  const ds = await new DataSource(dataSourceOptions(url)).initialize();
  try {
    await runMigrationsLocked(ds);
  } finally {
    await ds.destroy();
  }
}

/** Database `name` on `baseUrl`'s server, dropped if it was there, created empty and migrated; its URL. */
async function freshDatabase(baseUrl, name) {
  await adminQuery(baseUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await adminQuery(baseUrl, `CREATE DATABASE ${name}`);
  const url = databaseUrl(baseUrl, name);
  await migrate(url);
  return url;
}

/** Deletes every Redis key under `prefix` (SCAN + UNLINK; never FLUSHALL: the Redis is shared); how many. */
async function removeRedisKeys(connection, prefix) {
  const IORedis = require('ioredis');
  const redis = new IORedis(connection);
  let removed = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 2000);
      cursor = next;
      if (keys.length) removed += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return removed;
}

module.exports = { sleep, databaseUrl, adminQuery, freePort, waitForHealth, benchTaskForce, migrate, freshDatabase, removeRedisKeys };
