import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { OpeningStatus, SkillArea, TaskForceStatus } from './skill-areas';

@Entity({ name: 'task_forces' })
export class TaskForce {
  @PrimaryColumn('uuid') id: string;
  @Column('text') name: string;
  @Column('text') company: string;
  @Column('text') location: string;
  @Column({ name: 'time_zone', type: 'text' }) timeZone: string;
  @Column({ name: 'focus_areas', type: 'text', array: true }) focusAreas: SkillArea[];
  @Column({ name: 'headcount_target', type: 'integer' }) headcountTarget: number;
  @Column({ name: 'target_employers', type: 'text', array: true }) targetEmployers: string[];
  @Column('text') status: TaskForceStatus;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

@Entity({ name: 'task_force_members' })
export class TaskForceMember {
  @PrimaryColumn({ name: 'task_force_id', type: 'uuid' }) taskForceId: string;
  @PrimaryColumn({ name: 'user_id', type: 'uuid' }) userId: string;
  @Column({ name: 'added_at', type: 'timestamptz' }) addedAt: Date;
}

@Entity({ name: 'openings' })
export class Opening {
  @PrimaryColumn('uuid') id: string;
  @Column({ name: 'task_force_id', type: 'uuid' }) taskForceId: string;
  @Column('text') title: string;
  @Column({ name: 'skill_area', type: 'text' }) skillArea: SkillArea;
  @Column('text') level: string;
  @Column('integer') headcount: number;
  @Column('text') status: OpeningStatus;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
