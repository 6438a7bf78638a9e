import { CandidatesModule } from '@app/candidates';
import { Module } from '@nestjs/common';
import { SalaryBandsService } from './bands.service';
import { CompensationRules } from './compensation-rules';
import { FxRatesService } from './fx.service';
import { OffersService } from './offers.service';

@Module({
  imports: [CandidatesModule],
  providers: [SalaryBandsService, FxRatesService, OffersService, CompensationRules],
  exports: [SalaryBandsService, FxRatesService, OffersService],
})
export class CompensationModule {}
