import { TaskForcesModule } from '@app/task-forces';
import { Module } from '@nestjs/common';
import { ApplicationsService } from './applications.service';
import { CandidateAccess } from './candidate-access';
import { CandidateImportService } from './candidate-import.service';
import { CandidatesService } from './candidates.service';

@Module({
  imports: [TaskForcesModule],
  providers: [CandidatesService, CandidateAccess, CandidateImportService, ApplicationsService],
  exports: [CandidatesService, CandidateAccess, CandidateImportService, ApplicationsService],
})
export class CandidatesModule {}
