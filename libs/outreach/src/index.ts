export * from './outreach.module';
export * from './send-window';
export * from './sequences.dto';
export * from './sequences.service';
export * from './templates';
export * from './enrollments.dto';
export * from './enrollments.service';
