import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/** The API's OpenAPI document, generated from the controllers and DTOs of the running app. */
export function describeApi(app: NestFastifyApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Overseas hiring API')
      .setDescription(
        'Recruiting pipeline for hiring AI engineers abroad. Every route except /health, /docs and the unsubscribe link needs ' +
          '`Authorization: Bearer <token>`. Errors are `application/problem+json`. Creating POSTs honour `Idempotency-Key`. ' +
          'Lists take `limit` (1-200, default 50) and `cursor`, and answer `{ data, nextCursor }`.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque', description: 'Personal API token (hk_...)' })
      .build(),
  );
  documentCommonHeaders(document);
  return document;
}

/** What every creating POST and every body-carrying route share, stated once in the document. */
function documentCommonHeaders(document: OpenAPIObject): void {
  const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemSchema' } } };
  for (const operations of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(operations) as [string, { parameters?: unknown[]; requestBody?: unknown; responses: Record<string, unknown> }][]) {
      if (method === 'post') {
        operation.parameters = [
          ...(operation.parameters ?? []),
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            schema: { type: 'string', maxLength: 255 },
            description: 'Replays the first answer for the same key and body for 24 h; another body under the same key is 422',
          },
        ];
      }
      if (operation.requestBody) {
        operation.responses['413'] ??= { description: 'Body over 1 MiB (16 MiB for CSV imports)', content: problem };
        operation.responses['415'] ??= { description: 'Body is not in the accepted media type', content: problem };
      }
    }
  }
}
