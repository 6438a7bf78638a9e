import { ConflictError, describeValidationErrors, DomainError, InvalidInputError, RuleViolationError } from '@app/platform';
import { Actor } from '@app/users';
import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { parse } from 'csv-parse/sync';
import { CandidatesService } from './candidates.service';
import { CreateCandidateDto, ImportReport, ImportReportRow } from './candidates.dto';
import { identitiesOf } from './identity';

export const MAX_IMPORT_ROWS = 10_000;
const IMPORT_CONCURRENCY = 8;

/** The CSV columns (docs/candidates-import.md). Lists inside a cell are separated by ";". */
export const IMPORT_COLUMNS = [
  'full_name',
  'native_name',
  'native_name_pinyin',
  'email',
  'other_emails',
  'phone',
  'linkedin_url',
  'github_url',
  'scholar_url',
  'location',
  'time_zone',
  'current_employer',
  'current_title',
  'years_of_experience',
  'skills',
  'skill_areas',
  'university',
  'degree',
  'field',
  'graduation_year',
  'visa_status',
  'source',
  'tags',
  'consent_state',
] as const;
type Column = (typeof IMPORT_COLUMNS)[number];

const list = (cell: string | undefined) =>
  cell
    ? cell
        .split(';')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
const text = (cell: string | undefined) => (cell && cell.trim() ? cell.trim() : undefined);
const num = (cell: string | undefined) => (cell && cell.trim() ? (Number.isNaN(Number(cell)) ? cell : Number(cell)) : undefined);

function toCandidate(row: Partial<Record<Column, string>>): Record<string, unknown> {
  const emails = [...(text(row.email) ? [text(row.email)!] : []), ...(list(row.other_emails) ?? [])];
  const university = text(row.university);
  const plain: Record<string, unknown> = {
    fullName: text(row.full_name),
    nativeName: text(row.native_name),
    nativeNamePinyin: text(row.native_name_pinyin),
    emails: emails.length ? emails : undefined,
    phone: text(row.phone),
    linkedinUrl: text(row.linkedin_url),
    githubUrl: text(row.github_url),
    scholarUrl: text(row.scholar_url),
    location: text(row.location),
    timeZone: text(row.time_zone),
    currentEmployer: text(row.current_employer),
    currentTitle: text(row.current_title),
    yearsOfExperience: num(row.years_of_experience),
    skills: list(row.skills),
    skillAreas: list(row.skill_areas),
    education: university ? [{ university, degree: text(row.degree), field: text(row.field), year: num(row.graduation_year) }] : undefined,
    visaStatus: text(row.visa_status),
    source: text(row.source),
    tags: list(row.tags),
    consentState: text(row.consent_state),
  };
  return JSON.parse(JSON.stringify(plain));
}

/**
 * CSV import: every row is validated and created on its own, so one bad row never aborts the
 * rest. Rows must carry an email, LinkedIn or GitHub URL: those keys make a second import of
 * the same file report duplicates instead of creating people twice.
 */
@Injectable()
export class CandidateImportService {
  constructor(private readonly candidates: CandidatesService) {}

  async import(actor: Actor, csv: string): Promise<ImportReport> {
    const records = this.parse(csv);
    const results: ImportReportRow[] = new Array(records.length);
    // Rows run in parallel, except that a row sharing an identity with an earlier row waits until
    // the earlier ones are done: the first line of the file always wins.
    const seen = new Set<string>();
    const first: number[] = [];
    const repeats: number[] = [];
    records.forEach((record, i) => {
      const keys = identitiesOf({
        emails: [...(text(record.email) ? [text(record.email)!] : []), ...(list(record.other_emails) ?? [])],
        linkedinUrl: text(record.linkedin_url),
        githubUrl: text(record.github_url),
      }).map((id) => `${id.kind}:${id.value}`);
      (keys.some((k) => seen.has(k)) ? repeats : first).push(i);
      keys.forEach((k) => seen.add(k));
    });
    await this.inParallel(first, IMPORT_CONCURRENCY, async (i) => (results[i] = await this.importRow(actor, records[i], i + 2)));
    await this.inParallel(repeats, 1, async (i) => (results[i] = await this.importRow(actor, records[i], i + 2)));
    return {
      rows: records.length,
      created: results.filter((r) => r.outcome === 'created').length,
      duplicates: results.filter((r) => r.outcome === 'duplicate').length,
      errors: results.filter((r) => r.outcome === 'error').length,
      results,
    };
  }

  private async inParallel(indexes: number[], concurrency: number, run: (i: number) => Promise<unknown>): Promise<void> {
    let next = 0;
    const work = async () => {
      while (next < indexes.length) await run(indexes[next++]);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, indexes.length) }, work));
  }

  private parse(csv: string): Partial<Record<Column, string>>[] {
    let records: Record<string, string>[];
    try {
      records = parse(csv.replace(/^\uFEFF/, ''), {
        columns: (header: string[]) => this.checkHeader(header),
        skip_empty_lines: true,
        relax_column_count: false,
        trim: false,
      });
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw new InvalidInputError('invalid_csv', `The file is not valid CSV: ${(error as Error).message}`);
    }
    if (records.length === 0) throw new InvalidInputError('empty_csv', 'The file has a header but no rows');
    if (records.length > MAX_IMPORT_ROWS) {
      throw new RuleViolationError('too_many_rows', `An import takes at most ${MAX_IMPORT_ROWS} rows; this file has ${records.length}. Split it.`, {
        maxRows: MAX_IMPORT_ROWS,
      });
    }
    return records;
  }

  private checkHeader(header: string[]): string[] {
    const names = header.map((h) => h.trim().toLowerCase());
    const unknown = names.filter((n) => !(IMPORT_COLUMNS as readonly string[]).includes(n));
    if (unknown.length || !names.includes('full_name')) {
      throw new InvalidInputError(
        'invalid_csv_header',
        unknown.length ? `Unknown columns: ${unknown.join(', ')}. Known columns: ${IMPORT_COLUMNS.join(', ')}` : 'The header must include full_name',
        unknown.map((u) => ({ field: u, message: `${u} is not a known column` })),
      );
    }
    return names;
  }

  private async importRow(actor: Actor, record: Partial<Record<Column, string>>, line: number): Promise<ImportReportRow> {
    if (!text(record.email) && !list(record.other_emails) && !text(record.linkedin_url) && !text(record.github_url)) {
      return { line, outcome: 'error', errors: ['a row needs an email, linkedin_url or github_url, so that importing it again finds it'] };
    }
    const dto = plainToInstance(CreateCandidateDto, toCandidate(record));
    const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length) return { line, outcome: 'error', errors: describeValidationErrors(errors).map((p) => p.message) };
    try {
      const created = await this.candidates.create(actor, dto);
      return { line, outcome: 'created', candidateId: created.id };
    } catch (error) {
      if (error instanceof ConflictError && error.code === 'duplicate_candidate') {
        const existing = error.extra.existingCandidateId as string | undefined;
        return { line, outcome: 'duplicate', ...(existing ? { candidateId: existing } : {}), errors: [error.message] };
      }
      if (error instanceof DomainError) return { line, outcome: 'error', errors: [error.message] };
      throw error;
    }
  }
}
