import {
  ConversionQuery,
  CreateSalaryBandDto,
  FxRateListQuery,
  FxRatesService,
  FxRateView,
  PutFxRateDto,
  SalaryBandListQuery,
  SalaryBandsService,
  SalaryBandView,
  UpdateSalaryBandDto,
} from '@app/compensation';
import { decodeCursor } from '@app/platform';
import { Actor } from '@app/users';
import { CurrentActor, UuidPipe } from '@app/web';
import { Body, Controller, Get, Param, ParseIntPipe, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPage, ApiProblems } from './openapi';

@ApiTags('salary bands')
@ApiBearerAuth()
@Controller('v1/salary-bands')
export class SalaryBandsController {
  constructor(private readonly bands: SalaryBandsService) {}

  @Post()
  @ApiOperation({ summary: 'Create a band (admin). Overlapping a band in force for the same family, level, zone and currency is 409.' })
  @ApiCreatedResponse({ type: SalaryBandView })
  @ApiProblems(400, 401, 403, 409, 422)
  create(@CurrentActor() actor: Actor, @Body() dto: CreateSalaryBandDto) {
    return this.bands.create(actor, dto);
  }

  @Get()
  @ApiOperation({ summary: 'Bands (?jobFamily=&level=&zone=&currency=&inForceOn=)' })
  @ApiPage(SalaryBandView)
  @ApiProblems(400, 401)
  list(@Query() query: SalaryBandListQuery) {
    return this.bands.list(query, decodeCursor(query.cursor));
  }

  @Get(':id')
  @ApiOperation({ summary: 'A band; ?currency= and/or ?period= add its amounts converted, with the rate and its date' })
  @ApiOkResponse({ type: SalaryBandView })
  @ApiProblems(400, 401, 404, 422)
  get(@Param('id', UuidPipe) id: string, @Query() conversion: ConversionQuery) {
    return this.bands.get(id, conversion);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a band (admin): a new version; earlier versions stay readable' })
  @ApiOkResponse({ type: SalaryBandView })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  update(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Body() dto: UpdateSalaryBandDto) {
    return this.bands.update(actor, id, dto);
  }

  @Get(':id/versions')
  @ApiOperation({ summary: 'Every version of a band, oldest first' })
  @ApiOkResponse({ type: [SalaryBandView] })
  @ApiProblems(400, 401, 404)
  versions(@Param('id', UuidPipe) id: string) {
    return this.bands.versions(id);
  }

  @Get(':id/versions/:version')
  @ApiOperation({ summary: 'One version of a band' })
  @ApiOkResponse({ type: SalaryBandView })
  @ApiProblems(400, 401, 404)
  version(@Param('id', UuidPipe) id: string, @Param('version', ParseIntPipe) version: number) {
    return this.bands.version(id, version);
  }
}

@ApiTags('salary bands')
@ApiBearerAuth()
@Controller('v1/fx-rates')
export class FxRatesController {
  constructor(private readonly fx: FxRatesService) {}

  @Put(':base/:quote')
  @ApiOperation({ summary: 'Set the rate of a pair for a day (admin): units of quote per unit of base. Setting a day again replaces it.' })
  @ApiOkResponse({ type: FxRateView })
  @ApiProblems(400, 401, 403)
  put(@CurrentActor() actor: Actor, @Param('base') base: string, @Param('quote') quote: string, @Body() dto: PutFxRateDto) {
    return this.fx.put(actor, base, quote, dto);
  }

  @Get()
  @ApiOperation({ summary: 'Stored rates (?base=&quote=)' })
  @ApiPage(FxRateView)
  @ApiProblems(400, 401)
  list(@Query() query: FxRateListQuery) {
    return this.fx.list(query, decodeCursor(query.cursor));
  }
}
