import { CandidatesModule } from '@app/candidates';
import { TaskForcesModule } from '@app/task-forces';
import { Module } from '@nestjs/common';
import { SequencesService } from './sequences.service';

@Module({ imports: [TaskForcesModule, CandidatesModule], providers: [SequencesService], exports: [SequencesService] })
export class OutreachModule {}
