import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { v7 } from 'uuid';
import { normalizeEmail, normalizeGitHub, normalizeLinkedIn, Stage } from '@app/candidates';
import { formatAmount } from '@app/compensation';
import { capDay, capDomainKey, messageIdFor, nextSendTime, render, SequenceDefinition, templateContext } from '@app/outreach';
import { DEMO_CANDIDATES, DEMO_TASK_FORCES } from './demo-data';

/**
 * A generated history beside the hand-written demo candidates: a few hundred people sourced over
 * the twelve weeks before the seed runs, moved through the task forces' pipelines, written to by
 * the demo sequences, and some of them offered a job. The people are the same on every machine
 * (a seeded PRNG, never Math.random); their history is laid out backwards from the seed's run
 * time, so it is always "the past twelve weeks". Every row is shaped as the service that
 * normally writes it would write it (see the comments at each table).
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** How far back the history reaches. */
export const HISTORY_DAYS = 84;
/** The task forces, openings, sequences and bands are dated this far back, before the first person was sourced. */
export const SETUP_DAYS = 91;
/** When the sequences got their second version. */
const REVISION_DAYS = 42;

// ---------------------------------------------------------------------------------------------
// A small seeded PRNG.

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  between(min: number, max: number): number;
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  weighted<T>(items: readonly (readonly [T, number])[]): T;
  normal(mean: number, sd: number): number;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32, seeded from a string: the same seed gives the same numbers everywhere. */
export function seededRng(seed: string): Rng {
  let state = fnv1a(seed);
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    between: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)],
    weighted: (items) => {
      const total = items.reduce((sum, [, w]) => sum + w, 0);
      let u = next() * total;
      for (const [item, w] of items) if ((u -= w) < 0) return item;
      return items[items.length - 1][0];
    },
    normal: (mean, sd) => {
      const u = Math.max(next(), 1e-9);
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
  };
  return rng;
}

// ---------------------------------------------------------------------------------------------
// The people.

/** "Wang 王, Li 李": pinyin and characters. */
const pairs = (text: string) => text.split(', ').map((w) => w.split(' ') as [string, string]);
/** "OpenAI 14, Google DeepMind 13": names with weights. */
const weights = (text: string) => text.split(', ').map((w) => [w.slice(0, w.lastIndexOf(' ')), Number(w.slice(w.lastIndexOf(' ') + 1))] as [string, number]);
const list = (text: string) => text.split(' | ');

const SURNAMES = pairs(
  'Wang 王, Li 李, Zhang 张, Liu 刘, Chen 陈, Yang 杨, Huang 黄, Zhao 赵, Wu 吴, Zhou 周, Xu 徐, Sun 孙, Ma 马, Zhu 朱, Hu 胡, Guo 郭, He 何, Lin 林, ' +
    'Gao 高, Luo 罗, Zheng 郑, Liang 梁, Xie 谢, Song 宋, Tang 唐, Han 韩, Feng 冯, Deng 邓, Cao 曹, Peng 彭, Zeng 曾, Xiao 肖, Tian 田, Dong 董, Pan 潘, ' +
    'Yuan 袁, Cai 蔡, Jiang 蒋, Yu 余, Du 杜, Ye 叶, Cheng 程, Wei 魏, Su 苏, Lyu 吕, Ding 丁, Ren 任, Shen 沈, Yao 姚, Fang 方, Jin 金, Qian 钱, Dai 戴, ' +
    'Xia 夏, Bai 白, Shi 石',
);
const GIVEN_NAMES = pairs(
  'Wei 伟, Fang 芳, Min 敏, Jing 静, Lei 磊, Qiang 强, Yang 洋, Jie 杰, Tao 涛, Ming 明, Chao 超, Hui 慧, Jun 军, Ying 颖, Hao 浩, Yu 宇, Xin 欣, Lu 璐, ' +
    'Bo 博, Kai 凯, Rui 睿, Yi 怡, Ning 宁, Peng 鹏, Xiaoyu 晓宇, Yifan 一帆, Zihan 子涵, Haoran 浩然, Yuxuan 宇轩, Siyu 思雨, Zhiyuan 志远, Jiahui 佳慧, ' +
    'Xinyi 欣怡, Tianyi 天一, Mingyu 明宇, Wenjie 文杰, Jiayi 佳怡, Zixuan 子轩, Yuhang 宇航, Ruoxi 若溪, Kexin 可欣, Shiyu 诗雨, Junjie 俊杰, Haoyu 浩宇, ' +
    'Yiming 一鸣, Chenxi 晨曦, Ziyi 子怡, Yutong 雨桐, Jiaming 家明, Qingyu 清宇, Zhihao 志豪, Lingfeng 凌峰',
);
const FIRST_NAMES = list(
  'Michael | Sarah | David | Emily | James | Jessica | Rachel | Kevin | Laura | Ryan | Olivia | Andrew | Hannah | Ethan | Sophia | Nathan | Chloe | Lucas | ' +
    'Grace | Benjamin | Aaron | Arjun | Ananya | Rohan | Neha | Vikram | Divya | Omar | Leila | Mateo | Sofia | Jonas | Elena | Tomasz | Anna | Jiho | ' +
    'Minjun | Soojin | Kenji | Yuki | Thomas | Julia | Marcus',
);
const LAST_NAMES = list(
  'Smith | Johnson | Brown | Miller | Davis | Garcia | Rodriguez | Martinez | Anderson | Taylor | Moore | Jackson | Martin | Lee | Thompson | White | ' +
    'Harris | Clark | Lewis | Walker | Young | Allen | King | Wright | Scott | Patel | Shah | Gupta | Iyer | Reddy | Nair | Kim | Park | Choi | Nakamura | ' +
    'Tanaka | Kowalski | Novak | Fischer | Schmidt | Rossi | Silva | Cohen | Levy | Haddad | Nguyen | Tran | Murphy | Kelly',
);

/** The zone outreach times a person's messages by, from where they live. */
const ZONES: Record<string, string> = {
  CA: 'America/Los_Angeles',
  WA: 'America/Los_Angeles',
  NY: 'America/New_York',
  MA: 'America/New_York',
  PA: 'America/New_York',
  TX: 'America/Chicago',
  AZ: 'America/Phoenix',
  ON: 'America/Toronto',
  UK: 'Europe/London',
  Switzerland: 'Europe/Zurich',
};
/** Where people at each employer work; a place named twice is twice as likely. */
const PLACES: Record<string, string[]> = Object.fromEntries(
  Object.entries({
    OpenAI: 'San Francisco, CA | San Francisco, CA | Seattle, WA | New York, NY',
    Anthropic: 'San Francisco, CA | San Francisco, CA | Seattle, WA | London, UK',
    'Google DeepMind': 'Mountain View, CA | London, UK | New York, NY | Zurich, Switzerland',
    'Meta FAIR': 'Menlo Park, CA | New York, NY | Seattle, WA',
    Meta: 'Menlo Park, CA | Seattle, WA',
    xAI: 'Palo Alto, CA',
    NVIDIA: 'Santa Clara, CA | Santa Clara, CA | Toronto, ON | Austin, TX',
    'Microsoft Research': 'Redmond, WA | New York, NY | Cambridge, MA',
    Apple: 'Cupertino, CA | Cupertino, CA | Seattle, WA | Pittsburgh, PA',
    Google: 'Mountain View, CA | New York, NY | Kirkland, WA',
    Tesla: 'Palo Alto, CA | Austin, TX',
    Waymo: 'Mountain View, CA | Mountain View, CA | Phoenix, AZ',
    Cruise: 'San Francisco, CA',
    Amazon: 'Seattle, WA | Sunnyvale, CA | Boston, MA',
    Aurora: 'Pittsburgh, PA | Mountain View, CA',
    Zoox: 'Foster City, CA',
    'Character.AI': 'Menlo Park, CA',
    Databricks: 'San Francisco, CA | Seattle, WA',
  }).map(([employer, places]) => [employer, list(places)]),
);

/** Whom each task force goes after: its target employers first, then the rest of the field. */
const EMPLOYERS: Record<string, [string, number][]> = {
  'Alibaba Sunnyvale / Accio': weights(
    'OpenAI 14, Google DeepMind 13, Meta FAIR 12, Anthropic 9, Google 12, Microsoft Research 9, Amazon 8, Apple 5, Meta 6, Databricks 3',
  ),
  'ByteDance / Doubao LLM': weights(
    'OpenAI 16, Anthropic 13, Google DeepMind 15, xAI 8, NVIDIA 12, Meta FAIR 10, Microsoft Research 8, Character.AI 3, Databricks 4, Apple 3',
  ),
  'Baidu SV AI Lab': weights('Waymo 16, Cruise 9, Apple 13, Google 10, Tesla 14, NVIDIA 9, Aurora 6, Zoox 5, Amazon 7, Microsoft Research 4'),
};

