import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateTime, Trim } from '@app/platform';
import { IsEmail, IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { ROLES, type Role } from './actor';
import type { ApiToken, User } from './user.entity';

export class CreateUserDto {
  @ApiProperty({ example: 'li.wei@alibaba-inc.com' })
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(254)
  email: string;

  @ApiProperty({ example: 'Li Wei' })
  @Trim()
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ enum: ROLES, example: 'recruiter' })
  @IsIn(ROLES, { message: `role must be one of ${ROLES.join(', ')}` })
  role: Role;
}

export class CreateTokenDto {
  @ApiProperty({ example: 'laptop', description: 'A label to recognise the token by' })
  @Trim()
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiPropertyOptional({ example: '2027-06-30T00:00:00Z', description: 'When the token stops working; never if absent' })
  @IsOptional()
  @IsDateTime()
  expiresAt?: string;
}

export class UserView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;

  static of(u: User): UserView {
    return { id: u.id, email: u.email, name: u.name, role: u.role, createdAt: u.createdAt.toISOString(), updatedAt: u.updatedAt.toISOString() };
  }
}

export class TokenView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'First characters of the token, to recognise it' }) prefix: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) expiresAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastUsedAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revokedAt: string | null;

  static of(t: ApiToken): TokenView {
    return {
      id: t.id,
      userId: t.userId,
      name: t.name,
      prefix: t.tokenPrefix,
      createdAt: t.createdAt.toISOString(),
      expiresAt: t.expiresAt?.toISOString() ?? null,
      lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
      revokedAt: t.revokedAt?.toISOString() ?? null,
    };
  }
}

export class IssuedTokenView extends TokenView {
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The secret. Shown only in this response; store it now. null in an Idempotency-Key replay, which never holds secrets',
    example: 'hk_3q2...',
  })
  token: string | null;
}

export class CreatedUserView extends UserView {
  @ApiProperty({ type: IssuedTokenView, description: 'A first personal token for the new user, shown once' })
  initialToken: IssuedTokenView;
}
