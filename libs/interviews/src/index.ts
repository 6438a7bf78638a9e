export * from './interview-access';
export * from './interviews.module';
export * from './invitation';
export * from './slot-finder';
