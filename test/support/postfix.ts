import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './redis-server';

const run = promisify(execFile);
const POSTFIX = '/usr/sbin/postfix';

/**
 * A Postfix instance of the suite's own: its own config, queue and data directories under a temp
 * directory, listening on its own port on 127.0.0.1, delivering to Maildirs. The system's Postfix
 * (its /etc/postfix and its service) is never read, started or stopped.
 */
export interface PostfixInstance {
  readonly port: number;
  readonly smtpUrl: string;
  /** The instance's root: conf/ (main.cf, master.cf), queue/, data/, mail/<domain>/Maildir, maillog. */
  readonly dir: string;
  /** The domain whose mailboxes exist; any other user of it is refused at RCPT with 550 5.1.1. */
  readonly domain: string;
  /** A new mailbox of `domain` (local part `user`, or a generated one); rules and mailboxes take effect at once. */
  addMailbox(user?: string): Promise<string>;
  /** Mail delivered to an address (by its Delivered-To), oldest first, parsed (headers unfolded, names lower-cased; the first of a repeated name). */
  delivered(address: string): Message[];
  /** Refuse this envelope sender at RCPT (smtpd_delay_reject) with `554 5.7.1 <sender>: Sender address rejected: <text>`. */
  rejectSender(address: string, text?: string): Promise<void>;
  /** Answer RCPT for this recipient with `451 4.7.1 <recipient>: Recipient address rejected: <text>` (greylisting). */
  greylist(address: string, text?: string): Promise<void>;
  /** Make the server wait `seconds` before answering RCPT for this recipient. */
  slowRcpt(address: string, seconds: number): Promise<void>;
  /** Drop every rule added by rejectSender, greylist and slowRcpt. */
  clearRules(): Promise<void>;
  /** Messages in the instance's queue (accepted, not yet delivered). */
  queued(): Promise<number>;
  /** The instance's mail log, for assertions and for diagnosing a failed test. */
  log(): string;
  /** `postfix stop`: the master and its children exit; open connections are closed. */
  stop(): Promise<void>;
  start(): Promise<void>;
  running(): boolean;
  /** Stops the instance and removes its directory. */
  close(): Promise<void>;
}

export interface Message {
  file: string;
  raw: string;
  headers: Record<string, string>;
  body: string;
}

function parse(file: string, raw: string): Message {
  const end = raw.indexOf('\n\n');
  const head = (end < 0 ? raw : raw.slice(0, end)).replace(/\r/g, '').replace(/\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split('\n')) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    if (colon > 0 && !(name in headers)) headers[name] = line.slice(colon + 1).trim();
  }
  return { file, raw, headers, body: end < 0 ? '' : raw.slice(end + 2) };
}

/**
 * Installs Debian's postfix package when /usr/sbin/postfix is missing. "No configuration" keeps the
 * package from setting up or starting the system's own instance. Throws with the reason when it cannot.
 */
