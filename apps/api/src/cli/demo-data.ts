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

/**
 * A few dozen engineers and researchers at US labs, the people the task forces go after.
 * Deterministic, so seeding twice finds them by email and adds nothing.
 */
const PEOPLE: [string, string | null, string, string, string[], string, string][] = [
  ['Wei Zhang', '张伟', 'OpenAI', 'Member of Technical Staff', ['rlhf', 'pytorch'], 'llm', 'h1b'],
  ['Xiaoyu Chen', '陈晓宇', 'Google DeepMind', 'Research Scientist', ['jax', 'tpu'], 'llm', 'o1'],
  ['Hao Liu', '刘浩', 'Waymo', 'Staff Software Engineer', ['lidar', 'perception'], 'autonomous-driving', 'green_card'],
  ['Yifan Wang', '王一帆', 'Meta FAIR', 'Research Engineer', ['retrieval', 'ranking'], 'search', 'h1b'],
  ['Jing Li', '李静', 'Anthropic', 'Member of Technical Staff', ['interpretability', 'pytorch'], 'llm', 'citizen'],
  ['Zihan Zhao', '赵子涵', 'NVIDIA', 'Senior Research Scientist', ['cuda', 'triton'], 'infra', 'h1b'],
  ['Min Huang', '黄敏', 'Apple', 'Speech Scientist', ['asr', 'tts'], 'speech', 'green_card'],
  ['Lei Wu', '吴磊', 'Tesla', 'Autopilot Engineer', ['planning', 'perception'], 'autonomous-driving', 'h1b'],
  ['Fang Zhou', '周芳', 'Microsoft Research', 'Principal Researcher', ['retrieval', 'evaluation'], 'search', 'citizen'],
  ['Rui Xu', '徐睿', 'OpenAI', 'Research Engineer', ['distributed training', 'inference'], 'infra', 'f1_opt'],
  ['Siyu Sun', '孙思雨', 'Google DeepMind', 'Research Engineer', ['diffusion', 'jax'], 'vision', 'h1b'],
  ['Haoran Ma', '马浩然', 'Amazon', 'Applied Scientist', ['ranking', 'recommendation'], 'recommendation', 'h1b'],
  ['Tian Zhu', '朱天', 'xAI', 'Member of Technical Staff', ['pytorch', 'inference'], 'llm', 'o1'],
  ['Yuxuan Hu', '胡宇轩', 'Cruise', 'Perception Engineer', ['lidar', 'tracking'], 'autonomous-driving', 'needs_sponsorship'],
  ['Kai Guo', '郭凯', 'Databricks', 'Staff Engineer', ['spark', 'kubernetes'], 'cloud', 'green_card'],
  ['Ning He', '何宁', 'Apple', 'ML Engineer', ['asr', 'quantization'], 'speech', 'h1b'],
  ['Bo Lin', '林波', 'Anthropic', 'Research Engineer', ['evaluation', 'rlhf'], 'llm', 'f1_stem_opt'],
  ['Yang Gao', '高阳', 'Meta FAIR', 'Research Scientist', ['vision transformers', 'pytorch'], 'vision', 'o1'],
  ['Chen Luo', '罗晨', 'Google', 'Software Engineer, Search', ['ranking', 'retrieval'], 'search', 'h1b'],
  ['Jun Song', '宋军', 'OpenAI', 'Research Scientist', ['reasoning', 'rlhf'], 'llm', 'green_card'],
  ['Lu Zheng', '郑璐', 'NVIDIA', 'Deep Learning Engineer', ['tensorrt', 'cuda'], 'infra', 'h1b'],
  ['Peng Xie', '谢鹏', 'Waymo', 'Research Scientist', ['planning', 'simulation'], 'autonomous-driving', 'citizen'],
  ['Xin Han', '韩鑫', 'Microsoft', 'Speech Researcher', ['tts', 'asr'], 'speech', 'needs_sponsorship'],
  ['Yue Feng', '冯悦', 'Scale AI', 'ML Engineer', ['evaluation', 'data'], 'llm', 'f1_opt'],
  ['Ming Deng', '邓明', 'Character.AI', 'Member of Technical Staff', ['inference', 'quantization'], 'infra', 'h1b'],
  ['Qian Cao', '曹倩', 'Google DeepMind', 'Staff Research Scientist', ['gemini', 'jax'], 'llm', 'green_card'],
  ['Jie Peng', '彭杰', 'Tesla', 'AI Infrastructure Engineer', ['kubernetes', 'cuda'], 'cloud', 'h1b'],
  ['Hui Zeng', '曾慧', 'Amazon', 'Applied Scientist', ['alexa', 'asr'], 'speech', 'h1b'],
  ['Long Xiao', '肖龙', 'Meta', 'Research Engineer', ['recommendation', 'ranking'], 'recommendation', 'o1'],
  ['Ying Tang', '唐颖', 'Apple', 'Research Scientist', ['diffusion', 'vision'], 'vision', 'citizen'],
  ['Daniel Park', null, 'OpenAI', 'Member of Technical Staff', ['pytorch', 'pretraining'], 'llm', 'citizen'],
  ['Priya Raman', null, 'Anthropic', 'Research Engineer', ['rlhf', 'evaluation'], 'llm', 'green_card'],
  ['Alex Kim', null, 'NVIDIA', 'Senior Engineer', ['triton', 'cuda'], 'infra', 'citizen'],
  ['Maya Cohen', null, 'Waymo', 'Staff Engineer', ['perception', 'lidar'], 'autonomous-driving', 'citizen'],
  ['Sam Nguyen', null, 'Google', 'Research Engineer', ['retrieval', 'search'], 'search', 'green_card'],
  ['Lina Ortiz', null, 'Microsoft', 'Applied Scientist', ['speech', 'tts'], 'speech', 'h1b'],
];

