export * from './outreach.module';
export * from './send-window';
export * from './sequences.dto';
export * from './sequences.service';
export * from './templates';
