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

module.exports = { sleep, databaseUrl, adminQuery, freePort, waitForHealth, benchTaskForce };
