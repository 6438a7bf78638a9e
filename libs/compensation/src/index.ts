export * from './bands.dto';
export * from './bands.service';
export * from './compensation.module';
export * from './fx.service';
export * from './money';
export * from './offers.dto';
export * from './offers.service';
export * from './band-rules';
