export * from './catalogue';
export * from './domain-events';
