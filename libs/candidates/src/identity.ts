/**
 * Normal forms used to recognise the same person twice (docs/domain.md):
 * - email: in Unicode NFC, trimmed and lower-cased; for providers with plus-addressing the "+tag" is dropped;
 *   for Gmail the dots of the local part are dropped too and googlemail.com is gmail.com;
 * - LinkedIn: linkedin.com/in/<slug>, whatever the scheme, www./country subdomain, case,
 *   trailing slash, query or fragment;
 * - GitHub: github.com/<user>, likewise.
 */
const PLUS_ADDRESSING = new Set([
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'fastmail.com',
  'proton.me',
  'protonmail.com',
  'qq.com',
  '163.com',
]);

export function normalizeEmail(address: string): string {
  // NFC first: josé typed on one keyboard and josé on another are one address (and one person).
  const trimmed = address.normalize('NFC').trim().toLowerCase();
  const at = trimmed.lastIndexOf('@');
  if (at < 1) return trimmed;
  let local = trimmed.slice(0, at);
  let domain = trimmed.slice(at + 1);
  if (domain === 'googlemail.com') domain = 'gmail.com';
  if (PLUS_ADDRESSING.has(domain)) local = local.split('+')[0];
  if (domain === 'gmail.com') local = local.replace(/\./g, '');
  return `${local}@${domain}`;
}

function parseUrl(raw: string): URL | null {
  const trimmed = raw.trim();
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`);
  } catch {
    return null;
  }
}

function segments(url: URL): string[] {
  return url.pathname
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => decodeURIComponent(s).toLowerCase());
}

export function normalizeLinkedIn(raw: string): string | null {
  const url = parseUrl(raw);
  if (!url || !/(^|\.)linkedin\.com$/i.test(url.hostname)) return null;
  const [kind, slug] = segments(url);
  if (!slug || !['in', 'pub'].includes(kind)) return null;
  return `linkedin.com/in/${slug}`;
}

export function normalizeGitHub(raw: string): string | null {
  const url = parseUrl(raw);
  if (!url || !/^(www\.)?github\.com$/i.test(url.hostname)) return null;
  const [user] = segments(url);
  if (!user || !/^[a-z0-9](?:[a-z0-9-]{0,38})$/.test(user)) return null;
  return `github.com/${user}`;
}

export interface Identity {
  kind: 'email' | 'linkedin' | 'github';
  value: string;
}

export function identitiesOf(c: { emails?: string[]; linkedinUrl?: string | null; githubUrl?: string | null }): Identity[] {
  const out: Identity[] = [];
  for (const e of c.emails ?? []) out.push({ kind: 'email', value: normalizeEmail(e) });
  const linkedin = c.linkedinUrl ? normalizeLinkedIn(c.linkedinUrl) : null;
  if (linkedin) out.push({ kind: 'linkedin', value: linkedin });
  const github = c.githubUrl ? normalizeGitHub(c.githubUrl) : null;
  if (github) out.push({ kind: 'github', value: github });
  const seen = new Set<string>();
  return out.filter((i) => !seen.has(`${i.kind}:${i.value}`) && seen.add(`${i.kind}:${i.value}`));
}
