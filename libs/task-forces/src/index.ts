export * from './skill-areas';
export * from './time-zone';
export * from './task-force.entity';
export * from './task-force-access';
export * from './task-forces.dto';
export * from './task-forces.module';
export * from './task-forces.service';
