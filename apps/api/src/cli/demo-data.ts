/**
 * Demo data from the domain brief: three Silicon Valley task forces of Chinese tech companies
 * hiring AI engineers, mostly from US labs.
 */
export const DEMO_ADMIN = { email: 'admin@demo.hiring', name: 'Demo Admin', token: 'hk_demo_admin_token_do_not_use_in_production' };

export const DEMO_TASK_FORCES = [
  {
    name: 'Alibaba Sunnyvale / Accio',
    company: 'Alibaba',
    location: 'Sunnyvale, CA',
    timeZone: 'America/Los_Angeles',
    focusAreas: ['search', 'llm'],
    headcountTarget: 12,
    targetEmployers: ['OpenAI', 'Google DeepMind', 'Meta FAIR', 'Anthropic'],
    recruiter: { email: 'mei.chen@demo.hiring', name: 'Mei Chen', token: 'hk_demo_recruiter_alibaba_do_not_use' },
    openings: [
      { title: 'Staff Engineer, AI search ranking (Accio)', skillArea: 'search', level: 'P8', headcount: 3 },
      { title: 'Senior Research Engineer, LLM retrieval', skillArea: 'llm', level: 'P7', headcount: 4 },
      { title: 'Principal Scientist, search relevance', skillArea: 'search', level: 'P9', headcount: 1 },
    ],
  },
  {
    name: 'ByteDance / Doubao LLM',
    company: 'ByteDance',
    location: 'San Jose, CA',
    timeZone: 'America/Los_Angeles',
    focusAreas: ['llm', 'infra'],
    headcountTarget: 20,
    targetEmployers: ['OpenAI', 'Anthropic', 'Google DeepMind', 'xAI'],
    recruiter: { email: 'jun.wang@demo.hiring', name: 'Jun Wang', token: 'hk_demo_recruiter_bytedance_do_not_use' },
    openings: [
      { title: 'LLM Research Scientist, pre-training (Doubao)', skillArea: 'llm', level: 'L7', headcount: 5 },
      { title: 'Research Engineer, RLHF and alignment', skillArea: 'llm', level: 'L6', headcount: 4 },
      { title: 'Senior Engineer, training infrastructure', skillArea: 'infra', level: 'L6', headcount: 3 },
    ],
  },
  {
    name: 'Baidu SV AI Lab',
    company: 'Baidu',
    location: 'Sunnyvale, CA',
    timeZone: 'America/Los_Angeles',
    focusAreas: ['speech', 'autonomous-driving'],
    headcountTarget: 8,
    targetEmployers: ['Waymo', 'Cruise', 'Apple', 'Google'],
    recruiter: { email: 'lin.zhao@demo.hiring', name: 'Lin Zhao', token: 'hk_demo_recruiter_baidu_do_not_use' },
    openings: [
      { title: 'Senior Scientist, speech recognition', skillArea: 'speech', level: 'T7', headcount: 2 },
      { title: 'Staff Engineer, autonomous-driving perception', skillArea: 'autonomous-driving', level: 'T8', headcount: 2 },
    ],
  },
] as const;
