import { decodeCursor, PageQuery } from '@app/platform';
import { Actor, CreatedUserView, CreateTokenDto, CreateUserDto, IssuedTokenView, LIVE_TOKENS_PER_USER, TokenView, UsersService, UserView } from '@app/users';
import { CurrentActor, ForInterviewers, IdempotentPost, TokenCache, UuidPipe } from '@app/web';
import { Body, Controller, Delete, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPage, ApiProblems } from '../openapi/decorators';

@ApiTags('users')
@ApiBearerAuth()
@Controller('v1')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly tokenCache: TokenCache,
  ) {}

  @IdempotentPost('users')
  @ApiOperation({ summary: 'Create a user (admin). The response holds the first token, shown once.' })
  @ApiCreatedResponse({ type: CreatedUserView })
  @ApiProblems(400, 401, 403, 409)
  create(@CurrentActor() actor: Actor, @Body() dto: CreateUserDto): Promise<CreatedUserView> {
    return this.users.create(actor, dto);
  }

  @Get('users')
  @ApiOperation({ summary: 'List users (admin)' })
  @ApiPage(UserView)
  @ApiProblems(400, 401, 403)
  list(@CurrentActor() actor: Actor, @Query() query: PageQuery) {
    return this.users.list(actor, query.limit, decodeCursor(query.cursor));
  }

  @Get('me')
  @ForInterviewers()
  @ApiOperation({ summary: 'The user the token belongs to' })
  @ApiOkResponse({ type: UserView })
  @ApiProblems(401)
  me(@CurrentActor() actor: Actor): Promise<UserView> {
    return this.users.get(actor, actor.userId);
  }

  @IdempotentPost('users/:id/tokens')
  @ApiOperation({
    summary: `Issue a personal API token (admin, or the user for themself). The secret is shown once. At most ${LIVE_TOKENS_PER_USER} live tokens per user (422 token_limit_reached).`,
  })
  @ApiCreatedResponse({ type: IssuedTokenView })
  @ApiProblems(400, 401, 404, 422)
  createToken(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Body() dto: CreateTokenDto): Promise<IssuedTokenView> {
    return this.users.createToken(actor, id, dto);
  }

  @Get('users/:id/tokens')
  @ApiOperation({ summary: "A user's tokens, without their secrets (admin, or the user)" })
  @ApiPage(TokenView)
  @ApiProblems(400, 401, 404)
  listTokens(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Query() query: PageQuery) {
    return this.users.listTokens(actor, id, query.limit, decodeCursor(query.cursor));
  }

  @Delete('tokens/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a token (admin, or its owner). Revoking twice is harmless.' })
  @ApiNoContentResponse()
  @ApiProblems(400, 401, 404)
  async revoke(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string): Promise<void> {
    await this.users.revokeToken(actor, id);
    await this.tokenCache.revoked(id);
  }
}