/** How many people each task force's history holds, and the skill areas (of its openings) they come for. */
const POPULATION: Record<string, { count: number; areas: [string, number][] }> = {
  'Alibaba Sunnyvale / Accio': { count: 120, areas: weights('search 60, llm 40') },
  'ByteDance / Doubao LLM': { count: 150, areas: weights('llm 75, infra 25') },
  'Baidu SV AI Lab': { count: 90, areas: weights('speech 45, autonomous-driving 55') },
};

/** A second area some people also cover: supply for areas no opening asks for yet. */
const SECOND_AREAS: Record<string, string[]> = {
  llm: ['infra', 'search'],
  search: ['recommendation', 'llm'],
  infra: ['cloud', 'llm'],
  speech: ['llm'],
  'autonomous-driving': ['vision'],
};

const TITLES: Record<string, string[]> = {
  llm: list('Member of Technical Staff | Research Scientist | Research Engineer | Senior Research Scientist | Staff Research Engineer | Applied Scientist'),
  search: list(
    'Software Engineer, Search Ranking | Senior ML Engineer, Retrieval | Staff Engineer, Search Relevance | Research Scientist, Information Retrieval | ' +
      'Applied Scientist, Ranking',
  ),
  infra: list(
    'ML Infrastructure Engineer | Senior Engineer, Training Infrastructure | GPU Kernel Engineer | Staff Engineer, Distributed Training | Performance Engineer',
  ),
  speech: list('Speech Scientist | Senior Research Scientist, ASR | ML Engineer, Speech | Research Engineer, TTS'),
  'autonomous-driving': list(
    'Perception Engineer | Senior Engineer, Motion Planning | Staff Engineer, Perception | Research Scientist, Prediction | Simulation Engineer',
  ),
};
const SKILLS: Record<string, string[]> = {
  llm: list(
    'pytorch | jax | rlhf | pretraining | distributed training | evaluation | reasoning | long context | moe | inference | interpretability | alignment',
  ),
  search: list('ranking | retrieval | learning to rank | embeddings | query understanding | recommendation | a/b testing | dense retrieval | elasticsearch'),
  infra: list('cuda | triton | kubernetes | nccl | distributed training | inference | quantization | tensorrt | jax | rust'),
  speech: list('asr | tts | wav2vec | whisper | speaker diarization | streaming inference | quantization | pytorch'),
  'autonomous-driving': list('perception | lidar | planning | prediction | tracking | simulation | sensor fusion | bev | c++'),
};

const CHINESE_UNIVERSITIES = list(
  'Tsinghua University | Peking University | Zhejiang University | Shanghai Jiao Tong University | USTC | Fudan University | Nanjing University | HUST',
);
const US_UNIVERSITIES = list(
  'Stanford University | Carnegie Mellon University | MIT | UC Berkeley | UIUC | University of Washington | Cornell University | Princeton University | ' +
    'Georgia Tech | Columbia University | University of Toronto',
);
const FIELDS = list('Computer Science | Electrical Engineering | Mathematics | Physics | Statistics');
/** Reserved example domains (RFC 2606), several so a day's sends spread over the per-domain caps. */
const MAIL_DOMAINS = list('example.org | example.net | mail.example.com | inbox.example.org | post.example.net | alumni.example.edu');

export interface DemoPerson {
  fullName: string;
  nativeName: string | null;
  nativeNamePinyin: string | null;
  email: string;
  linkedinUrl: string | null;
  githubUrl: string | null;
  employer: string;
  title: string;
  skills: string[];
  skillAreas: string[];
  location: string;
  timeZone: string;
  visa: string;
  source: 'sourced' | 'referral' | 'inbound' | 'agency';
  years: number;
  education: { university: string; degree: string; field: string; year: number }[];
  taskForce: string;
  openingTitle: string;
  /** How strong a fit (0-1): drives screening, interviews and offers. */
  fit: number;
  /** How open to a move (0.5-1.5): drives replies. */
  interest: number;
  /** Would rather go back to China: an offer in CNY against the Beijing band. */
  returning: boolean;
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z]+/g, '');
}

/** Visa status for work in the US, by where the person lives now. */
function visaFor(rng: Rng, place: string, chinese: boolean): string {
  if (/UK|Switzerland/.test(place)) return rng.weighted(weights('needs_sponsorship 7, citizen 2, other 1'));
  if (/ON$/.test(place)) return rng.weighted(weights(`${chinese ? 'needs_sponsorship' : 'tn'} 6, green_card 2, citizen 2`));
  return rng.weighted(
    weights(
      `h1b ${chinese ? 34 : 14}, green_card 20, citizen ${chinese ? 12 : 40}, o1 8, f1_opt ${chinese ? 6 : 3}, f1_stem_opt ${chinese ? 6 : 3}, ` +
        'needs_sponsorship 5, l1 3, unknown 3',
    ),
  );
}

/** The generated people, the same on every run. */
export function generatePeople(): DemoPerson[] {
  const rng = seededRng('demo-history/people');
  const takenNames = new Set(DEMO_CANDIDATES.map((c) => c.fullName.toLowerCase()));
  const takenEmails = new Set(DEMO_CANDIDATES.map((c) => normalizeEmail(c.email)));
  const takenHandles = new Set<string>();
  const unique = (make: () => string) => {
    let handle = make();
    while (takenHandles.has(handle)) handle = make();
    takenHandles.add(handle);
    return handle;
  };
  const people: DemoPerson[] = [];
  for (const tf of DEMO_TASK_FORCES) {
    const { count, areas } = POPULATION[tf.name];
    for (let i = 0; i < count; i++) {
      const area = rng.weighted(areas);
      const chinese = rng.chance(0.68);
      let first: string, last: string, nativeName: string | null, pinyin: string | null;
      for (;;) {
        if (chinese) {
          const [surname, surnameHan] = rng.pick(SURNAMES);
          const [given, givenHan] = rng.pick(GIVEN_NAMES);
          [first, last, nativeName, pinyin] = [given, surname, `${surnameHan}${givenHan}`, `${surname} ${given}`];
        } else {
          [first, last, nativeName, pinyin] = [rng.pick(FIRST_NAMES), rng.pick(LAST_NAMES), null, null];
        }
        if (!takenNames.has(`${first} ${last}`.toLowerCase())) break;
      }
      const fullName = `${first} ${last}`;
      takenNames.add(fullName.toLowerCase());
      const domain = rng.pick(MAIL_DOMAINS);
      const locals = [`${slug(first)}.${slug(last)}`, `${slug(first)}${slug(last)}`, `${slug(first)[0]}${slug(last)}`, `${slug(last)}.${slug(first)}`];
      let local = rng.pick(locals);
      for (let n = 2; takenEmails.has(normalizeEmail(`${local}@${domain}`)); n++) local = `${rng.pick(locals)}${n}`;
      const email = `${local}@${domain}`;
      takenEmails.add(normalizeEmail(email));
      const employer = rng.weighted(EMPLOYERS[tf.name]);
      const location = rng.pick(PLACES[employer]);
      const timeZone = ZONES[location.slice(location.lastIndexOf(' ') + 1)];
      const openings = tf.openings.filter((o) => o.skillArea === area);
      // Search people go to the principal opening one time in five, the staff one otherwise; LLM people split between the LLM openings.
      const senior = rng.chance(0.2);
      const byLevel = [...openings].sort((a, b) => b.level.localeCompare(a.level));
      const opening = openings.length === 1 ? openings[0] : area === 'search' ? byLevel[senior ? 0 : 1] : rng.pick(openings);
      const level = opening.level.slice(1);
      const [fewest, most] = level >= '9' ? [12, 20] : level >= '8' || opening.level === 'L7' ? [7, 13] : [3, 9];
      const years = Math.round(rng.between(fewest, most) * 2) / 2;
      const skills = [...new Set(Array.from({ length: rng.int(3, 5) }, () => rng.pick(SKILLS[area])))];
      const skillAreas = rng.chance(0.3) ? [area, rng.pick(SECOND_AREAS[area])] : [area];
      const gradYear = 2026 - Math.floor(years) - rng.int(0, 1);
      const degree = rng.weighted(weights('phd 45, master 35, bachelor 20'));
      const education = [
        ...(chinese
          ? [
              {
                university: rng.pick(CHINESE_UNIVERSITIES),
                degree: 'bachelor',
                field: rng.pick(FIELDS),
                year: gradYear - (degree === 'phd' ? 6 : degree === 'master' ? 2 : 0),
              },
            ]
          : []),
        ...(degree !== 'bachelor' || !chinese ? [{ university: rng.pick(US_UNIVERSITIES), degree, field: rng.pick(FIELDS), year: gradYear }] : []),
      ];
      const linkedin = unique(() => `${slug(first)}-${slug(last)}-${Math.floor(rng.next() * 0xfffff).toString(16)}`);
      const github = unique(() => `${slug(first)[0]}${slug(last)}${rng.int(1, 999)}`);
      people.push({
        fullName,
        nativeName,
        nativeNamePinyin: pinyin,
        email,
        linkedinUrl: rng.chance(0.65) ? `https://www.linkedin.com/in/${linkedin}` : null,
        githubUrl: rng.chance(0.3) ? `https://github.com/${github}` : null,
        employer,
        title: rng.pick(TITLES[area]),
        skills,
        skillAreas,
        location,
        timeZone,
        visa: visaFor(rng, location, chinese),
        source: rng.weighted(weights('sourced 68, referral 12, inbound 10, agency 10')) as DemoPerson['source'],
        years,
        education,
        taskForce: tf.name,
        openingTitle: opening.title,
        fit: rng.next(),
        interest: 0.5 + rng.next(),
        returning: chinese && rng.chance(0.22),
      });
    }
  }
  return people;
}

