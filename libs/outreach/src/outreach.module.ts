import { CandidatesModule } from '@app/candidates';
import { TaskForcesModule } from '@app/task-forces';
import { Module } from '@nestjs/common';
import { EnrollmentsService } from './enrollments.service';
import { SequencesService } from './sequences.service';

@Module({ imports: [TaskForcesModule, CandidatesModule], providers: [SequencesService, EnrollmentsService], exports: [SequencesService, EnrollmentsService] })
export class OutreachModule {}
