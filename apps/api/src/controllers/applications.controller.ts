import { ApplicationListQuery, ApplicationsService, ApplicationView, CreateApplicationDto, TransitionDto } from '@app/candidates';
import { decodeCursor } from '@app/platform';
import { Actor } from '@app/users';
import { CurrentActor, IdempotentPost, UuidPipe } from '@app/web';
import { Body, Controller, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPage, ApiProblems } from '../openapi/decorators';

@ApiTags('applications')
@ApiBearerAuth()
@Controller('v1/applications')
export class ApplicationsController {
  constructor(private readonly applications: ApplicationsService) {}

  @IdempotentPost()
  @ApiOperation({ summary: 'Put a candidate in a task force pipeline (one open application per candidate and task force)' })
  @ApiCreatedResponse({ type: ApplicationView })
  @ApiProblems(400, 401, 404, 409, 422)
  create(@CurrentActor() actor: Actor, @Body() dto: CreateApplicationDto) {
    return this.applications.create(actor, dto);
  }

  @Get()
  @ApiOperation({ summary: "Applications in the caller's task forces (?taskForceId=&candidateId=&stage=)" })
  @ApiPage(ApplicationView)
  @ApiProblems(400, 401)
  list(@CurrentActor() actor: Actor, @Query() query: ApplicationListQuery) {
    return this.applications.list(actor, query, decodeCursor(query.cursor));
  }

  @Get(':id')
  @ApiOperation({ summary: 'An application with its full stage history' })
  @ApiOkResponse({ type: ApplicationView })
  @ApiProblems(400, 401, 404)
  get(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    return this.applications.get(actor, id);
  }

  @IdempotentPost(':id/transitions')
  @HttpCode(200)
  @ApiOperation({ summary: 'Move along the pipeline. A move the graph forbids is 422 naming the allowed moves; a lost race is 409.' })
  @ApiOkResponse({ type: ApplicationView })
  @ApiProblems(400, 401, 404, 409, 422)
  transition(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Body() dto: TransitionDto) {
    return this.applications.transition(actor, id, dto);
  }
}
