import {
  ConversionQuery,
  CreateSalaryBandDto,
  FxRateListQuery,
  FxRatesService,
  FxRateSetView,
  FxRateView,
  OffersService,
  PutFxRateDto,
  SalaryBandListQuery,
  SalaryBandsService,
  SalaryBandView,
  UpdateSalaryBandDto,
  CompetingOfferView,
  CreateCompetingOfferDto,
  CreateOfferDto,
  OFFER_ACTIONS,
  OfferAction,
  OfferActionDto,
  OfferEventView,
  OfferTermsView,
  OfferView,
  UpdateOfferDto,
} from '@app/compensation';
import { decodeCursor, InvalidInputError, PageQuery } from '@app/platform';
import { Actor } from '@app/users';
import { CurrentActor, IdempotentPost, OptionalBody, UuidPipe } from '@app/web';
import { Body, Controller, Get, HttpCode, Param, Patch, PipeTransform, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiPage, ApiProblems } from '../openapi/decorators';
import { VersionPipe } from './pipes';

class OfferActionPipe implements PipeTransform<string, OfferAction> {
  transform(value: string): OfferAction {
    if (!(OFFER_ACTIONS as readonly string[]).includes(value)) {
      throw new InvalidInputError('unknown_offer_action', `action must be one of ${OFFER_ACTIONS.join(', ')}`, [
        { field: 'action', message: 'unknown action' },
      ]);
    }
    return value as OfferAction;
  }
}

@ApiTags('salary bands')
@ApiBearerAuth()
@Controller('v1/salary-bands')
export class SalaryBandsController {
  constructor(private readonly bands: SalaryBandsService) {}

  @IdempotentPost()
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
  @ApiPage(SalaryBandView)
  @ApiProblems(400, 401, 404)
  versions(@Param('id', UuidPipe) id: string, @Query() query: PageQuery) {
    return this.bands.versions(id, query.limit, query.cursor);
  }

  @Get(':id/versions/:version')
  @ApiOperation({ summary: 'One version of a band' })
  @ApiOkResponse({ type: SalaryBandView })
  @ApiProblems(400, 401, 404)
  version(@Param('id', UuidPipe) id: string, @Param('version', VersionPipe) version: number) {
    return this.bands.version(id, version);
  }
}

@ApiTags('salary bands')
@ApiBearerAuth()
@Controller('v1/fx-rates')
export class FxRatesController {
  constructor(
    private readonly fx: FxRatesService,
    private readonly offers: OffersService,
  ) {}

  @Put(':base/:quote')
  @ApiOperation({
    summary:
      'Set the rate of a pair for a day (admin): units of quote per unit of base. Setting a day again replaces it. Approved offers pinned on the pair are re-checked at the new rate by the worker, one job each (offersToRecheck counts them): one it puts out of band goes back to pending_approval.',
  })
  @ApiOkResponse({ type: FxRateSetView })
  @ApiProblems(400, 401, 403)
  put(@CurrentActor() actor: Actor, @Param('base') base: string, @Param('quote') quote: string, @Body() dto: PutFxRateDto) {
    return this.offers.setRate(actor, base, quote, dto);
  }

  @Get()
  @ApiOperation({ summary: 'Stored rates (?base=&quote=)' })
  @ApiPage(FxRateView)
  @ApiProblems(400, 401)
  list(@Query() query: FxRateListQuery) {
    return this.fx.list(query, decodeCursor(query.cursor));
  }
}

@ApiTags('offers')
@ApiBearerAuth()
@Controller('v1')
export class OffersController {
  constructor(private readonly offers: OffersService) {}

  @IdempotentPost('offers')
  @ApiOperation({ summary: 'Draft an offer: shows the base in band terms, the compa-ratio, inBand and whether approval is needed' })
  @ApiCreatedResponse({ type: OfferView })
  @ApiProblems(400, 401, 404, 409, 422)
  create(@CurrentActor() actor: Actor, @Body() dto: CreateOfferDto) {
    return this.offers.create(actor, dto);
  }

  @Get('offers/:id')
  @ApiOperation({ summary: 'An offer with its evaluation against its band version and the gap to the strongest competing offer' })
  @ApiOkResponse({ type: OfferView })
  @ApiProblems(400, 401, 404, 422)
  get(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    return this.offers.get(actor, id);
  }

  @Patch('offers/:id')
  @ApiOperation({ summary: 'Change an open offer; after approval a change is a new version and goes back through approval if out of band' })
  @ApiOkResponse({ type: OfferView })
  @ApiProblems(400, 401, 404, 422)
  update(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Body() dto: UpdateOfferDto) {
    return this.offers.update(actor, id, dto);
  }

  @IdempotentPost('offers/:id/:action')
  @HttpCode(200)
  @OptionalBody(OfferActionDto, 'Optional: no body, or {} when there is no comment')
  @ApiOperation({ summary: 'submit | approve | reject | send | accept | decline | withdraw. Approve and reject are for admins and need a comment.' })
  @ApiParam({ name: 'action', enum: OFFER_ACTIONS })
  @ApiOkResponse({ type: OfferView })
  @ApiProblems(400, 401, 403, 404, 409, 422)
  act(
    @CurrentActor() actor: Actor,
    @Param('id', UuidPipe) id: string,
    @Param('action', new OfferActionPipe()) action: OfferAction,
    @Body() dto: OfferActionDto,
  ) {
    return this.offers.act(actor, id, action, dto);
  }

  @Get('offers/:id/history')
  @ApiOperation({ summary: 'Every state change of the offer: from, to, who, when, comment' })
  @ApiPage(OfferEventView)
  @ApiProblems(400, 401, 404)
  history(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Query() query: PageQuery) {
    return this.offers.history(actor, id, query.limit, decodeCursor(query.cursor));
  }

  @Get('offers/:id/versions/:version')
  @ApiOperation({ summary: 'The terms of one version of the offer' })
  @ApiOkResponse({ type: OfferTermsView })
  @ApiProblems(400, 401, 404)
  version(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Param('version', VersionPipe) version: number) {
    return this.offers.version(actor, id, version);
  }

  @IdempotentPost('applications/:id/competing-offers')
  @ApiOperation({ summary: 'Record what another employer offered the candidate (at most 20 per application; more is 422)' })
  @ApiCreatedResponse({ type: CompetingOfferView })
  @ApiProblems(400, 401, 404, 422)
  addCompeting(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string, @Body() dto: CreateCompetingOfferDto) {
    return this.offers.addCompetingOffer(actor, id, dto);
  }

  @Get('applications/:id/competing-offers')
  @ApiOperation({ summary: 'Competing offers recorded for the application (at most 20)' })
  @ApiOkResponse({ type: [CompetingOfferView] })
  @ApiProblems(400, 401, 404)
  competing(@CurrentActor() actor: Actor, @Param('id', UuidPipe) id: string) {
    return this.offers.competingOffers(actor, id);
  }
}
