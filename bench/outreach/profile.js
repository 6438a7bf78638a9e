// bench/outreach profile: preloaded into each outreach worker process with `node --require` when
// BENCH_PROFILE=1, to see where a step's time goes without touching the application. It counts
// and times every Postgres query (by statement), the waits for a pooled Postgres connection, the
// nodemailer sendMail calls, and the event loop's utilisation; on exit it writes them as JSON to
// $BENCH_PROFILE_OUT/<pid>.json. Only timers and counters: the overhead is a few microseconds
// per query. With BENCH_CPU_PROFILE=1 it also runs V8's sampling CPU profiler (in-process, via
// node:inspector) and writes $BENCH_PROFILE_OUT/<pid>.cpuprofile.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const fromRoot = (id) => require(require.resolve(id, { paths: [root] }));

let cpuSession = null;
const cpuProfileStartedAt = Date.now();
if (process.env.BENCH_CPU_PROFILE === '1') {
  const inspector = require('node:inspector');
  cpuSession = new inspector.Session();
  cpuSession.connect();
  cpuSession.post('Profiler.enable');
  cpuSession.post('Profiler.setSamplingInterval', { interval: 500 });
  cpuSession.post('Profiler.start');
}

const statements = new Map();
const pool = { connects: 0, waitMs: 0, maxWaitMs: 0, inUseMax: 0, waitingMax: 0, exhausted: 0 };
const mail = { sends: 0, ms: 0, maxMs: 0, inFlight: 0, inFlightMax: 0 };
const elu0 = performance.eventLoopUtilization();
const startedAt = Date.now();
// Once a second: [time, event-loop utilisation, CPU ms] over that second, so the bench can take
// the figures for the sending window alone (start-up excluded).
const timeline = [];
let eluPrev = elu0;
let cpuPrev = process.cpuUsage();
setInterval(() => {
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  timeline.push([Date.now(), performance.eventLoopUtilization(elu, eluPrev).utilization, (cpu.user - cpuPrev.user + cpu.system - cpuPrev.system) / 1000]);
  eluPrev = elu;
  cpuPrev = cpu;
}, 1000).unref();

function keyOf(text) {
  const flat = String(text).replace(/\s+/g, ' ').trim();
  return flat.length > 90 ? `${flat.slice(0, 90)}…` : flat;
}
function record(key, ms) {
  let s = statements.get(key);
  if (!s) statements.set(key, (s = { count: 0, ms: 0, maxMs: 0 }));
  s.count += 1;
  s.ms += ms;
  if (ms > s.maxMs) s.maxMs = ms;
}

const { Client } = fromRoot('pg');
const query = Client.prototype.query;
Client.prototype.query = function profiledQuery(config, values, callback) {
  const text = typeof config === 'string' ? config : config && config.text;
  if (!text) return query.call(this, config, values, callback);
  const key = keyOf(text);
  const t = performance.now();
  const cb = typeof values === 'function' ? values : callback;
  if (cb) {
    const wrapped = (err, res) => {
      record(key, performance.now() - t);
      cb(err, res);
    };
    return typeof values === 'function' ? query.call(this, config, wrapped) : query.call(this, config, values, wrapped);
  }
  const result = query.call(this, config, values);
  if (result && typeof result.then === 'function') {
    result.then(
      () => record(key, performance.now() - t),
      () => record(key, performance.now() - t),
    );
  }
  return result;
};

const Pool = fromRoot('pg-pool');
const connect = Pool.prototype.connect;
Pool.prototype.connect = function profiledConnect(cb) {
  const t = performance.now();
  // At the moment of asking: connections checked out, and callers already queued for one.
  const inUse = this.totalCount - this.idleCount;
  if (inUse > pool.inUseMax) pool.inUseMax = inUse;
  if (this.waitingCount > pool.waitingMax) pool.waitingMax = this.waitingCount;
  if (this.idleCount === 0 && this.totalCount >= (this.options.max ?? 10)) pool.exhausted += 1;
  const done = () => {
    const ms = performance.now() - t;
    pool.connects += 1;
    pool.waitMs += ms;
    if (ms > pool.maxWaitMs) pool.maxWaitMs = ms;
  };
  if (typeof cb === 'function') {
    return connect.call(this, (err, client, release) => {
      if (!err) done();
      return cb(err, client, release);
    });
  }
  return connect.call(this).then((client) => {
    done();
    return client;
  });
};

const Mailer = require(path.join(path.dirname(require.resolve('nodemailer', { paths: [root] })), 'mailer/index.js'));
const MailerClass = Mailer.default ?? Mailer;
const sendMail = MailerClass.prototype.sendMail;
MailerClass.prototype.sendMail = function profiledSendMail(data, callback) {
  if (callback) return sendMail.call(this, data, callback);
  const t = performance.now();
  mail.inFlight += 1;
  if (mail.inFlight > mail.inFlightMax) mail.inFlightMax = mail.inFlight;
  const settle = () => {
    const ms = performance.now() - t;
    mail.inFlight -= 1;
    mail.sends += 1;
    mail.ms += ms;
    if (ms > mail.maxMs) mail.maxMs = ms;
  };
  const p = sendMail.call(this, data);
  p.then(settle, settle);
  return p;
};

let written = false;
function dump() {
  const out = process.env.BENCH_PROFILE_OUT;
  if (!out || written) return;
  written = true;
  if (cpuSession) {
    // An in-thread inspector session answers synchronously, so this works inside a signal handler.
    cpuSession.post('Profiler.stop', (err, result) => {
      if (!err) fs.writeFileSync(path.join(out, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  }
  const elu = performance.eventLoopUtilization(elu0);
  const cpu = process.cpuUsage();
  fs.writeFileSync(
    path.join(out, `${process.pid}.json`),
    JSON.stringify({
      pid: process.pid,
      wallMs: Date.now() - startedAt,
      cpuMs: (cpu.user + cpu.system) / 1000,
      eventLoopUtilization: elu.utilization,
      statements: [...statements.entries()].map(([sql, s]) => ({ sql, ...s })),
      pool,
      mail,
      timeline,
      cpuProfileStartedAt,
    }),
  );
}
// Nest's shutdown hooks end the process by re-raising the signal, which skips 'exit': write on
// the signal itself (the bench stops workers only after the last step), and on 'exit' otherwise.
process.once('SIGTERM', dump);
process.once('SIGINT', dump);
process.on('exit', dump);
