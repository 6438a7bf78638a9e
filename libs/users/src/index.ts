export * from './actor';
export * from './tokens';
export * from './user.entity';
export * from './users.dto';
export * from './users.module';
export * from './users.service';
