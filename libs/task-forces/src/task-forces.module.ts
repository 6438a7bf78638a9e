import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TaskForceAccess } from './task-force-access';
import { Opening, TaskForce, TaskForceMember } from './task-force.entity';
import { TaskForcesService } from './task-forces.service';

@Module({
  imports: [TypeOrmModule.forFeature([TaskForce, TaskForceMember, Opening])],
  providers: [TaskForcesService, TaskForceAccess],
  exports: [TaskForcesService, TaskForceAccess],
})
export class TaskForcesModule {}
