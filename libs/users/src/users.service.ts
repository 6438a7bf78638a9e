import { Clock, ConflictError, InvalidInputError, isUniqueViolation, newId, NotFoundError, Page, RuleViolationError, toPage } from '@app/platform';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { Actor, isAdmin, requireAdmin, Role } from './actor';
import { displayPrefix, generateToken, hashToken } from './tokens';
import { ApiToken, User } from './user.entity';
import { CreatedUserView, CreateTokenDto, CreateUserDto, IssuedTokenView, TokenView, UserView } from './users.dto';

/** Rate limits count per user, so more tokens buy no more requests; the cap bounds what a leak or a script can mint. */
export const LIVE_TOKENS_PER_USER = 20;

@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(ApiToken) private readonly tokens: Repository<ApiToken>,
    private readonly clock: Clock,
  ) {}

  /** Resolves a bearer token to its actor (and the token's expiry), or null when unknown, revoked or expired. */
  async authenticate(token: string): Promise<{ actor: Actor; expiresAt: Date | null } | null> {
    const rows: { token_id: string; user_id: string; role: Role; expires_at: Date | null; last_used_at: Date | null }[] = await this.db.query(
      `SELECT t.id AS token_id, u.id AS user_id, u.role, t.expires_at, t.last_used_at
         FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())`,
      [hashToken(token)],
    );
    const row = rows[0];
    if (!row) return null;
    // At most one write a minute per token, so reads stay reads.
    if (!row.last_used_at || row.last_used_at.getTime() < this.clock.now().getTime() - 60_000) {
      void this.db
        .query(`UPDATE api_tokens SET last_used_at = now() WHERE id = $1`, [row.token_id])
        .catch((e: Error) => this.logger.warn(`could not record token use: ${e.message}`));
    }
    return { actor: { userId: row.user_id, role: row.role, tokenId: row.token_id }, expiresAt: row.expires_at };
  }

  async create(actor: Actor, dto: CreateUserDto): Promise<CreatedUserView> {
    requireAdmin(actor);
    return this.db.transaction(async (tx) => {
      const now = this.clock.now();
      const user = tx.create(User, { id: newId(), email: dto.email.trim(), name: dto.name.trim(), role: dto.role, createdAt: now, updatedAt: now });
      try {
        await tx.insert(User, user);
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new ConflictError('email_taken', `A user with email ${dto.email} already exists`);
        }
        throw error;
      }
      const initialToken = await this.issueToken(tx.getRepository(ApiToken), user.id, 'initial', null);
      return { ...UserView.of(user), initialToken };
    });
  }

  async list(actor: Actor, limit: number, afterId?: string): Promise<Page<UserView>> {
    requireAdmin(actor);
    const qb = this.users
      .createQueryBuilder('u')
      .orderBy('u.id', 'ASC')
      .limit(limit + 1);
    if (afterId) qb.where('u.id > :afterId', { afterId });
    return toPage(await qb.getMany(), limit, UserView.of);
  }

  async get(actor: Actor, id: string): Promise<UserView> {
    if (!isAdmin(actor) && actor.userId !== id) throw new NotFoundError('User', id);
    const user = await this.users.findOneBy({ id });
    if (!user) throw new NotFoundError('User', id);
    return UserView.of(user);
  }

  async createToken(actor: Actor, userId: string, dto: CreateTokenDto): Promise<IssuedTokenView> {
    await this.get(actor, userId);
    const expiresAt = dto.expiresAt ? new Date(dto.expiresAt) : null;
    if (expiresAt && !(expiresAt.getTime() > this.clock.now().getTime())) {
      throw new InvalidInputError('validation_failed', 'expiresAt must be in the future', [{ field: 'expiresAt', message: 'expiresAt must be in the future' }]);
    }
    return this.db.transaction(async (tx) => {
      // The user's row lock makes concurrent issues take turns, so none can slip past the cap.
      await tx.query(`SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, [userId]);
      const [{ live }]: { live: number }[] = await tx.query(
        `SELECT count(*)::int AS live FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
        [userId],
      );
      if (live >= LIVE_TOKENS_PER_USER) {
        throw new RuleViolationError(
          'token_limit_reached',
          `A user may hold at most ${LIVE_TOKENS_PER_USER} live tokens (not revoked, not expired); revoke one (DELETE /v1/tokens/:id) to issue another`,
          { limit: LIVE_TOKENS_PER_USER },
        );
      }
      return this.issueToken(tx.getRepository(ApiToken), userId, dto.name.trim(), expiresAt);
    });
  }

  async listTokens(actor: Actor, userId: string, limit: number, afterId?: string): Promise<Page<TokenView>> {
    await this.get(actor, userId);
    const qb = this.tokens
      .createQueryBuilder('t')
      .where('t.user_id = :userId', { userId })
      .orderBy('t.id', 'ASC')
      .limit(limit + 1);
    if (afterId) qb.andWhere('t.id > :afterId', { afterId });
    return toPage(await qb.getMany(), limit, TokenView.of);
  }

  /** Revoking is idempotent; a token the actor may not manage looks like one that does not exist. */
  async revokeToken(actor: Actor, tokenId: string): Promise<void> {
    const token = await this.tokens.findOneBy({ id: tokenId });
    if (!token || (!isAdmin(actor) && token.userId !== actor.userId)) throw new NotFoundError('Token', tokenId);
    await this.db.query(`UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [tokenId]);
  }

  /**
   * First run: when no admin exists, the configured bootstrap token becomes an admin's token.
   * Runs under the migration lock's protection of a unique email, so two processes cannot both
   * create one.
   */
  async ensureBootstrapAdmin(bootstrapToken: string | undefined): Promise<'created' | 'exists' | 'skipped'> {
    if (!bootstrapToken) return 'skipped';
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(7412330019)`);
      const [{ count }] = await tx.query(`SELECT count(*)::int AS count FROM users WHERE role = 'admin'`);
      if (count > 0) return 'exists';
      const now = this.clock.now();
      const id = newId();
      await tx.insert(User, { id, email: 'admin@bootstrap.local', name: 'Bootstrap admin', role: 'admin', createdAt: now, updatedAt: now });
      await tx.insert(ApiToken, {
        id: newId(),
        userId: id,
        name: 'bootstrap',
        tokenHash: hashToken(bootstrapToken),
        // An operator-chosen secret: show none of it back.
        tokenPrefix: '(bootstrap)',
        createdAt: now,
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
      });
      return 'created';
    });
  }

  private async issueToken(repo: Repository<ApiToken>, userId: string, name: string, expiresAt: Date | null): Promise<IssuedTokenView> {
    const secret = generateToken();
    const token = repo.create({
      id: newId(),
      userId,
      name,
      tokenHash: hashToken(secret),
      tokenPrefix: displayPrefix(secret),
      createdAt: this.clock.now(),
      expiresAt,
      lastUsedAt: null,
      revokedAt: null,
    });
    await repo.insert(token);
    return { ...TokenView.of(token), token: secret };
  }
}
