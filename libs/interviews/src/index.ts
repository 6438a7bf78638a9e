export * from './interview-access';
export * from './interviews.module';
export * from './invitation';
export * from './scorecard-rules';
export * from './scorecards.dto';
export * from './scorecards.service';
export * from './slot-finder';
