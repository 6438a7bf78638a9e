export * from './interview-access';
export * from './interviewers.service';
export * from './interviews.dto';
export * from './interviews.module';
export * from './interviews.service';
export * from './invitation';
export * from './plans.service';
export * from './slot-finder';
