import { TaskForcesModule } from '@app/task-forces';
import { Module } from '@nestjs/common';
import { ApplicationsService } from './applications.service';
import { CandidateAccess } from './candidate-access';
import { CandidateImportService } from './candidate-import.service';
import { CandidatesService } from './candidates.service';
import { StageGates } from './stage-gates';

@Module({
  imports: [TaskForcesModule],
  providers: [CandidatesService, CandidateAccess, CandidateImportService, ApplicationsService, StageGates],
  exports: [CandidatesService, CandidateAccess, CandidateImportService, ApplicationsService, StageGates],
})
export class CandidatesModule {}