const TASK_FORCE_BY_AREA: Record<string, string> = {
  llm: 'ByteDance / Doubao LLM',
  infra: 'ByteDance / Doubao LLM',
  search: 'Alibaba Sunnyvale / Accio',
  recommendation: 'Alibaba Sunnyvale / Accio',
  vision: 'Alibaba Sunnyvale / Accio',
  cloud: 'Alibaba Sunnyvale / Accio',
  speech: 'Baidu SV AI Lab',
  'autonomous-driving': 'Baidu SV AI Lab',
};

export const DEMO_CANDIDATES = PEOPLE.map(([fullName, nativeName, employer, title, skills, area, visa], i) => ({
  fullName,
  nativeName,
  email: `${fullName.toLowerCase().replace(/[^a-z]+/g, '.')}@example.com`,
  employer,
  title,
  skills,
  skillArea: area,
  visa,
  education:
    i % 3 === 0 ? [{ university: 'Tsinghua University', degree: 'bachelor' }] : i % 3 === 1 ? [{ university: 'Stanford University', degree: 'phd' }] : [],
  taskForce: TASK_FORCE_BY_AREA[area],
  stage: (['sourced', 'contacted', 'replied', 'screening', 'interviewing'] as const)[i % 5],
}));

/**
 * Bands in CNY a month (Beijing, 14-month pay) and USD a year (Bay Area) for the task forces'
 * roles. Anchor: 42,874 CNY a month, the average pay of top AI talent, is the P9 LLM midpoint.
 */
const CNY_P9_LLM_MID = 42874;
const LEVEL_FACTORS: [string, number][] = [
  ['P6', 0.45],
  ['P7', 0.6],
  ['P8', 0.78],
  ['P9', 1],
];
const FAMILY_FACTORS: [string, number][] = [
  ['llm', 1],
  ['search', 0.85],
  ['speech', 0.8],
  ['autonomous-driving', 0.9],
];
/** Bay Area pay runs far above the USD value of Beijing pay for the same level. */
const USD_ANNUAL_PER_CNY_MONTHLY = 6.1;

const round = (value: number, step: number) => Math.round(value / step) * step;
export const DEMO_BANDS = FAMILY_FACTORS.flatMap(([family, familyFactor]) =>
  LEVEL_FACTORS.flatMap(([level, levelFactor]) => {
    const mid = CNY_P9_LLM_MID * familyFactor * levelFactor;
    const cnyMid = family === 'llm' && level === 'P9' ? CNY_P9_LLM_MID : round(mid, 100);
    const usdMid = round(mid * USD_ANNUAL_PER_CNY_MONTHLY, 1000);
    return [
      {
        jobFamily: family,
        level,
        zone: 'cn-beijing',
        currency: 'CNY',
        period: 'monthly',
        monthsPerYear: 14,
        min: round(cnyMid * 0.8, 100),
        mid: cnyMid,
        max: round(cnyMid * 1.25, 100),
      },
      {
        jobFamily: family,
        level,
        zone: 'us-bay-area',
        currency: 'USD',
        period: 'annual',
        monthsPerYear: 12,
        min: round(usdMid * 0.8, 1000),
        mid: usdMid,
        max: round(usdMid * 1.25, 1000),
      },
    ];
  }),
);

/** Units of quote per unit of base, as an admin would keep them. */
export const DEMO_FX_RATES = [
  { base: 'CNY', quote: 'USD', rate: '0.1381', asOf: '2026-11-01' },
  { base: 'USD', quote: 'KRW', rate: '1386.5', asOf: '2026-11-01' },
  { base: 'CNY', quote: 'KRW', rate: '191.47', asOf: '2026-11-01' },
  { base: 'USD', quote: 'SGD', rate: '1.3412', asOf: '2026-11-01' },
];

const FIRST_APPROACH_V2 = '{{candidate.firstName}}, a {{taskForce.company}} AI team in {{taskForce.location}}';

