import { spawn, execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { AppConfig } from '@app/platform';
import { SmtpSink, startSmtpSink } from '../scripts/smtp-sink';
import { dropRedisKeys, TestDatabase, testConfig } from './support/harness';
import { BuiltProcess, spawnApiProcess, spawnWorkerProcess } from './support/processes';

/**
 * The README's walkthrough, run as written: every shell block from "## Walkthrough with curl" up
 * to "## Configuration", in order, in one bash with `set -e -o pipefail`, against the built API and
 * worker on a database loaded by the demo seed (as `npm run demo` does). Each `# -> {...}` line
 * is checked against the last JSON answer printed before it: every `"key":value` it spells out
 * with a literal value must hold in that answer ("..." stands for anything, "hk_..." for a prefix).
 */
const ROOT = path.join(__dirname, '..');
const SEED = path.join(ROOT, 'dist/apps/api/src/cli/seed.js');
const README_API_LINE = 'API=http://127.0.0.1:3000';
const MARKER = '@@readme-expect';

export function walkthroughBlocks(readme: string): string[] {
  const start = readme.indexOf('\n## Walkthrough with curl\n');
  const end = readme.indexOf('\n## Configuration\n');
  if (start < 0 || end < start) throw new Error('README: the walkthrough sections are missing');
  return [...readme.slice(start, end).matchAll(/^```(?:sh|bash)\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

interface Expectation {
  line: string;
  pairs: { key: string; value: unknown; prefix: boolean }[];
}

/** The `"key":value` pairs of a `# ->` line whose value is a literal (placeholders skipped). */
export function parseExpectation(line: string): Expectation {
  const pairs: Expectation['pairs'] = [];
  const pattern = /"([A-Za-z][\w-]*)":(-?\d+(?:\.\d+)?|true|false|null|"(?:[^"\\]|\\.)*"|\[[^[\]{}]*\])/g;
  for (const [, key, raw] of line.matchAll(pattern)) {
    const value: unknown = JSON.parse(raw);
    if (typeof value === 'string' && (value === '...' || value.includes('<'))) continue;
    if (typeof value === 'string' && value.endsWith('...')) pairs.push({ key, value: value.slice(0, -3), prefix: true });
    else pairs.push({ key, value, prefix: false });
  }
  return { line, pairs };
}

/** The JSON documents in a stretch of output (curl prints answers without a newline after them). */
export function jsonDocuments(text: string): unknown[] {
  const docs: unknown[] = [];
  let depth = 0;
  let begin = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (depth > 0 && c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth++ === 0) begin = i;
    } else if ((c === '}' || c === ']') && depth > 0 && --depth === 0) {
      try {
        docs.push(JSON.parse(text.slice(begin, i + 1)));
      } catch {
        // not JSON (a shell listing, a bracket in a message)
      }
    }
  }
  return docs;
}

/** The shallowest value under `key` anywhere in a document (breadth first). */
function shallowest(doc: unknown, key: string): { found: boolean; value?: unknown } {
  const queue: unknown[] = [doc];
  while (queue.length) {
    const node = queue.shift();
    if (node === null || typeof node !== 'object') continue;
    if (!Array.isArray(node) && Object.prototype.hasOwnProperty.call(node, key)) return { found: true, value: (node as Record<string, unknown>)[key] };
    queue.push(...(Array.isArray(node) ? node : Object.values(node)));
  }
  return { found: false };
}

export function mismatches(expectation: Expectation, doc: unknown): string[] {
  return expectation.pairs.flatMap(({ key, value, prefix }) => {
    const actual = shallowest(doc, key);
    if (!actual.found) return [`"${key}" is missing`];
    const ok = prefix ? typeof actual.value === 'string' && actual.value.startsWith(value as string) : JSON.stringify(actual.value) === JSON.stringify(value);
    return ok ? [] : [`"${key}" is ${JSON.stringify(actual.value)}, the README says ${JSON.stringify(value)}${prefix ? '...' : ''}`];
  });
}

/** One bash script of the blocks, the API address swapped for the test's, each `# ->` line a marker. */
export function walkthroughScript(blocks: string[], apiUrl: string): { script: string; expectations: Expectation[] } {
  const expectations: Expectation[] = [];
  const text = blocks.join('\n');
  if (text.split('\n').filter((l) => l === README_API_LINE).length !== 1) throw new Error(`README: expected one line "${README_API_LINE}"`);
  const lines = text.split('\n').map((line) => {
    if (line === README_API_LINE) return `API=${apiUrl}`;
    if (!line.startsWith('# -> ')) return line;
    expectations.push(parseExpectation(line.slice(5)));
    return `printf '\\n${MARKER} %d@@\\n' ${expectations.length - 1}`;
  });
  const prologue = ['exec 2>&1', 'set -e -o pipefail', `trap 'echo "README command failed with exit code $?: $BASH_COMMAND"' ERR`];
  return { script: [...prologue, ...lines].join('\n'), expectations };
}

function runBash(script: string, cwd: string, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd, env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('README walkthrough', () => {
  let db: TestDatabase;
  let config: AppConfig;
  let sink: SmtpSink;
  let api: BuiltProcess | undefined;
  let worker: BuiltProcess | undefined;
  let dir: string;

  beforeAll(async () => {
    db = await TestDatabase.create('readme');
    config = testConfig(db);
    // The demo data as `npm run demo` loads it (the seed also migrates).
    await promisify(execFile)(process.execPath, [SEED], { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'silent' } });
    // The reader's shell: the repository's docs/ (the sample CSV) and var/mail, where the demo's sink writes.
    dir = mkdtempSync(path.join(tmpdir(), 'readme-'));
    symlinkSync(path.join(ROOT, 'docs'), path.join(dir, 'docs'));
    mkdirSync(path.join(dir, 'var/mail'), { recursive: true });
    sink = await startSmtpSink({ dir: path.join(dir, 'var/mail') });
    const smtp = { SMTP_URL: `smtp://127.0.0.1:${sink.port}` };
    api = await spawnApiProcess(config, { ...smtp, LOG_LEVEL: 'warn' });
    worker = await spawnWorkerProcess(config, smtp);
  }, 60_000);

  afterAll(async () => {
    await worker?.stop();
    await api?.stop();
    await sink?.close();
    await db?.drop();
    if (config) await dropRedisKeys(config);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds the blocks and their claims', () => {
    const blocks = walkthroughBlocks(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    const { expectations } = walkthroughScript(blocks, 'http://127.0.0.1:1');
    expect(expectations.length).toBeGreaterThanOrEqual(10);
    for (const e of expectations) expect(e.pairs.length).toBeGreaterThan(0);
  });

  it('runs every command of the walkthrough as written, and each answer is what the README says', async () => {
    const blocks = walkthroughBlocks(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    const { script, expectations } = walkthroughScript(blocks, api!.url);
    const { code, output } = await runBash(script, dir, 120_000);
    if (code !== 0) throw new Error(`the walkthrough stopped (exit code ${code}):\n${output.slice(-4000)}`);
    const segments = output.split(new RegExp(`\\n${MARKER} \\d+@@\\n`));
    expect(segments).toHaveLength(expectations.length + 1);
    const failures = expectations.flatMap((e, i) => {
      const docs = jsonDocuments(segments[i]);
      if (!docs.length) return [`# -> ${e.line}: no JSON answer before it`];
      const wrong = mismatches(e, docs[docs.length - 1]);
      return wrong.length ? [`# -> ${e.line}\n   ${wrong.join('\n   ')}\n   answer: ${JSON.stringify(docs[docs.length - 1]).slice(0, 600)}`] : [];
    });
    expect(failures).toEqual([]);
    // "mail appears in var/mail/ within a second or two"
    expect(sink.messages.length).toBeGreaterThan(0);
    expect(output).toMatch(/\.eml/);
  }, 150_000);
});

describe('README walkthrough checker', () => {
  it('reads claims and answers as the walkthrough test relies on', () => {
    const e = parseExpectation('{"id":"...","status":"approved","version":1, ..., "initialToken":{"token":"hk_..."},"skipped":[]}');
    expect(e.pairs).toEqual([
      { key: 'status', value: 'approved', prefix: false },
      { key: 'version', value: 1, prefix: false },
      { key: 'token', value: 'hk_', prefix: true },
      { key: 'skipped', value: [], prefix: false },
    ]);
    const docs = jsonDocuments('total 0\n{"a":"}{"}{"status":"approved","version":2,"initialToken":{"token":"hk_x"},"skipped":[]}');
    expect(docs).toHaveLength(2);
    expect(mismatches(e, docs[1])).toEqual(['"version" is 2, the README says 1']);
  });
});
