import { HealthService, MetricsService } from '@app/platform';
import { Controller, Get, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from './auth';
import { NoRateLimit } from './rate-limit';

/** Probes and scrapers call these often; they are never rate limited. */
@NoRateLimit()
@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Public()
  @Get('health')
  @ApiOperation({ summary: 'Liveness and readiness: database and Redis are checked; 503 when one is down' })
  @ApiResponse({ status: 200, description: 'All dependencies answer' })
  @ApiResponse({ status: 503, description: 'A dependency is down' })
  async check(@Res({ passthrough: true }) reply: FastifyReply) {
    const report = await this.health.check();
    if (report.status !== 'ok') void reply.status(503);
    return report;
  }
}

@NoRateLimit()
@ApiTags('operations')
@ApiBearerAuth()
@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get('metrics')
  @ApiOperation({ summary: 'Prometheus metrics: HTTP latency histogram, queue depths, process metrics' })
  @ApiProduces('text/plain')
  async scrape(@Res() reply: FastifyReply) {
    const { contentType, body } = await this.metrics.render();
    void reply.header('content-type', contentType).send(body);
  }
}
