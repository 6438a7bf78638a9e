export * from './interview-access';
export * from './interview-mails.service';
export * from './interviews.module';
export * from './invitation';
export * from './slot-finder';