/**
 * One outreach sequence per task force, in the recruiter's name. `revision` is its second version,
 * which the generated history (demo-history.ts) saves six weeks before the seed runs: a first step
 * that names the person's work, and the follow-up four days after it instead of three, so that
 * analytics have two versions to compare.
 */
export const DEMO_SEQUENCES = DEMO_TASK_FORCES.map((tf) => {
  const definition = {
    name: `${tf.company} AI engineers, first approach`,
    sender: { fromName: `${tf.recruiter.name}, ${tf.company}`, fromAddress: tf.recruiter.email, replyTo: null },
    steps: [
      {
        delay: 'PT0S',
        subject: '{{taskForce.company}} is hiring in {{taskForce.location}}',
        body: 'Hi {{candidate.firstName}},\n\nYour work at {{candidate.currentEmployer}} caught our eye. {{taskForce.name}} is building a team in {{taskForce.location}}; could we talk this week?\n\n{{sender.name}}\n\nNot interested? {{unsubscribeUrl}}',
      },
      {
        delay: 'P3D',
        subject: 'Re: {{taskForce.company}} is hiring in {{taskForce.location}}',
        body: 'Hi {{candidate.firstName}}, following up on my note. Happy to share details on the role and the team.\n\n{{sender.name}}\n\n{{unsubscribeUrl}}',
      },
      {
        delay: 'P7D',
        subject: 'Last note from {{taskForce.company}}',
        body: "Hi {{candidate.firstName}}, I won't write again unless you'd like me to.\n\n{{sender.name}}\n\n{{unsubscribeUrl}}",
      },
    ],
    sendWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' },
    timeZoneRule: 'candidate',
    holidayCalendars: ['US', 'CN'],
    dailyCapPerSender: 200,
    dailyCapPerRecipientDomain: 20,
    stopRules: { onReply: true, onSameEmployerReply: false },
  };
  const [, , last] = definition.steps;
  const revision = {
    ...definition,
    steps: [
      {
        delay: 'PT0S',
        subject: FIRST_APPROACH_V2,
        body: 'Hi {{candidate.firstName}},\n\nI hire for {{taskForce.name}}. People doing what you do as {{candidate.currentTitle}} at {{candidate.currentEmployer}} are who we are building the team around. Would 20 minutes this week or next suit you?\n\n{{sender.name}}\n\nNot interested? {{unsubscribeUrl}}',
      },
      {
        delay: 'P4D',
        subject: `Re: ${FIRST_APPROACH_V2}`,
        body: 'Hi {{candidate.firstName}}, in case my note got buried: I can share the level, the pay range and the team before any call.\n\n{{sender.name}}\n\n{{unsubscribeUrl}}',
      },
      last,
    ],
  };
  return { taskForce: tf.name, name: definition.name, definition, revision };
});

const WEEKDAY_HOURS = (start: string, end: string) => Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, { start, end }]));

/** ByteDance's panel: two engineers in China, one in the Bay Area; the Hangzhou one has a demo token. */
export const DEMO_INTERVIEWERS = [
  {
    key: 'beijing',
    email: 'li.wei@demo.hiring',
    name: 'Li Wei (Beijing)',
    token: 'hk_demo_interviewer_beijing_do_not_use',
    zone: 'Asia/Shanghai',
    calendars: ['CN'],
    hours: WEEKDAY_HOURS('09:00', '18:00'),
  },
  {
    key: 'hangzhou',
    email: 'zhang.min@demo.hiring',
    name: 'Zhang Min (Hangzhou)',
    token: 'hk_demo_interviewer_hangzhou_do_not_use',
    zone: 'Asia/Shanghai',
    calendars: ['CN'],
    hours: WEEKDAY_HOURS('09:30', '18:30'),
  },
  {
    key: 'sunnyvale',
    email: 'priya.raman@demo.hiring',
    name: 'Priya Raman (Sunnyvale)',
    token: 'hk_demo_interviewer_sunnyvale_do_not_use',
    zone: 'America/Los_Angeles',
    calendars: ['US'],
    hours: WEEKDAY_HOURS('08:00', '17:00'),
  },
] as const;

/** The interview plan of ByteDance's first opening: a screen, a technical panel of two, the hiring manager. */
export const DEMO_PLAN = {
  taskForce: 'ByteDance / Doubao LLM',
  opening: 'LLM Research Scientist, pre-training (Doubao)',
  steps: [
    { kind: 'recruiter_screen', minutes: 30, needed: 1, pool: ['sunnyvale'], attributes: ['motivation', 'communication'], required: false },
    {
      kind: 'technical',
      minutes: 60,
      needed: 2,
      pool: ['beijing', 'hangzhou', 'sunnyvale'],
      attributes: ['distributed training depth', 'coding'],
      required: true,
    },
    { kind: 'hiring_manager', minutes: 45, needed: 1, pool: ['beijing'], attributes: ['research taste', 'team fit'], required: true },
  ],
} as const;