export const DEMO_PEOPLE = generatePeople();

// ---------------------------------------------------------------------------------------------
// What the history is written against: the rows the seed made before it.

export interface HistoryOpening {
  id: string;
  title: string;
  skillArea: string;
  level: string;
  headcount: number;
}

export interface HistoryTaskForce {
  id: string;
  name: string;
  company: string;
  location: string;
  timeZone: string;
  recruiterId: string;
  openings: HistoryOpening[];
  sequence: {
    id: string;
    /** Version 1, as stored. */
    definition: SequenceDefinition;
    /** Saved as version 2 during the history, unless the sequence has changed since the seed made it. */
    revision: SequenceDefinition | null;
  };
}

export interface HistoryBand {
  id: string;
  version: number;
  jobFamily: string;
  level: string;
  zone: string;
  currency: 'USD' | 'CNY';
  period: 'annual' | 'monthly';
  monthsPerYear: number;
  min: bigint;
  mid: bigint;
  max: bigint;
}

export interface HistoryInput {
  now: Date;
  adminId: string;
  publicBaseUrl: string;
  taskForces: HistoryTaskForce[];
  bands: HistoryBand[];
  people?: DemoPerson[];
  /** A time-ordered id for a row written at `ms` (UUIDv7 of that instant by default, as the services' newId() would have made it then). */
  idAt?: (ms: number) => string;
}

// ---------------------------------------------------------------------------------------------
// The rows, by table, with their column names.

type Iso = string;
export interface HistoryPlan {
  candidates: {
    id: string;
    full_name: string;
    native_name: string | null;
    native_name_pinyin: string | null;
    emails: string[];
    linkedin_url: string | null;
    github_url: string | null;
    location: string;
    time_zone: string;
    current_employer: string;
    current_title: string;
    years_of_experience: number;
    skills: string[];
    skill_areas: string[];
    education: string;
    visa_status: string;
    source: string;
    owner_id: string;
    consent_state: string;
    consent_updated_at: Iso | null;
    version: number;
    created_at: Iso;
    updated_at: Iso;
  }[];
  identities: { kind: string; value: string; candidate_id: string }[];
  applications: {
    id: string;
    candidate_id: string;
    task_force_id: string;
    opening_id: string;
    stage: Stage;
    closed_reason: string | null;
    version: number;
    created_by: string;
    created_at: Iso;
    updated_at: Iso;
  }[];
  stageChanges: {
    id: string;
    application_id: string;
    from_stage: Stage | null;
    to_stage: Stage;
    reason: string | null;
    comment: string | null;
    actor_id: string | null;
    at: Iso;
  }[];
  sequenceVersions: { sequence_id: string; version: number; definition: string; created_by: string; created_at: Iso }[];
  enrollments: {
    id: string;
    sequence_id: string;
    sequence_version: number;
    candidate_id: string;
    application_id: string;
    task_force_id: string;
    status: string;
    stop_reason: string | null;
    time_zone: string;
    enrolled_by: string;
    created_at: Iso;
    updated_at: Iso;
  }[];
  messages: {
    id: string;
    enrollment_id: string;
    step: number;
    status: string;
    due_at: Iso;
    message_id: string;
    sent_at: Iso | null;
    detail: string | null;
    attempts: number;
    claim_token: string | null;
    claimed_at: Iso | null;
    recipient: string | null;
    cap_day: string | null;
    cap_keys: string[];
    smtp_response: string | null;
    response: string | null;
    response_at: Iso | null;
    created_at: Iso;
    updated_at: Iso;
  }[];
  inboundEvents: {
    id: string;
    body_sha256: string;
    kind: string;
    from_address: string;
    to_address: string;
    recipient: string | null;
    subject: string;
    in_reply_to: string;
    references: string[];
    headers: string;
    text: string;
    outcome: string;
    matched_by: string;
    candidate_id: string;
    enrollment_ids: string[];
    received_at: Iso;
  }[];
  bounces: { id: string; email: string; bounced_at: Iso; detail: string; enrollment_id: string; sequence_id: string; step: number }[];
  /** What the sender's claims counted, per day and counter; `granted` is what the day's last claim was granted (one step). */
  dailyCounts: { day: string; counter: string; sent: number; granted: number }[];
  competingOffers: {
    id: string;
    application_id: string;
    employer: string;
    currency: string;
    period: string;
    base: string;
    bonus: string | null;
    equity: string | null;
    created_by: string;
    created_at: Iso;
  }[];
  offers: {
    id: string;
    application_id: string;
    status: string;
    version: number;
    salary_band_id: string;
    band_version: number;
    currency: string;
    period: string;
    base: string;
    sign_on: string | null;
    equity: string | null;
    start_date: string;
    expires_at: Iso;
    status_reason: string | null;
    created_by: string;
    created_at: Iso;
    updated_at: Iso;
  }[];
  offerVersions: { offer_id: string; version: number; snapshot: string; created_at: Iso }[];
  offerEvents: {
    id: string;
    offer_id: string;
    from_status: string | null;
    to_status: string;
    offer_version: number;
    actor_id: string | null;
    comment: string | null;
    at: Iso;
  }[];
  /** Openings whose every seat was taken by a hire, marked filled by an admin. */
  filledOpenings: { id: string; updated_at: Iso }[];
}