export function ensurePostfix(): void {
  if (existsSync(POSTFIX)) return;
  const how = 'install Debian\'s "postfix" package (apt-get install postfix) or run the tests as root on a Debian-based system';
  if (process.getuid?.() !== 0) throw new Error(`Postfix is missing and installing it needs root: ${how}`);
  if (!existsSync('/usr/bin/apt-get')) throw new Error(`Postfix is missing and this system has no apt-get: ${how}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => execFileSync('apt-get', ['install', '-y', '-qq', 'postfix'], { env, stdio: 'pipe', timeout: 300_000 });
  try {
    execFileSync('debconf-set-selections', { input: 'postfix postfix/main_mailer_type select No configuration\n', stdio: ['pipe', 'ignore', 'ignore'] });
    try {
      install();
    } catch {
      execFileSync('apt-get', ['update', '-qq'], { env, stdio: 'pipe', timeout: 300_000 });
      install();
    }
  } catch (error) {
    const e = error as { stderr?: Buffer; message: string };
    throw new Error(`Postfix could not be installed (${e.stderr?.toString().trim() || e.message}): ${how}`, { cause: error });
  }
  if (!existsSync(POSTFIX)) throw new Error(`apt-get installed postfix but ${POSTFIX} is missing: ${how}`);
}

const MASTER_CF = (port: number, deliveryMaps: string) => `# service type private unpriv chroot wakeup maxproc command
127.0.0.1:${port} inet n - n - - smtpd
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
local unix - n n - - local
virtual unix - n n - - virtual -o virtual_mailbox_maps=${deliveryMaps}
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
`;

/**
 * Serves Postfix's socketmap protocol (netstrings: "name key" -> "OK value" | "NOTFOUND ") from
 * the test process, so mailboxes and rules take effect on the next lookup, also for connections
 * that are already open; tables that Postfix reads from files would need a reload, which an
 * smtpd process serving an open connection does not see.
 */
async function startSocketmap(lookup: (name: string, key: string) => string | undefined): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const netstring = (text: string) => {
    const data = Buffer.from(text, 'utf8');
    return Buffer.concat([Buffer.from(`${data.length}:`), data, Buffer.from(',')]);
  };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const colon = pending.indexOf(0x3a);
        if (colon < 0) return;
        const length = Number(pending.subarray(0, colon).toString());
        if (pending.length < colon + length + 2) return;
        const request = pending.subarray(colon + 1, colon + 1 + length).toString('utf8');
        pending = pending.subarray(colon + length + 2);
        const space = request.indexOf(' ');
        const value = lookup(request.slice(0, space), request.slice(space + 1).toLowerCase());
        socket.write(netstring(value === undefined ? 'NOTFOUND ' : `OK ${value}`));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Starts a Postfix instance of its own (installing Postfix first when missing). */
export async function startPostfix(options: { domain?: string; mailboxes?: string[] } = {}): Promise<PostfixInstance> {
  ensurePostfix();
  const domain = options.domain ?? 'candidates.test';
  const root = mkdtempSync(path.join(os.tmpdir(), 'postfix-'));
  // The daemons run as the postfix user and read the tables and the mail base below.
  chmodSync(root, 0o755);
  const owner = Number(execFileSync('id', ['-u', 'postfix']).toString().trim());
  const group = Number(execFileSync('id', ['-g', 'postfix']).toString().trim());
  const conf = path.join(root, 'conf');
  const mail = path.join(root, 'mail');
  mkdirSync(conf);
  mkdirSync(path.join(root, 'queue'));
  mkdirSync(path.join(root, 'data'));
  mkdirSync(mail);
  chownSync(path.join(root, 'data'), owner, group);
  chownSync(mail, owner, group);
  const port = await freePort();
  const mailboxes = new Set<string>((options.mailboxes ?? []).map((u) => `${u}@${domain}`.toLowerCase()));
  const senders = new Map<string, string>();
  const recipients = new Map<string, string>();
  const maps = await startSocketmap((name, key) => {
    // The Maildir path, relative to virtual_mailbox_base; the trailing slash asks for a Maildir.
    if (name === 'mailbox') return mailboxes.has(key) ? `${domain}/Maildir/` : undefined;
    if (name === 'sender') return senders.get(key);
    if (name === 'recipient') return recipients.get(key);
    return undefined;
  });
  const table = (name: string) => `socketmap:inet:127.0.0.1:${maps.port}:${name}`;
  writeFileSync(
    path.join(conf, 'main.cf'),
    [
      'compatibility_level = 3.6',
      `queue_directory = ${path.join(root, 'queue')}`,
      `data_directory = ${path.join(root, 'data')}`,
      'mail_owner = postfix',
      'setgid_group = postdrop',
      `syslog_name = postfix-test-${port}`,
      `maillog_file = ${path.join(root, 'maillog')}`,
      `maillog_file_prefixes = ${root}`,
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      'myhostname = mx.postfix.test',
      'mydomain = postfix.test',
      'myorigin = $myhostname',
      'mydestination =',
      'relay_domains =',
      'mynetworks = 127.0.0.0/8',
      'alias_maps =',
      'alias_database =',
      'local_recipient_maps =',
      'biff = no',
      'smtputf8_enable = yes',
      'smtpd_banner = $myhostname ESMTP',
      `virtual_mailbox_domains = ${domain}`,
      `virtual_mailbox_base = ${mail}`,
      `virtual_mailbox_maps = ${table('mailbox')}`,
      `virtual_uid_maps = static:${owner}`,
      `virtual_gid_maps = static:${group}`,
      'smtpd_delay_reject = yes',
      `smtpd_sender_restrictions = check_sender_access ${table('sender')}`,
      'smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination',
      `smtpd_recipient_restrictions = check_recipient_access ${table('recipient')}, reject_unlisted_recipient`,
      'smtpd_reject_unlisted_recipient = yes',
      'unknown_virtual_mailbox_reject_code = 550',
      'smtpd_error_sleep_time = 0',
      'smtpd_soft_error_limit = 1000',
      'smtpd_hard_error_limit = 1000',
      'smtpd_client_connection_rate_limit = 0',
      'anvil_rate_time_unit = 60s',
      'queue_run_delay = 1s',
      'minimal_backoff_time = 1s',
      'maximal_backoff_time = 2s',
      'shlib_directory = /usr/lib/postfix',
      '',
    ].join('\n'),
  );
  // virtual(8) takes the Maildir path from neither a socketmap nor a regexp substitution: every
  // recipient is delivered to one Maildir (each message says whom in Delivered-To), and smtpd
  // (main.cf's maps) decides at RCPT who exists.
  writeFileSync(path.join(conf, 'master.cf'), MASTER_CF(port, `static:${domain}/Maildir/`));
  const postfix = (...args: string[]) => run(POSTFIX, ['-c', conf, ...args], { timeout: 30_000 });
  const pidFile = path.join(root, 'queue', 'pid', 'master.pid');
  const masterPid = () => {
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      process.kill(pid, 0);
      return pid;
    } catch {
      return null;
    }
  };
  const listening = async (want: boolean) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const up = await new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1');
        socket.once('data', () => (socket.end(), resolve(true)));
        socket.once('error', () => resolve(false));
      });
      if (up === want) return;
      if (Date.now() > deadline) throw new Error(`the Postfix instance in ${root} did not ${want ? 'start' : 'stop'} listening on ${port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const readLog = () => {
    try {
      return readFileSync(path.join(root, 'maillog'), 'utf8');
    } catch {
      return '';
    }
  };
  const start = async () => {
    try {
      await postfix('start');
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`the Postfix instance in ${root} did not start: ${e.stderr || e.message}\n${readLog()}`, { cause: error });
    }
    await listening(true);
  };
  const stop = async () => {
    if (masterPid() === null) return;
    await postfix('stop').catch(() => undefined);
    // `postfix stop` returns before the master's children have closed their connections.
    const deadline = Date.now() + 15_000;
    while (masterPid() !== null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const pid = masterPid();
    if (pid !== null) process.kill(pid, 'SIGKILL');
    await listening(false);
  };
  const address = (a: string) => a.toLowerCase();
  const maildir = path.join(mail, domain, 'Maildir');

  await start();
  return {
    port,
    smtpUrl: `smtp://127.0.0.1:${port}`,
    dir: root,
    domain,
    async addMailbox(user) {
      const a = address(`${user ?? `u${Math.random().toString(36).slice(2, 10)}`}@${domain}`);
      mailboxes.add(a);
      return a;
    },
    delivered(a) {
      const out: Message[] = [];
      for (const sub of ['new', 'cur']) {
        const dir = path.join(maildir, sub);
        if (!existsSync(dir)) continue;
        for (const f of readdirSync(dir)) {
          const message = parse(f, readFileSync(path.join(dir, f), 'utf8'));
          if (message.headers['delivered-to']?.toLowerCase() === address(a)) out.push(message);
        }
      }
      // Maildir names start with the delivery time in seconds, then a sequence: by name is by arrival.
      return out.sort((x, y) => x.file.localeCompare(y.file, 'en', { numeric: true }));
    },
    async rejectSender(a, text = 'not permitted to relay') {
      senders.set(address(a), `554 5.7.1 ${text}`);
    },
    async greylist(a, text = 'greylisted, try again later') {
      recipients.set(address(a), `451 4.7.1 ${text}`);
    },
    async slowRcpt(a, seconds) {
      recipients.set(address(a), `sleep ${Math.round(seconds)}, permit`);
    },
    async clearRules() {
      senders.clear();
      recipients.clear();
    },
    async queued() {
      const { stdout } = await run('/usr/sbin/postqueue', ['-c', conf, '-j'], { timeout: 10_000 });
      return stdout.split('\n').filter((l) => l.trim().startsWith('{')).length;
    },
    log: readLog,
    stop,
    start,
    running: () => masterPid() !== null,
    async close() {
      await stop();
      await maps.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
