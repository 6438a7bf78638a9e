import {
  CandidateImportService,
  CandidateListQuery,
  CandidatesService,
  CandidateExport,
  CandidateView,
  CreateCandidateDto,
  CreateNoteDto,
  DuplicateGroupView,
  EXPORT_SECTIONS,
  ExportedApplication,
  ExportedAuditEntry,
  ExportedNote,
  ExportSection,
  GROUP_ID,
  ImportReport,
  LookAlikeView,
  MergeCandidatesDto,
  NoteView,
  UpdateCandidateDto,
} from '@app/candidates';
import { decodeCursor, InvalidInputError, PageQuery } from '@app/platform';
import { Actor } from '@app/users';
import { CurrentActor, IdempotentPost, UuidPipe } from '@app/web';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, PipeTransform, Query, UnsupportedMediaTypeException } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiPage, ApiProblems } from '../openapi/decorators';

class GroupPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!GROUP_ID.test(value))
      throw new InvalidInputError('invalid_group', 'group must be the group field of a duplicate group', [{ field: 'group', message: 'not a group id' }]);
    return value;
  }
}

class ExportSectionPipe implements PipeTransform<string, ExportSection> {
  transform(value: string): ExportSection {
    if (!(EXPORT_SECTIONS as readonly string[]).includes(value)) {
      throw new InvalidInputError('unknown_export_section', `section must be one of ${EXPORT_SECTIONS.join(', ')}`, [
        { field: 'section', message: 'unknown section' },
      ]);
    }
    return value as ExportSection;
  }
}

@ApiTags('candidates')
@ApiBearerAuth()
@Controller('v1/candidates')
export class CandidatesController {
  constructor(
    private readonly candidates: CandidatesService,
    private readonly importer: CandidateImportService,
  ) {}

  @IdempotentPost()
  @ApiOperation({ summary: 'Create a candidate. A normalised email, LinkedIn or GitHub URL already held is a 409 with existingCandidateId.' })
  @ApiCreatedResponse({ type: CandidateView })
  @ApiProblems(400, 401, 409, 422)
  create(@CurrentActor() actor: Actor, @Body() dto: CreateCandidateDto) {
    return this.candidates.create(actor, dto);
  }

  @Get()
  @ApiOperation({ summary: 'Search and filter the candidates the caller may see, in creation order' })
  @ApiPage(CandidateView)
  @ApiProblems(400, 401)
  list(@CurrentActor() actor: Actor, @Query() query: CandidateListQuery) {
    return this.candidates.list(actor, query, decodeCursor(query.cursor));
  }

  @Get('duplicates')
  @ApiOperation({
    summary:
      'Groups of likely duplicates: same name and employer (case and spacing ignored), the oldest 20 members of each. ' +
      'limit counts groups; a page may hold fewer, even none, and still have a nextCursor.',
  })
  @ApiPage(DuplicateGroupView)
  @ApiProblems(400, 401)
  duplicates(@CurrentActor() actor: Actor, @Query() query: PageQuery) {
    return this.candidates.duplicates(actor, query.limit, query.cursor);
  }

  @Get('duplicates/:group/members')
  @ApiOperation({ summary: 'Every member of one duplicate group the caller may see, oldest first; 404 when they see none' })
  @ApiPage(LookAlikeView)
  @ApiProblems(400, 401, 404)
  duplicateMembers(@CurrentActor() actor: Actor, @Param('group', new GroupPipe()) group: string, @Query() query: PageQuery) {
    return this.candidates.duplicateMembers(actor, group, query.limit, decodeCursor(query.cursor));
  }

  @IdempotentPost('import')
  @HttpCode(200)
  @ApiOperation({ summary: 'Import up to 10,000 candidates from CSV (UTF-8, header row; see docs/candidates.md). Reports each row.' })
  @ApiConsumes('text/csv')
  @ApiBody({ schema: { type: 'string', example: 'full_name,email,current_employer\nWei Zhang,wei.zhang@gmail.com,OpenAI\n' } })
  @ApiOkResponse({ type: ImportReport })
  @ApiProblems(400, 401, 413, 422)
  import(@CurrentActor() actor: Actor, @Body() csv: unknown) {
    if (typeof csv !== 'string') throw new UnsupportedMediaTypeException('Send the file as text/csv');
    return this.importer.import(actor, csv);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A candidate, with the applications the caller may see' })
  @ApiOkResponse({ type: CandidateView })
  @ApiProblems(400, 401, 404)
  get(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    return this.candidates.get(actor, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a candidate; send null to clear an optional field' })
  @ApiOkResponse({ type: CandidateView })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  update(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Body() dto: UpdateCandidateDto) {
    return this.candidates.update(actor, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Erase the person (admin or owner): personal data, notes and identities are deleted for good; counts stay' })
  @ApiNoContentResponse()
  @ApiProblems(400, 401, 403, 404)
  async erase(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    await this.candidates.erase(actor, id);
  }

  @Get(':id/export')
  @ApiOperation({
    summary:
      'Everything held about the person, as JSON (audited). Notes, applications and the audit trail hold at most 200 entries each; ' +
      'nextCursors says where GET /v1/candidates/{id}/export/{section} carries on.',
  })
  @ApiOkResponse({ type: CandidateExport })
  @ApiProblems(400, 401, 404)
  export(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    return this.candidates.export(actor, id);
  }

  @Get(':id/export/:section')
  @ApiOperation({ summary: 'The rest of one section of an export (notes, applications or auditTrail), from its nextCursors entry (audited)' })
  @ApiParam({ name: 'section', enum: EXPORT_SECTIONS })
  @ApiPage(ExportedNote, ExportedApplication, ExportedAuditEntry)
  @ApiProblems(400, 401, 404)
  exportSection(
    @CurrentActor() actor: Actor,
    @Param('id', UuidPipe) id: string,
    @Param('section', new ExportSectionPipe()) section: ExportSection,
    @Query() query: PageQuery,
  ) {
    return this.candidates.exportSection(actor, id, section, query.limit, decodeCursor(query.cursor));
  }

  @IdempotentPost(':id/merge')
  @HttpCode(200)
  @ApiOperation({ summary: 'Fold duplicateId into this candidate: applications, notes, tags, identities and history move; audited' })
  @ApiOkResponse({ type: CandidateView })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  merge(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Body() dto: MergeCandidatesDto) {
    return this.candidates.merge(actor, id, dto.duplicateId);
  }

  @IdempotentPost(':id/notes')
  @ApiOperation({ summary: 'Add a note (author and time are recorded)' })
  @ApiCreatedResponse({ type: NoteView })
  @ApiProblems(400, 401, 404)
  addNote(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Body() dto: CreateNoteDto) {
    return this.candidates.addNote(actor, id, dto);
  }

  @Get(':id/notes')
  @ApiOperation({ summary: 'Notes about the candidate, oldest first' })
  @ApiPage(NoteView)
  @ApiProblems(400, 401, 404)
  notes(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Query() query: PageQuery) {
    return this.candidates.notes(actor, id, query.limit, decodeCursor(query.cursor));
  }
}
