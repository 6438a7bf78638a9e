import { Module } from '@nestjs/common';
import { SalaryBandsService } from './bands.service';
import { FxRatesService } from './fx.service';

@Module({ providers: [SalaryBandsService, FxRatesService], exports: [SalaryBandsService, FxRatesService] })
export class CompensationModule {}
