import { HealthService, MetricsService } from '@app/platform';
import { Controller, Get, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiProperty, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from './auth';
import { NoRateLimit } from './rate-limit';

export class CheckResultView {
  @ApiProperty({ enum: ['up', 'down'] }) status: 'up' | 'down';
  @ApiPropertyOptional({ example: 1.2, description: 'Round trip of the probe, when up' }) latencyMs?: number;
  @ApiPropertyOptional({ description: 'Why the probe failed, when down' }) error?: string;
}

export class HealthChecksView {
  @ApiProperty({ type: CheckResultView }) database: CheckResultView;
  @ApiProperty({ type: CheckResultView }) redis: CheckResultView;
}

export class HealthReportView {
  @ApiProperty({ enum: ['ok', 'unavailable'] }) status: 'ok' | 'unavailable';
  @ApiProperty({ type: HealthChecksView }) checks: HealthChecksView;
}

/** Probes and scrapers call these often; they are never rate limited. */
@NoRateLimit()
@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Public()
  @Get('health')
  @ApiOperation({ summary: 'Liveness and readiness: database and Redis are checked; 503 when one is down' })
  @ApiResponse({ status: 200, description: 'All dependencies answer', type: HealthReportView })
  @ApiResponse({ status: 503, description: 'A dependency is down', type: HealthReportView })
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
  @ApiResponse({ status: 200, description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } })
  async scrape(@Res() reply: FastifyReply) {
    const { contentType, body } = await this.metrics.render();
    void reply.header('content-type', contentType).send(body);
  }
}
