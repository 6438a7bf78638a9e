export * from './bands.dto';
export * from './bands.service';
export * from './compensation.module';
export * from './fx.service';
export * from './money';
