import type { SkillArea } from '@app/task-forces';
import type { CandidateView, EducationDto } from './candidates.dto';
import type { ConsentState, Source, VisaStatus } from './vocabulary';

/** A candidates row as the database returns it. */
export interface CandidateRow {
  id: string;
  full_name: string;
  native_name: string | null;
  native_name_pinyin: string | null;
  emails: string[];
  phone: string | null;
  linkedin_url: string | null;
  github_url: string | null;
  scholar_url: string | null;
  location: string | null;
  time_zone: string | null;
  current_employer: string | null;
  current_title: string | null;
  years_of_experience: string | null;
  skills: string[];
  skill_areas: SkillArea[];
  education: EducationDto[];
  visa_status: VisaStatus;
  source: Source;
  owner_id: string | null;
  tags: string[];
  consent_state: ConsentState;
  consent_updated_at: Date | null;
  merged_into: string | null;
  erased_at: Date | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** Columns a view needs (never the search vector). */
export const CANDIDATE_COLUMNS = `c.id, c.full_name, c.native_name, c.native_name_pinyin, c.emails, c.phone, c.linkedin_url, c.github_url,
  c.scholar_url, c.location, c.time_zone, c.current_employer, c.current_title, c.years_of_experience, c.skills, c.skill_areas,
  c.education, c.visa_status, c.source, c.owner_id, c.tags, c.consent_state, c.consent_updated_at, c.merged_into, c.erased_at,
  c.version, c.created_at, c.updated_at`;

export function toCandidateView(r: CandidateRow): CandidateView {
  return {
    id: r.id,
    fullName: r.full_name,
    nativeName: r.native_name,
    nativeNamePinyin: r.native_name_pinyin,
    emails: r.emails,
    primaryEmail: r.emails[0] ?? null,
    phone: r.phone,
    linkedinUrl: r.linkedin_url,
    githubUrl: r.github_url,
    scholarUrl: r.scholar_url,
    location: r.location,
    timeZone: r.time_zone,
    currentEmployer: r.current_employer,
    currentTitle: r.current_title,
    yearsOfExperience: r.years_of_experience === null ? null : Number(r.years_of_experience),
    skills: r.skills,
    skillAreas: r.skill_areas,
    education: r.education,
    visaStatus: r.visa_status,
    source: r.source,
    ownerId: r.owner_id,
    tags: r.tags,
    consentState: r.consent_state,
    consentUpdatedAt: r.consent_updated_at?.toISOString() ?? null,
    erasedAt: r.erased_at?.toISOString() ?? null,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}
