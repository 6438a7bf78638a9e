import { decodeCursor } from '@app/platform';
import { SuppressionListQuery, SuppressionsService, SuppressionView } from '@app/outreach';
import { Actor } from '@app/users';
import { CurrentActor, UuidPipe } from '@app/web';
import { Controller, Delete, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPage, ApiProblems } from '../openapi/decorators';

@ApiTags('outreach')
@ApiBearerAuth()
@Controller('v1/outreach/suppressions')
export class SuppressionsController {
  constructor(private readonly suppressions: SuppressionsService) {}

  @Get()
  @ApiOperation({
    summary: 'Suppressed addresses (they bounced and are never mailed again), oldest first; ?address= finds one, also after erasure; admins only',
  })
  @ApiPage(SuppressionView)
  @ApiProblems(400, 401, 403)
  list(@CurrentActor() actor: Actor, @Query() query: SuppressionListQuery) {
    return this.suppressions.list(actor, query, decodeCursor(query.cursor));
  }

  @Get(':id')
  @ApiOperation({ summary: 'A suppressed address: the SMTP answer, when, and which sequence, enrollment and step; admins only' })
  @ApiOkResponse({ type: SuppressionView })
  @ApiProblems(400, 401, 403, 404)
  get(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    return this.suppressions.get(actor, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Take an address off the suppression list (audited): the next enrollment may mail it; admins only' })
  @ApiNoContentResponse()
  @ApiProblems(400, 401, 403, 404)
  async remove(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    await this.suppressions.remove(actor, id);
  }
}