// ---------------------------------------------------------------------------------------------
// Time.

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The next moment a recruiter is at work (weekdays 09:00-18:00 in the task force's zone), `ms`
 * itself if it is one; a moment outside moves to 09:00-11:30 of the next working day. The jitter
 * comes from `ms`, not from a person's PRNG, so how often this moves a time never shifts the
 * numbers a person draws next (and the history keeps its shape whatever day the seed runs on).
 */
function workTime(ms: number, zone: string): number {
  let t = DateTime.fromMillis(ms, { zone });
  const jitter = (fnv1a(String(Math.floor(ms / 1000))) % 9000) * 1000;
  for (let i = 0; i < 5; i++) {
    const weekend = t.weekday >= 6;
    if (!weekend && t.hour >= 9 && t.hour < 18) return t.toMillis();
    let next = !weekend && t.hour < 9 ? t.startOf('day') : t.plus({ days: 1 }).startOf('day');
    while (next.weekday >= 6) next = next.plus({ days: 1 });
    t = next.set({ hour: 9 }).plus({ milliseconds: jitter });
  }
  return t.toMillis();
}

// ---------------------------------------------------------------------------------------------
// The simulation.

interface Change {
  from: Stage | null;
  to: Stage;
  at: number;
  /** false: outreach made the move (no actor), as ApplicationsService.advanceByOutreach does. */
  byRecruiter: boolean;
  reason: string | null;
  comment: string | null;
}

interface StepSim {
  step: number;
  status: 'scheduled' | 'sent' | 'skipped';
  createdAt: number;
  due: number;
  claimedAt?: number;
  sentAt?: number;
  detail?: string;
  response?: 'replied' | 'bounced' | 'unsubscribed';
  responseAt?: number;
  updatedAt: number;
}

interface OutreachSim {
  version: number;
  enrolledAt: number;
  steps: StepSim[];
  status: 'active' | 'stopped' | 'completed';
  stopReason: string | null;
  updatedAt: number;
  outcome?: { kind: 'replied' | 'bounced' | 'unsubscribed'; at: number; step: number };
}

interface OfferEventSim {
  from: string | null;
  to: string;
  version: number;
  byAdmin?: boolean;
  /** The expiry job's row: no actor, and a random (not time-ordered) id, as expireDue writes it. */
  system?: boolean;
  comment: string | null;
  at: number;
}

interface OfferSim {
  band: HistoryBand;
  status: string;
  statusReason: string | null;
  createdAt: number;
  updatedAt: number;
  startDate: string;
  versions: {
    version: number;
    base: bigint;
    signOn: bigint | null;
    equity: bigint | null;
    expiresAt: number;
    status: string;
    statusReason: string | null;
    at: number;
  }[];
  events: OfferEventSim[];
}

interface CompetingSim {
  employer: string;
  currency: 'USD' | 'CNY';
  period: 'annual' | 'monthly';
  base: bigint;
  bonus: bigint | null;
  equity: bigint | null;
  at: number;
}

interface PipelineSim {
  changes: Change[];
  offer: OfferSim | null;
  competing: CompetingSim[];
  hiredAt: number | null;
}

interface PersonSim {
  person: DemoPerson;
  tf: HistoryTaskForce;
  opening: HistoryOpening;
  candidateAt: number;
  sourcedAt: number;
  /** Before the pipeline: sourced (and contacted, replied) as outreach or the recruiter left it. */
  early: Change[];
  outreach: OutreachSim | null;
  optedOutAt: number | null;
  /** When the person replied, if they did: the pipeline goes on from there. */
  repliedAt: number | null;
  pipeline: PipelineSim;
}

const REPLY_BY_STEP = [0.2, 0.12, 0.08];
/** Who answers a recruiter: people at the labs everyone courts reply least. */
const EMPLOYER_REPLY: Record<string, number> = {
  OpenAI: 0.7,
  Anthropic: 0.65,
  xAI: 0.9,
  'Google DeepMind': 0.9,
  NVIDIA: 0.85,
  Waymo: 0.9,
  'Meta FAIR': 1.2,
  Meta: 1.15,
  Google: 1.1,
  'Microsoft Research': 1.25,
  Amazon: 1.2,
  Tesla: 1.25,
  Cruise: 1.7,
  Apple: 1.0,
};
/** Replies by the local hour a message arrives at (09-16) and by weekday (Mon-Fri). */
const HOUR_REPLY = [1.3, 1.3, 1.1, 1.1, 0.95, 0.95, 0.8, 0.8];
const WEEKDAY_REPLY = [1.0, 1.15, 1.1, 1.0, 0.75];

/** People who came through someone (or on their own) answer a recruiter's personal note more often. */
const MANUAL_REPLY: Record<string, number> = { referral: 0.65, inbound: 0.75, agency: 0.6 };
const MANUAL_CONTACT: Record<string, string> = {
  referral: 'Introduced by the referrer',
  inbound: 'Answered their application',
  agency: 'Introduced by the agency',
};
const REVIEW_REJECTIONS = weights('not_qualified 4, level_mismatch 4, location_mismatch 2');
const EARLY_WITHDRAWALS = weights('not_interested 45, stayed_with_current_employer 30, relocation 15, personal 10');
const SCREEN_REJECTIONS = weights('location_mismatch 5, level_mismatch 5');
const INTERVIEW_REJECTIONS = weights('not_qualified 55, level_mismatch 25, compensation_mismatch 20');
const INTERVIEW_WITHDRAWALS = weights('compensation 4, not_interested 3, personal 3');
const FINAL_REJECTIONS = weights('not_qualified 70, level_mismatch 15, compensation_mismatch 15');
const LATE_WITHDRAWALS = weights('accepted_other_offer 5, stayed_with_current_employer 3, compensation 2');
/** Why offers are declined: the withdrawal reason the recruiter then closes the application with. */
const DECLINE_REASONS = weights('accepted_other_offer 40, stayed_with_current_employer 25, compensation 25, relocation 10');

const REJECTION_COMMENTS: Record<string, string> = {
  not_qualified: 'The hiring manager passed after the technical rounds',
  level_mismatch: 'Strong, but not at the level this opening needs',
  location_mismatch: 'Will not relocate to the Bay Area',
  compensation_mismatch: 'Expectations well above the band',
  visa_constraints: 'Needs sponsorship we cannot offer for this role',
  unresponsive: 'No answer to any message',
  position_filled: 'The opening was filled',
};
const REPLIES = [
  "Thanks for reaching out. I'd be open to a call next week. What does the team work on?",
  'Hi, happy to chat. Tuesday or Thursday afternoon works for me.',
  "Interesting timing: I've been thinking about a change. Can you share the level and the pay range?",
  'Thanks. Could you send more details about the role first?',
  'Sure, let us talk. Please send a calendar invite.',
  'Not looking right now, but I would like to hear what the team is building.',
];
const COMPETITORS_USD = ['OpenAI', 'Anthropic', 'Google DeepMind', 'Meta', 'xAI', 'NVIDIA', 'Microsoft', 'Apple'];
/** The Chinese labs a returning engineer weighs us against (domain brief). */
const COMPETITORS_CNY = ['Moonshot AI', 'Zhipu AI', 'MiniMax', 'Baichuan'];

function bandFamily(skillArea: string): string {
  return skillArea === 'infra' ? 'llm' : skillArea;
}
/** The salary band level an opening's level compares with (each company's ladder mapped onto the P ladder). */
function bandLevel(level: string): string {
  return ({ L6: 'P7', L7: 'P8', T7: 'P7', T8: 'P8' } as Record<string, string>)[level] ?? level;
}

class Simulation {
  private readonly now: number;
  private readonly idAt: (ms: number) => string;
  private readonly counts = new Map<string, number>();

  constructor(private readonly input: HistoryInput) {
    this.now = input.now.getTime();
    // Times are whole milliseconds in the rows (Date drops the fraction); ids take the same instant.
    const idAt = input.idAt ?? ((ms: number) => v7({ msecs: ms }));
    this.idAt = (ms) => idAt(Math.floor(ms));
  }

  run(): HistoryPlan {
    const people = this.input.people ?? DEMO_PEOPLE;
    const sims = people.map((p) => this.start(p));
    // Outreach in the order the enrollments were made: the daily caps are counted as the sender counts them.
    for (const sim of [...sims].sort((a, b) => a.sourcedAt - b.sourcedAt)) this.outreach(sim);
    for (const sim of sims) sim.pipeline = this.pipeline(sim, null);
    // Hires never outnumber an opening's seats: once the last seat is taken, the opening's other
    // candidates go no further (those already past replied are turned down as position_filled).
    const filled: { opening: HistoryOpening; at: number }[] = [];
    for (const opening of this.input.taskForces.flatMap((tf) => tf.openings)) {
      const mine = sims.filter((s) => s.opening.id === opening.id);
      const hires = mine.filter((s) => s.pipeline.hiredAt !== null).sort((a, b) => a.pipeline.hiredAt! - b.pipeline.hiredAt!);
      if (hires.length < opening.headcount) continue;
      const at = hires[opening.headcount - 1].pipeline.hiredAt!;
      const kept = new Set(hires.slice(0, opening.headcount));
      for (const sim of mine) if (!kept.has(sim)) sim.pipeline = this.pipeline(sim, at);
      // An admin marks it filled the next working day, unless applications were put on it after the last hire.
      const tf = this.input.taskForces.find((t) => t.openings.includes(opening))!;
      const markedAt = workTime(at + DAY, tf.timeZone);
      if (markedAt < this.now && mine.every((s) => s.sourcedAt < markedAt)) filled.push({ opening, at: markedAt });
    }
    return this.rows(sims, filled);
  }

  // -- sourcing ------------------------------------------------------------------------------

  private start(person: DemoPerson): PersonSim {
    const tf = this.input.taskForces.find((t) => t.name === person.taskForce)!;
    const opening = tf.openings.find((o) => o.title === person.openingTitle)!;
    const rng = seededRng(`${person.email}/sourcing`);
    // A moment in the recruiter's working hours, somewhere in the past twelve weeks: a day (a
    // weekend day gives way to the Friday before, or at the far end to the Monday after), and a
    // time of day between 09:00 and 18:00.
    const daysBack = Math.floor(rng.next() * HISTORY_DAYS);
    const timeOfDay = rng.next() * 9 * HOUR;
    let day = DateTime.fromMillis(this.now, { zone: tf.timeZone }).startOf('day').minus({ days: daysBack });
    while (day.weekday >= 6) day = daysBack >= HISTORY_DAYS - 3 ? day.plus({ days: 1 }) : day.minus({ days: 1 });
    let sourcedAt = day.set({ hour: 9 }).toMillis() + timeOfDay;
    if (sourcedAt > this.now - 30 * MINUTE) sourcedAt -= 7 * DAY;
    const candidateAt = sourcedAt - Math.round(rng.between(1, 8) * MINUTE);
    return {
      person,
      tf,
      opening,
      candidateAt,
      sourcedAt,
      early: [{ from: null, to: 'sourced', at: sourcedAt, byRecruiter: true, reason: null, comment: null }],
      outreach: null,
      optedOutAt: null,
      repliedAt: null,
      pipeline: { changes: [], offer: null, competing: [], hiredAt: null },
    };
  }

  // -- outreach --------------------------------------------------------------------------------

  /** Free cap room on the day the claim counts in, taken if there is some (OutreachSender.claim). */
  private takeCap(keys: string[], day: string, caps: number[]): boolean {
    if (keys.some((k, i) => (this.counts.get(`${day}|${k}`) ?? 0) >= caps[i])) return false;
    for (const k of keys) this.counts.set(`${day}|${k}`, (this.counts.get(`${day}|${k}`) ?? 0) + 1);
    return true;
  }

  private capKeys(tf: HistoryTaskForce, definition: SequenceDefinition, recipient: string): string[] {
    const sender = `${tf.id}:${definition.sender.fromAddress.toLowerCase()}`;
    return [`sender:${sender}`, `domain:${sender}:${capDomainKey(recipient.slice(recipient.lastIndexOf('@') + 1).toLowerCase())}`];
  }

  private definitionOf(tf: HistoryTaskForce, version: number): SequenceDefinition {
    return version === 2 ? tf.sequence.revision! : tf.sequence.definition;
  }

  private revisionAt(): number {
    return this.now - REVISION_DAYS * DAY;
  }

  private outreach(sim: PersonSim): void {
    const { person, tf } = sim;
    const rng = seededRng(`${person.email}/outreach`);
    const rec = (ms: number) => workTime(ms, tf.timeZone);
    // Draws made whatever happens, so every person's numbers stay the same across runs.
    const review = rng.next();
    const notYet = rng.next();
    const enrollDelay = rng.between(3, 100) * MINUTE;
    const reviewDelay = rng.between(2, 72) * HOUR;
    const reviewReason = rng.weighted(REVIEW_REJECTIONS);
    if (person.source !== 'sourced') {
      this.manualContact(sim, rng);
      return;
    }
    if (review < 0.05) {
      const at = rec(sim.sourcedAt + reviewDelay);
      if (at < this.now) this.close(sim.early, 'rejected', reviewReason, at, rng);
      return;
    }
    if (notYet < 0.05 && sim.sourcedAt > this.now - 10 * DAY) return;
    const enrolledAt = sim.sourcedAt + enrollDelay;
    const version = tf.sequence.revision && enrolledAt >= this.revisionAt() ? 2 : 1;
    const definition = this.definitionOf(tf, version);
    const window = definition.sendWindow;
    const calendars = definition.holidayCalendars;
    const first = nextSendTime(new Date(enrolledAt), person.timeZone, window, calendars).getTime();
    // A first step not due yet is left out: the enrollment is the recruiter's to make (and the README's walkthrough enrols such people).
    if (enrolledAt >= this.now || first >= this.now) return;
    const out: OutreachSim = { version, enrolledAt, steps: [], status: 'active', stopReason: null, updatedAt: enrolledAt };
    sim.outreach = out;
    const keys = this.capKeys(tf, definition, person.email);
    const caps = [definition.dailyCapPerSender, definition.dailyCapPerRecipientDomain];
    let due = first;
    let createdAt = enrolledAt;
    for (let k = 1; k <= definition.steps.length; k++) {
      const claimLag = rng.between(0.3, 4) * 1000;
      const smtpLag = rng.between(0.4, 2.5) * 1000;
      const u = rng.next();
      const bounceDelay = rng.between(0.7, 25) * MINUTE;
      const unsubscribeDelay = rng.between(10, 60 * 48) * MINUTE;
      const replyDelay = Math.min(4 * DAY, Math.max(15 * MINUTE, Math.exp(rng.normal(Math.log(6 * HOUR), 1))));
      // A full cap defers the step to the candidate's first window after the task force's midnight.
      let claimedAt = due + claimLag;
      while (claimedAt + smtpLag < this.now && !this.takeCap(keys, capDay(new Date(claimedAt), tf.timeZone), caps)) {
        const midnight = DateTime.fromMillis(claimedAt, { zone: tf.timeZone }).plus({ days: 1 }).startOf('day').toJSDate();
        due = nextSendTime(midnight, person.timeZone, window, calendars).getTime();
        claimedAt = due + claimLag;
      }
      const step: StepSim = { step: k, status: 'scheduled', createdAt, due, updatedAt: createdAt };
      out.steps.push(step);
      const sentAt = claimedAt + smtpLag;
      if (sentAt >= this.now) return;
      Object.assign(step, { status: 'sent', claimedAt, sentAt, updatedAt: sentAt });
      if (k === 1) {
        sim.early.push({ from: 'sourced', to: 'contacted', at: sentAt, byRecruiter: false, reason: null, comment: 'first outreach message sent' });
      }
      const nextDue =
        k < definition.steps.length
          ? nextSendTime(new Date(sentAt + durationMs(definition.steps[k].delay)), person.timeZone, window, calendars).getTime()
          : Infinity;
      // The next step is planned in the commit that records this one as sent.
      if (k < definition.steps.length) createdAt = sentAt;
      const local = DateTime.fromMillis(sentAt, { zone: person.timeZone });
      const reply =
        REPLY_BY_STEP[k - 1] *
        (EMPLOYER_REPLY[person.employer] ?? 1) *
        (HOUR_REPLY[Math.min(7, Math.max(0, local.hour - 9))] ?? 1) *
        (WEEKDAY_REPLY[local.weekday - 1] ?? 1) *
        (version === 2 && k === 1 ? 1.3 : 1) *
        person.interest;
      const bounce = k === 1 ? 0.035 : 0;
      const unsubscribe = k === 3 ? 0.035 : 0.02;
      let outcome: { kind: 'replied' | 'bounced' | 'unsubscribed'; at: number } | null = null;
      if (u < bounce) outcome = { kind: 'bounced', at: sentAt + bounceDelay };
      else if (u < bounce + unsubscribe) outcome = { kind: 'unsubscribed', at: sentAt + unsubscribeDelay };
      else if (u < bounce + unsubscribe + reply) outcome = { kind: 'replied', at: awake(sentAt + replyDelay, person.timeZone) };
      if (outcome && outcome.at < Math.min(this.now, nextDue)) {
        this.stop(sim, out, step, nextDue, createdAt, { ...outcome, step: k }, rng);
        return;
      }
      if (k === definition.steps.length) {
        Object.assign(out, { status: 'completed', updatedAt: sentAt });
        // Nobody answered: the recruiter closes the application a week or two after the last note.
        const at = rec(sentAt + rng.between(5, 15) * DAY);
        if (rng.chance(0.6) && at < this.now) this.close(sim.early, 'rejected', 'unresponsive', at, rng);
        return;
      }
      due = nextDue;
    }
  }

  /** A reply, a bounce or an unsubscribe ends the enrollment; the step planned next is skipped. */
  private stop(
    sim: PersonSim,
    out: OutreachSim,
    step: StepSim,
    nextDue: number,
    nextCreatedAt: number,
    outcome: { kind: 'replied' | 'bounced' | 'unsubscribed'; at: number; step: number },
    rng: Rng,
  ): void {
    const { at, kind } = outcome;
    Object.assign(step, { response: kind, responseAt: at, updatedAt: at });
    if (nextDue !== Infinity) {
      out.steps.push({ step: step.step + 1, status: 'skipped', createdAt: nextCreatedAt, due: nextDue, detail: kind, updatedAt: at });
    }
    Object.assign(out, { status: 'stopped', stopReason: kind, updatedAt: at, outcome });
    const rec = (ms: number) => workTime(ms, sim.tf.timeZone);
    const closeAt = rec(at + rng.between(4, 96) * HOUR);
    const closes = rng.next();
    if (kind === 'replied') {
      sim.early.push({ from: 'contacted', to: 'replied', at, byRecruiter: false, reason: null, comment: 'the candidate replied to outreach' });
      sim.repliedAt = at;
    } else if (kind === 'bounced') {
      if (closes < 0.55 && closeAt < this.now) this.close(sim.early, 'rejected', 'unresponsive', closeAt, rng, 'Email bounced; no other address on file');
    } else {
      sim.optedOutAt = at;
      if (closes < 0.7 && closeAt < this.now) this.close(sim.early, 'withdrawn', 'not_interested', closeAt, rng, 'Unsubscribed from outreach');
    }
  }

  /** Referrals, inbound applicants and agency candidates: the recruiter writes to them in person. */
  private manualContact(sim: PersonSim, rng: Rng): void {
    const rec = (ms: number) => workTime(ms, sim.tf.timeZone);
    const contactedAt = rec(sim.sourcedAt + rng.between(2, 60) * HOUR);
    const repliedAt = rec(contactedAt + rng.between(3, 96) * HOUR);
    const closeAt = rec(contactedAt + rng.between(10, 20) * DAY);
    const replies = rng.chance(MANUAL_REPLY[sim.person.source] ?? 0.6);
    const closes = rng.chance(0.6);
    if (contactedAt >= this.now) return;
    sim.early.push({ from: 'sourced', to: 'contacted', at: contactedAt, byRecruiter: true, reason: null, comment: MANUAL_CONTACT[sim.person.source] ?? null });
    if (replies && repliedAt < this.now) {
      sim.early.push({ from: 'contacted', to: 'replied', at: repliedAt, byRecruiter: true, reason: null, comment: null });
      sim.repliedAt = repliedAt;
    } else if (!replies && closes && closeAt < this.now) this.close(sim.early, 'rejected', 'unresponsive', closeAt, rng);
  }

  private close(changes: Change[], to: 'rejected' | 'withdrawn', reason: string, at: number, rng: Rng, comment?: string): void {
    const from = changes[changes.length - 1].to;
    const note = comment ?? (to === 'rejected' && rng.chance(0.5) ? (REJECTION_COMMENTS[reason] ?? null) : null);
    changes.push({ from, to, at, byRecruiter: true, reason, comment: note });
  }

  // -- the pipeline from replied on -------------------------------------------------------------

  /** Screening, interviews and the offer; `cutoff`: when the opening's last seat was taken. */
  private pipeline(sim: PersonSim, cutoff: number | null): PipelineSim {
    const result: PipelineSim = { changes: [], offer: null, competing: [], hiredAt: null };
    if (sim.repliedAt === null) return result;
    const { person, tf } = sim;
    const rng = seededRng(`${person.email}/pipeline`);
    const rec = (ms: number) => workTime(ms, tf.timeZone);
    const changes = result.changes;
    let t = sim.repliedAt;
    let stage: Stage = 'replied';
    const sponsorship = person.visa === 'needs_sponsorship';
    const steps: { to: Stage; days: [number, number]; reject: number; rejections: [string, number][]; withdraw: number; withdrawals: [string, number][] }[] = [
      { to: 'screening', days: [1, 5], reject: 0.08, rejections: SCREEN_REJECTIONS, withdraw: 0.18, withdrawals: EARLY_WITHDRAWALS },
      {
        to: 'interviewing',
        days: [3, 10],
        reject: 0.22 + (1 - person.fit) * 0.25 + (sponsorship ? 0.3 : 0),
        rejections: sponsorship ? [['visa_constraints', 70], ...INTERVIEW_REJECTIONS.map(([r, w]) => [r, w * 0.3] as [string, number])] : INTERVIEW_REJECTIONS,
        withdraw: 0.06,
        withdrawals: INTERVIEW_WITHDRAWALS,
      },
      { to: 'offer', days: [5, 14], reject: 0.38 + (1 - person.fit) * 0.3, rejections: FINAL_REJECTIONS, withdraw: 0.1, withdrawals: LATE_WITHDRAWALS },
    ];
    for (const step of steps) {
      const u = rng.next();
      const next = rec(t + rng.between(...step.days) * DAY);
      const outAt = rec(t + rng.between(step.days[0] * 0.5, step.days[1]) * DAY);
      const rejection = rng.weighted(step.rejections);
      const withdrawal = rng.weighted(step.withdrawals);
      const comment = rng.chance(0.5);
      const leaves = u < step.withdraw ? 'withdrawn' : u < step.withdraw + step.reject ? 'rejected' : null;
      const at = leaves ? outAt : next;
      if (cutoff !== null && at >= cutoff) {
        const filledAt = Math.max(rec(cutoff + rng.between(2, 48) * HOUR), rec(t + HOUR));
        if (filledAt < this.now)
          changes.push({
            from: stage,
            to: 'rejected',
            at: filledAt,
            byRecruiter: true,
            reason: 'position_filled',
            comment: REJECTION_COMMENTS.position_filled,
          });
        return result;
      }
      if (at >= this.now) return result;
      if (leaves) {
        const reason = leaves === 'withdrawn' ? withdrawal : rejection;
        changes.push({
          from: stage,
          to: leaves,
          at,
          byRecruiter: true,
          reason,
          comment: comment && leaves === 'rejected' ? (REJECTION_COMMENTS[reason] ?? null) : null,
        });
        return result;
      }
      if (step.to === 'offer') {
        this.offer(sim, result, stage, next, cutoff, rng);
        return result;
      }
      changes.push({ from: stage, to: step.to, at: next, byRecruiter: true, reason: null, comment: null });
      stage = step.to;
      t = next;
    }
    return result;
  }

  // -- offers ----------------------------------------------------------------------------------

  private offer(sim: PersonSim, result: PipelineSim, stage: Stage, draftedAt: number, cutoff: number | null, rng: Rng): void {
    const { person, tf, opening } = sim;
    const rec = (ms: number) => workTime(ms, tf.timeZone);
    const zone = person.returning ? 'cn-beijing' : 'us-bay-area';
    const band = this.input.bands.find((b) => b.jobFamily === bandFamily(opening.skillArea) && b.level === bandLevel(opening.level) && b.zone === zone);
    // Draws first, whatever path the offer takes.
    const outOfBand = rng.chance(0.08);
    const compa = outOfBand ? rng.between(1.27, 1.36) : Math.min(1.2, Math.max(0.86, rng.normal(0.99, 0.06)));
    const submitAt = rec(draftedAt + rng.between(0.3, 20) * HOUR);
    const approveAt = rec(submitAt + rng.between(2, 30) * HOUR);
    const sendDelay = rng.between(1, 26) * HOUR;
    const renegotiates = !outOfBand && rng.chance(0.3);
    const competingDelay = rng.between(0.5, 3) * DAY;
    const raise = rng.between(1.08, 1.3);
    const editDelay = rng.between(2, 20) * HOUR;
    const reapproveDelay = rng.between(2, 24) * HOUR;
    const resendDelay = rng.between(1, 8) * HOUR;
    const answerDelay = rng.between(1, 8) * DAY;
    const answer = rng.next();
    const declineReason = rng.weighted(DECLINE_REASONS);
    const withdrawDelay = rng.between(2, 72) * HOUR;
    const competitor = person.returning ? rng.pick(COMPETITORS_CNY) : rng.pick(COMPETITORS_USD.filter((e) => e !== person.employer));
    const earlyCompeting = rng.chance(0.3);
    const earlyCompetingAt = draftedAt - rng.between(1, 6) * DAY;
    const competingFactor = rng.between(0.95, 1.35);
    const signOnUnits = rng.int(5, 20);
    const equityUnits = rng.int(20, 90);
    const startDays = rng.between(30, 60);
    const hasSignOn = rng.chance(person.returning ? 0.4 : 0.7);
    const hasEquity = rng.chance(person.returning ? 0.3 : 0.85);
    if (!band) return;
    const usd = band.currency === 'USD';
    const step = usd ? 100_000n : 10_000n; // $1,000 / 100 CNY, in minor units
    const roundTo = (value: number) => BigInt(Math.round(value / Number(step))) * step;
    const base = roundTo(Number(band.mid) * compa);
    const signOn = hasSignOn ? (usd ? BigInt(signOnUnits) * 500_000n : BigInt(signOnUnits) * 1_000_000n) : null;
    const equity = hasEquity ? (usd ? BigInt(equityUnits) * 1_000_000n : BigInt(equityUnits) * 2_500_000n) : null;
    const changes = result.changes;
    const competingBase = (of: bigint, factor: number) => roundTo(Number(of) * factor);
    const addCompeting = (employer: string, amount: bigint, at: number) => {
      const cny = band.currency === 'CNY';
      result.competing.push({
        employer,
        currency: band.currency,
        period: band.period,
        base: amount,
        bonus: cny ? null : roundTo(Number(amount) * 0.15),
        equity: cny ? null : roundTo(Number(amount) * rng.between(1, 3)),
        at,
      });
    };
    if (earlyCompeting || outOfBand) {
      const amount = outOfBand ? competingBase(base, 1.04) : competingBase(band.mid, competingFactor);
      addCompeting(competitor, amount, Math.max(earlyCompetingAt, (changes[changes.length - 1]?.at ?? sim.repliedAt!) + HOUR));
    }
    let expiresAt = DateTime.fromMillis(draftedAt + 21 * DAY, { zone: tf.timeZone })
      .set({ hour: 23, minute: 59, second: 0, millisecond: 0 })
      .toMillis();
    const startDate = DateTime.fromMillis(draftedAt + startDays * DAY, { zone: tf.timeZone })
      .startOf('week')
      .plus({ weeks: 1 })
      .toISODate()!;
    const offer: OfferSim = {
      band,
      status: 'draft',
      statusReason: null,
      createdAt: draftedAt,
      updatedAt: draftedAt,
      startDate,
      versions: [{ version: 1, base, signOn, equity, expiresAt, status: 'draft', statusReason: null, at: draftedAt }],
      events: [{ from: null, to: 'draft', version: 1, comment: null, at: draftedAt }],
    };
    result.offer = offer;
    let version = 1;
    const move = (to: string, at: number, extra: Partial<OfferEventSim> = {}, reason: string | null = null) => {
      offer.events.push({ from: offer.status, to, version, comment: null, at, ...extra });
      Object.assign(offer, { status: to, statusReason: reason, updatedAt: at });
    };
    const inBand = (amount: bigint) => amount >= band.min && amount <= band.max;
    const compaText = (amount: bigint) => (Number(amount) / Number(band.mid)).toFixed(2);
    if (submitAt >= this.now) return;
    if (inBand(base)) move('approved', submitAt);
    else {
      move('pending_approval', submitAt);
      if (approveAt >= this.now) return;
      move('approved', approveAt, {
        byAdmin: true,
        comment: `Above the band maximum (compa-ratio ${compaText(base)}); matches the ${competitor} offer. Approved.`,
      });
    }
    const firstSend = rec(offer.updatedAt + sendDelay);
    if (firstSend >= this.now) return;
    move('sent', firstSend);
    changes.push({ from: stage, to: 'offer', at: firstSend, byRecruiter: true, reason: null, comment: null });
    let sentAt = firstSend;
    if (renegotiates) {
      const competingAt = rec(sentAt + competingDelay);
      const editAt = rec(competingAt + editDelay);
      if (competingAt >= this.now) return this.answerLater(offer, expiresAt);
      addCompeting(competitor, competingBase(base, raise + 0.05), competingAt);
      if (editAt >= this.now) return this.answerLater(offer, expiresAt);
      version = 2;
      const raised = roundTo(Number(base) * raise);
      expiresAt = Math.max(
        expiresAt,
        DateTime.fromMillis(editAt + 10 * DAY, { zone: tf.timeZone })
          .set({ hour: 23, minute: 59, second: 0, millisecond: 0 })
          .toMillis(),
      );
      const outside = !inBand(raised);
      const reason = outside ? 'edited out of band: needs approval again' : 'edited after sending: send it again';
      const status = outside ? 'pending_approval' : 'approved';
      move(status, editAt, { comment: reason }, reason);
      offer.versions.push({ version: 2, base: raised, signOn, equity, expiresAt, status, statusReason: reason, at: editAt });
      let readyAt = editAt;
      if (outside) {
        readyAt = rec(editAt + reapproveDelay);
        if (readyAt >= this.now) return;
        move('approved', readyAt, {
          byAdmin: true,
          comment: `Matches the ${competitor} offer (compa-ratio ${compaText(raised)}); approved above the band maximum.`,
        });
      }
      sentAt = rec(readyAt + resendDelay);
      if (sentAt >= this.now) return;
      move('sent', sentAt);
    }
    const current = offer.versions[offer.versions.length - 1];
    const answeredAt = rec(sentAt + answerDelay);
    const strongestCompeting = result.competing.reduce<bigint>((max, c) => (c.base > max ? c.base : max), 0n);
    const acceptP = 0.5 + (person.fit - 0.5) * 0.3 + (version === 2 ? 0.12 : 0) - (strongestCompeting > current.base ? 0.15 : 0);
    const outcome = answer < 0.05 ? 'silent' : answer < 0.05 + acceptP ? 'accept' : 'decline';
    // The opening's last seat went to someone else while this offer was out: it is withdrawn (or, were it about to lapse, left to expire).
    const filledFirst = cutoff !== null && outcome === 'accept' && answeredAt > cutoff;
    const withdrawnAt = rec(Math.max(cutoff ?? 0, sentAt) + rng.between(1, 8) * HOUR);
    if (filledFirst && withdrawnAt < expiresAt) {
      if (withdrawnAt >= this.now) return;
      move('withdrawn', withdrawnAt, { comment: 'The opening was filled while the offer was out' });
      changes.push({
        from: 'offer',
        to: 'rejected',
        at: withdrawnAt,
        byRecruiter: true,
        reason: 'position_filled',
        comment: REJECTION_COMMENTS.position_filled,
      });
      return;
    }
    if (filledFirst || outcome === 'silent' || answeredAt >= expiresAt) {
      // The worker's expiry job (OffersService.expireDue) runs every minute.
      const expiredAt = expiresAt + rng.between(5, 60) * 1000;
      if (expiredAt >= this.now) return;
      move('expired', expiredAt, { system: true, comment: 'expired unanswered' }, 'expired unanswered');
      const at = rec(expiredAt + withdrawDelay);
      if (at < this.now)
        changes.push({ from: 'offer', to: 'withdrawn', at, byRecruiter: true, reason: 'not_interested', comment: 'Let the offer expire without an answer' });
      return;
    }
    if (answeredAt >= this.now) return;
    if (outcome === 'accept') {
      move('accepted', answeredAt);
      changes.push({ from: 'offer', to: 'hired', at: answeredAt, byRecruiter: true, reason: null, comment: null });
      result.hiredAt = answeredAt;
      return;
    }
    let reason: string = declineReason;
    if (reason === 'accepted_other_offer' && !result.competing.length)
      addCompeting(competitor, competingBase(current.base, 1.12), answeredAt - rng.between(6, 48) * HOUR);
    const other = result.competing[result.competing.length - 1];
    if (reason === 'accepted_other_offer' && !other) reason = 'compensation';
    const comment = {
      accepted_other_offer: `Accepted the ${other?.employer} offer`,
      stayed_with_current_employer: `${person.employer} made a retention offer; staying`,
      compensation: version === 2 ? 'Total compensation still below expectations after the revision' : 'Base below expectations',
      relocation: 'Family not ready to move',
    }[reason]!;
    move('declined', answeredAt, { comment });
    const at = rec(answeredAt + withdrawDelay);
    if (at < this.now) changes.push({ from: 'offer', to: 'withdrawn', at, byRecruiter: true, reason, comment: null });
  }

  /** An offer still out at the seed's run time, unless it expired first. */
  private answerLater(offer: OfferSim, expiresAt: number): void {
    if (expiresAt < this.now) {
      const at = expiresAt + 30_000;
      offer.events.push({ from: offer.status, to: 'expired', version: offer.versions.length, system: true, comment: 'expired unanswered', at });
      Object.assign(offer, { status: 'expired', statusReason: 'expired unanswered', updatedAt: at });
    }
  }

  // -- rows ------------------------------------------------------------------------------------

  private rows(sims: PersonSim[], filled: { opening: HistoryOpening; at: number }[]): HistoryPlan {
    const plan: HistoryPlan = {
      candidates: [],
      identities: [],
      applications: [],
      stageChanges: [],
      sequenceVersions: [],
      enrollments: [],
      messages: [],
      inboundEvents: [],
      bounces: [],
      dailyCounts: [...this.counts].map(([key, sent]) => {
        const [day, counter] = [key.slice(0, key.indexOf('|')), key.slice(key.indexOf('|') + 1)];
        return { day, counter, sent, granted: 1 };
      }),
      competingOffers: [],
      offers: [],
      offerVersions: [],
      offerEvents: [],
      filledOpenings: filled.map(({ opening, at }) => ({ id: opening.id, updated_at: iso(at) })),
    };
    const { adminId, publicBaseUrl } = this.input;
    for (const tf of this.input.taskForces) {
      if (!tf.sequence.revision) continue;
      plan.sequenceVersions.push({
        sequence_id: tf.sequence.id,
        version: 2,
        definition: JSON.stringify(tf.sequence.revision),
        created_by: tf.recruiterId,
        created_at: iso(this.revisionAt()),
      });
    }
    for (const sim of sims) {
      const { person, tf } = sim;
      const candidateId = this.idAt(sim.candidateAt);
      const applicationId = this.idAt(sim.sourcedAt);
      const inbound = person.source === 'inbound';
      plan.candidates.push({
        id: candidateId,
        full_name: person.fullName,
        native_name: person.nativeName,
        native_name_pinyin: person.nativeNamePinyin,
        emails: [person.email],
        linkedin_url: person.linkedinUrl,
        github_url: person.githubUrl,
        location: person.location,
        time_zone: person.timeZone,
        current_employer: person.employer,
        current_title: person.title,
        years_of_experience: person.years,
        skills: person.skills,
        skill_areas: person.skillAreas,
        education: JSON.stringify(person.education),
        visa_status: person.visa,
        source: person.source,
        owner_id: tf.recruiterId,
        consent_state: sim.optedOutAt !== null ? 'opted_out' : inbound ? 'granted' : 'unknown',
        consent_updated_at: sim.optedOutAt !== null ? iso(sim.optedOutAt) : inbound ? iso(sim.candidateAt) : null,
        version: sim.optedOutAt !== null ? 2 : 1,
        created_at: iso(sim.candidateAt),
        updated_at: iso(sim.optedOutAt ?? sim.candidateAt),
      });
      plan.identities.push({ kind: 'email', value: normalizeEmail(person.email), candidate_id: candidateId });
      const linkedin = person.linkedinUrl ? normalizeLinkedIn(person.linkedinUrl) : null;
      if (linkedin) plan.identities.push({ kind: 'linkedin', value: linkedin, candidate_id: candidateId });
      const github = person.githubUrl ? normalizeGitHub(person.githubUrl) : null;
      if (github) plan.identities.push({ kind: 'github', value: github, candidate_id: candidateId });

      const changes = [...sim.early, ...sim.pipeline.changes];
      const last = changes[changes.length - 1];
      plan.applications.push({
        id: applicationId,
        candidate_id: candidateId,
        task_force_id: tf.id,
        opening_id: sim.opening.id,
        stage: last.to,
        closed_reason: last.to === 'rejected' || last.to === 'withdrawn' ? last.reason : null,
        version: changes.length,
        created_by: tf.recruiterId,
        created_at: iso(sim.sourcedAt),
        updated_at: iso(last.at),
      });
      for (const c of changes) {
        plan.stageChanges.push({
          id: this.idAt(c.at),
          application_id: applicationId,
          from_stage: c.from,
          to_stage: c.to,
          reason: c.reason,
          comment: c.comment,
          actor_id: c.byRecruiter ? tf.recruiterId : null,
          at: iso(c.at),
        });
      }

      if (sim.outreach) this.outreachRows(plan, sim, candidateId, applicationId, publicBaseUrl);

      for (const c of sim.pipeline.competing) {
        plan.competingOffers.push({
          id: this.idAt(c.at),
          application_id: applicationId,
          employer: c.employer,
          currency: c.currency,
          period: c.period,
          base: String(c.base),
          bonus: c.bonus === null ? null : String(c.bonus),
          equity: c.equity === null ? null : String(c.equity),
          created_by: tf.recruiterId,
          created_at: iso(c.at),
        });
      }
      const offer = sim.pipeline.offer;
      if (offer) {
        const offerId = this.idAt(offer.createdAt);
        const current = offer.versions[offer.versions.length - 1];
        plan.offers.push({
          id: offerId,
          application_id: applicationId,
          status: offer.status,
          version: current.version,
          salary_band_id: offer.band.id,
          band_version: offer.band.version,
          currency: offer.band.currency,
          period: offer.band.period,
          base: String(current.base),
          sign_on: current.signOn === null ? null : String(current.signOn),
          equity: current.equity === null ? null : String(current.equity),
          start_date: offer.startDate,
          expires_at: iso(current.expiresAt),
          status_reason: offer.statusReason,
          created_by: tf.recruiterId,
          created_at: iso(offer.createdAt),
          updated_at: iso(offer.updatedAt),
        });
        const money = (v: bigint | null) => (v === null ? null : formatAmount(v, offer.band.currency));
        for (const v of offer.versions) {
          // OffersService.terms(): the offer as it was when the version was written.
          const snapshot = {
            id: offerId,
            applicationId,
            status: v.status,
            version: v.version,
            currency: offer.band.currency,
            period: offer.band.period,
            base: money(v.base),
            signOn: money(v.signOn),
            equity: money(v.equity),
            startDate: offer.startDate,
            expiresAt: iso(v.expiresAt),
            statusReason: v.statusReason,
            createdAt: iso(offer.createdAt),
            updatedAt: iso(v.at),
          };
          plan.offerVersions.push({ offer_id: offerId, version: v.version, snapshot: JSON.stringify(snapshot), created_at: iso(v.at) });
        }
        for (const e of offer.events) {
          plan.offerEvents.push({
            id: e.system ? randomUuid(`${offerId}/${e.to}`) : this.idAt(e.at),
            offer_id: offerId,
            from_status: e.from,
            to_status: e.to,
            offer_version: e.version,
            actor_id: e.system ? null : e.byAdmin ? adminId : tf.recruiterId,
            comment: e.comment,
            at: iso(e.at),
          });
        }
      }
    }
    return plan;
  }

  private outreachRows(plan: HistoryPlan, sim: PersonSim, candidateId: string, applicationId: string, publicBaseUrl: string): void {
    const { person, tf } = sim;
    const out = sim.outreach!;
    const definition = this.definitionOf(tf, out.version);
    const enrollmentId = this.idAt(out.enrolledAt);
    plan.enrollments.push({
      id: enrollmentId,
      sequence_id: tf.sequence.id,
      sequence_version: out.version,
      candidate_id: candidateId,
      application_id: applicationId,
      task_force_id: tf.id,
      status: out.status,
      stop_reason: out.stopReason,
      time_zone: person.timeZone,
      enrolled_by: tf.recruiterId,
      created_at: iso(out.enrolledAt),
      updated_at: iso(out.updatedAt),
    });
    const rng = seededRng(`${person.email}/smtp`);
    const keys = this.capKeys(tf, definition, person.email);
    const messageIds: string[] = [];
    for (const s of out.steps) {
      const messageId = messageIdFor(enrollmentId, s.step, publicBaseUrl);
      messageIds.push(messageId);
      const sent = s.status === 'sent';
      plan.messages.push({
        id: this.idAt(s.createdAt),
        enrollment_id: enrollmentId,
        step: s.step,
        status: s.status,
        due_at: iso(s.due),
        message_id: messageId,
        sent_at: sent ? iso(s.sentAt!) : null,
        detail: s.detail ?? null,
        attempts: sent ? 1 : 0,
        claim_token: sent ? this.idAt(s.claimedAt!) : null,
        claimed_at: sent ? iso(s.claimedAt!) : null,
        recipient: sent ? person.email : null,
        cap_day: sent ? capDay(new Date(s.claimedAt!), tf.timeZone) : null,
        cap_keys: sent ? keys : [],
        smtp_response: sent
          ? `250 2.0.0 Ok: queued as ${Math.floor(rng.next() * 0xffffffffff)
              .toString(16)
              .toUpperCase()}`
          : null,
        response: s.response ?? null,
        response_at: s.responseAt ? iso(s.responseAt) : null,
        created_at: iso(s.createdAt),
        updated_at: iso(s.updatedAt),
      });
    }
    const outcome = out.outcome;
    if (!outcome || outcome.kind === 'unsubscribed') return; // the one-click link writes no inbound event
    const answered = out.steps.find((s) => s.step === outcome.step)!;
    const inReplyTo = messageIds[outcome.step - 1];
    const common = {
      id: this.idAt(outcome.at),
      to_address: definition.sender.fromAddress.toLowerCase(),
      in_reply_to: inReplyTo,
      references: messageIds.slice(0, outcome.step),
      headers: '{}',
      matched_by: 'message_id',
      candidate_id: candidateId,
      enrollment_ids: [enrollmentId],
      received_at: iso(outcome.at),
    };
    if (outcome.kind === 'replied') {
      const context = templateContext(
        { full_name: person.fullName, native_name: person.nativeName, current_employer: person.employer, current_title: person.title },
        { name: tf.name, company: tf.company, location: tf.location },
        definition.sender,
        '',
      );
      const subject = render(definition.steps[answered.step - 1].subject, context);
      plan.inboundEvents.push({
        ...common,
        body_sha256: sha256(`demo-history reply ${inReplyTo}`),
        kind: 'reply',
        from_address: person.email.toLowerCase(),
        recipient: null,
        subject: subject.startsWith('Re: ') ? subject : `Re: ${subject}`,
        text: rng.pick(REPLIES),
        outcome: 'replied',
      });
      return;
    }
    const domain = person.email.slice(person.email.indexOf('@') + 1);
    const subject = 'Undelivered Mail Returned to Sender';
    plan.inboundEvents.push({
      ...common,
      body_sha256: sha256(`demo-history bounce ${inReplyTo}`),
      kind: 'bounce',
      from_address: `mailer-daemon@mx.${domain}`,
      recipient: person.email,
      subject,
      text: `<${person.email}>: host mx.${domain} said: 550 5.1.1 <${person.email}>: Recipient address rejected: User unknown in virtual mailbox table`,
      outcome: 'bounced',
    });
    plan.bounces.push({
      id: this.idAt(outcome.at),
      email: person.email.toLowerCase(),
      bounced_at: iso(outcome.at),
      detail: subject,
      enrollment_id: enrollmentId,
      sequence_id: tf.sequence.id,
      step: outcome.step,
    });
  }
}

function durationMs(iso8601: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso8601);
  if (!match) throw new Error(`unsupported delay ${iso8601}`);
  const [, d, h, m, s] = match.map((x) => Number(x ?? 0));
  return d * DAY + h * HOUR + m * MINUTE + s * 1000;
}

/** People answer mail while awake: a reply due in the small hours of their zone comes in the morning. */
function awake(ms: number, zone: string): number {
  const local = DateTime.fromMillis(ms, { zone });
  if (local.hour >= 7) return ms;
  return local.set({ hour: 7, minute: 0 }).toMillis() + (local.minute * 60_000 + local.second * 1000) * 2;
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A version-4 UUID derived from a key (the expiry job's ids come from gen_random_uuid(), not newId()). */
function randomUuid(key: string): string {
  const h = sha256(key);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The generated history's rows, laid out backwards from `input.now`. */
export function buildHistory(input: HistoryInput): HistoryPlan {
  return new Simulation(input).run();
}
