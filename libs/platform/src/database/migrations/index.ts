import { Foundation1764345600000 } from './1764345600000-Foundation';
import { Candidates1764432000000 } from './1764432000000-Candidates';
import { Compensation1764518400000 } from './1764518400000-Compensation';
import { Sequences1764604800000 } from './1764604800000-Sequences';
import { OutreachSending1764691200000 } from './1764691200000-OutreachSending';
import { OutreachBatchClaims1764777600000 } from './1764777600000-OutreachBatchClaims';
import { NoteScopes1765000000000 } from './1765000000000-NoteScopes';
import { BoundedReads1765000100000 } from './1765000100000-BoundedReads';
import { NormalizedEmails1765000300000 } from './1765000300000-NormalizedEmails';
import { Privacy1765000200000 } from './1765000200000-Privacy';
import { SuppressionAdmin1765000400000 } from './1765000400000-SuppressionAdmin';
import { SearchPlans1765000500000 } from './1765000500000-SearchPlans';
import { CandidateReach1765000600000 } from './1765000600000-CandidateReach';
import { DomainEvents1765000700000 } from './1765000700000-DomainEvents';
import { OutreachDueOrder1765000800000 } from './1765000800000-OutreachDueOrder';
import { Webhooks1765000900000 } from './1765000900000-Webhooks';
import { OfferRateChecks1765001000000 } from './1765001000000-OfferRateChecks';
import { Insight1765001100000 } from './1765001100000-Insight';
import { FunnelMonthly1765001200000 } from './1765001200000-FunnelMonthly';
import { Interviews1765001300000 } from './1765001300000-Interviews';
import { InterviewMailClaims1765001310000 } from './1765001310000-InterviewMailClaims';

/** Every migration, in order. Listed explicitly so builds and bundles never depend on globbing. */
export const MIGRATIONS = [
  Foundation1764345600000,
  Candidates1764432000000,
  Compensation1764518400000,
  Sequences1764604800000,
  OutreachSending1764691200000,
  OutreachBatchClaims1764777600000,
  NoteScopes1765000000000,
  BoundedReads1765000100000,
  Privacy1765000200000,
  NormalizedEmails1765000300000,
  SuppressionAdmin1765000400000,
  SearchPlans1765000500000,
  CandidateReach1765000600000,
  DomainEvents1765000700000,
  OutreachDueOrder1765000800000,
  Webhooks1765000900000,
  OfferRateChecks1765001000000,
  Insight1765001100000,
  FunnelMonthly1765001200000,
  Interviews1765001300000,
  InterviewMailClaims1765001310000,
];
