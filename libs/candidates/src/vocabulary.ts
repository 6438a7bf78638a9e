/** The documented lists of the candidates module (docs/domain.md). */
export const VISA_STATUSES = ['citizen', 'green_card', 'h1b', 'o1', 'l1', 'tn', 'f1_opt', 'f1_stem_opt', 'needs_sponsorship', 'other', 'unknown'] as const;
export type VisaStatus = (typeof VISA_STATUSES)[number];

export const SOURCES = ['sourced', 'referral', 'inbound', 'agency'] as const;
export type Source = (typeof SOURCES)[number];

export const CONSENT_STATES = ['unknown', 'granted', 'opted_out'] as const;
export type ConsentState = (typeof CONSENT_STATES)[number];

export const DEGREES = ['bachelor', 'master', 'phd', 'other'] as const;
