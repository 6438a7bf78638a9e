/** The documented list of skill areas (docs/domain.md). Used by task forces, openings, bands. */
export const SKILL_AREAS = ['llm', 'search', 'speech', 'autonomous-driving', 'cloud', 'recommendation', 'vision', 'infra'] as const;
export type SkillArea = (typeof SKILL_AREAS)[number];

export const TASK_FORCE_STATUSES = ['active', 'paused', 'closed'] as const;
export type TaskForceStatus = (typeof TASK_FORCE_STATUSES)[number];

export const OPENING_STATUSES = ['open', 'on_hold', 'filled', 'closed'] as const;
export type OpeningStatus = (typeof OPENING_STATUSES)[number];

/** Alibaba-style P4-P12, Google/ByteDance-style L3-L10, Baidu-style T3-T11. */
export const LEVEL_PATTERN = /^(P([4-9]|1[0-2])|L([3-9]|10)|T([3-9]|1[01]))$/;
