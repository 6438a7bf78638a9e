import { validationRule } from '@app/platform';
import { normalizeGitHub, normalizeLinkedIn } from './identity';

const urlRule = (name: string, test: (value: string) => boolean, message: string) =>
  validationRule(
    name,
    (value) => typeof value === 'string' && value.length <= 300 && test(value),
    (property) => `${property} ${message}`,
  );

export const IsLinkedInProfileUrl = urlRule(
  'isLinkedInProfileUrl',
  (v) => normalizeLinkedIn(v) !== null,
  'must be a LinkedIn profile URL such as https://www.linkedin.com/in/jane-doe',
);
export const IsGitHubProfileUrl = urlRule(
  'isGitHubProfileUrl',
  (v) => normalizeGitHub(v) !== null,
  'must be a GitHub profile URL such as https://github.com/janedoe',
);
export const IsScholarUrl = urlRule(
  'isScholarUrl',
  (v) => {
    try {
      const url = new URL(v);
      return /^https?:$/.test(url.protocol) && /^scholar\.google\.[a-z.]+$/i.test(url.hostname);
    } catch {
      return false;
    }
  },
  'must be a Google Scholar URL such as https://scholar.google.com/citations?user=abc123',
);
