import { CandidatesModule } from '@app/candidates';
import { TaskForcesModule } from '@app/task-forces';
import { Module } from '@nestjs/common';
import { InsightProjection } from './insight-projection.service';
import { InsightService } from './insight.service';

/** Pipeline, outreach, offer and market reports (API) and the facts behind them (worker). Owns the insight_* tables. */
@Module({
  imports: [TaskForcesModule, CandidatesModule],
  providers: [InsightService, InsightProjection],
  exports: [InsightService, InsightProjection],
})
export class InsightModule {}
