import { decodeCursor, PageQuery } from '@app/platform';
import {
  AddMemberDto,
  CreateOpeningDto,
  CreateTaskForceDto,
  MemberView,
  OpeningListQuery,
  OpeningView,
  TaskForceListQuery,
  TaskForcesService,
  TaskForceView,
  UpdateOpeningDto,
  UpdateTaskForceDto,
} from '@app/task-forces';
import { Actor } from '@app/users';
import { CurrentActor, IdempotentPost, UuidPipe } from '@app/web';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPage, ApiProblems } from '../openapi/decorators';

@ApiTags('task forces')
@ApiBearerAuth()
@Controller('v1/task-forces')
export class TaskForcesController {
  constructor(private readonly taskForces: TaskForcesService) {}

  @IdempotentPost()
  @ApiOperation({ summary: 'Create a task force (admin)' })
  @ApiCreatedResponse({ type: TaskForceView })
  @ApiProblems(400, 401, 403, 409)
  create(@CurrentActor() actor: Actor, @Body() dto: CreateTaskForceDto) {
    return this.taskForces.create(actor, dto);
  }

  @Get()
  @ApiOperation({ summary: 'Task forces the caller may see (recruiters: those they belong to)' })
  @ApiPage(TaskForceView)
  @ApiProblems(400, 401)
  list(@CurrentActor() actor: Actor, @Query() query: TaskForceListQuery) {
    return this.taskForces.list(actor, query, decodeCursor(query.cursor));
  }

  @Get(':id')
  @ApiOperation({ summary: 'A task force with its computed hiredCount and openHeadcount' })
  @ApiOkResponse({ type: TaskForceView })
  @ApiProblems(400, 401, 404)
  get(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    return this.taskForces.get(actor, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a task force (admin)' })
  @ApiOkResponse({ type: TaskForceView })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  update(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Body() dto: UpdateTaskForceDto) {
    return this.taskForces.update(actor, id, dto);
  }

  @Get(':id/members')
  @ApiOperation({ summary: 'Members of the task force' })
  @ApiPage(MemberView)
  @ApiProblems(400, 401, 404)
  members(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Query() query: PageQuery) {
    return this.taskForces.members(actor, id, query.limit, decodeCursor(query.cursor));
  }

  @IdempotentPost(':id/members')
  @ApiOperation({ summary: 'Add a user to the task force (admin)' })
  @ApiCreatedResponse({ type: MemberView })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  addMember(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Body() dto: AddMemberDto) {
    return this.taskForces.addMember(actor, id, dto.userId);
  }

  @Delete(':id/members/:userId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a user from the task force (admin)' })
  @ApiNoContentResponse()
  @ApiProblems(400, 401, 403, 404)
  async removeMember(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Param('userId', UuidPipe) userId: string) {
    await this.taskForces.removeMember(actor, id, userId);
  }

  @IdempotentPost(':id/openings')
  @ApiOperation({ summary: "Create an opening (admin). Openings' headcount may not exceed the task force's target." })
  @ApiCreatedResponse({ type: OpeningView })
  @ApiProblems(400, 401, 403, 404, 422)
  createOpening(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Body() dto: CreateOpeningDto) {
    return this.taskForces.createOpening(actor, id, dto);
  }

  @Get(':id/openings')
  @ApiOperation({ summary: 'Openings of the task force (?status=, ?skillArea=)' })
  @ApiPage(OpeningView)
  @ApiProblems(400, 401, 404)
  listOpenings(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Query() query: OpeningListQuery) {
    return this.taskForces.listOpenings(actor, id, query, decodeCursor(query.cursor));
  }

  @Get(':id/openings/:openingId')
  @ApiOperation({ summary: 'One opening' })
  @ApiOkResponse({ type: OpeningView })
  @ApiProblems(400, 401, 404)
  getOpening(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Param('openingId', UuidPipe) openingId: string) {
    return this.taskForces.getOpening(actor, id, openingId);
  }

  @Patch(':id/openings/:openingId')
  @ApiOperation({ summary: 'Change an opening (admin)' })
  @ApiOkResponse({ type: OpeningView })
  @ApiProblems(400, 401, 403, 404, 422)
  updateOpening(
    @CurrentActor() actor: Actor,
    @Param('id', UuidPipe) id: string,
    @Param('openingId', UuidPipe) openingId: string,
    @Body() dto: UpdateOpeningDto,
  ) {
    return this.taskForces.updateOpening(actor, id, openingId, dto);
  }
}
