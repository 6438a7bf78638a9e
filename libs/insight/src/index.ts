export * from './csv';
export * from './insight-projection.service';
export * from './insight.dto';
export * from './insight.module';
export * from './insight.service';
export * from './period';
