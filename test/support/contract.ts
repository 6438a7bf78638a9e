import addFormats from 'ajv-formats';
import { get } from 'node:http';
import OpenAPIBackend, { Document } from 'openapi-backend';

export interface ObservedResponse {
  method: string;
  path: string;
  status: number;
  contentType: string;
  body: unknown;
}

/**
 * The API's contract as its running app serves it (GET /docs-json), checked against what the app
 * answers. openapi-backend matches the operation and validates JSON bodies with the operation's
 * schema for that status; problem answers (application/problem+json) are validated the same way.
 */
export class ApiContract {
  private constructor(
    private readonly backend: OpenAPIBackend,
    private readonly document: Document,
  ) {}

  static async load(baseUrl: string): Promise<ApiContract> {
    const document = JSON.parse(await fetchDocument(`${baseUrl}/docs-json`)) as Document;
    const backend = new OpenAPIBackend({
      definition: asJsonForValidation(document),
      validate: true,
      quick: true,
      strict: false,
      customizeAjv: (ajv) => {
        addFormats(ajv);
        ajv.addFormat('opaque', true);
        return ajv;
      },
    });
    await backend.init();
    return new ApiContract(backend, document);
  }

  /** Why the response breaks the contract, or undefined when it keeps it (or no operation is documented for its path). */
  violation(observed: ObservedResponse): string | undefined {
    const [path, query = ''] = observed.path.split('?');
    const operation = this.backend.matchOperation({ method: observed.method.toLowerCase(), path, headers: {}, query });
    if (!operation) return undefined;
    const where = `${observed.method} ${observed.path} -> ${observed.status}`;
    const documented = this.document.paths?.[operation.path]?.[operation.method as 'get'];
    const response = documented?.responses?.[String(observed.status)] as { content?: Record<string, unknown> } | undefined;
    if (!response)
      return `${where}: status ${observed.status} is not documented for ${operation.method.toUpperCase()} ${operation.path}\nbody: ${JSON.stringify(observed.body).slice(0, 2000)}`;
    const mediaType = observed.contentType.split(';')[0].trim().toLowerCase();
    const declared = Object.keys(response.content ?? {});
    if (declared.length === 0) {
      if (observed.status !== 204 && mediaType) return `${where}: the document declares no body, the API sent ${mediaType}`;
      return undefined;
    }
    if (!declared.includes(mediaType)) return `${where}: the API sent ${mediaType || 'no content type'}, the document declares ${declared.join(', ')}`;
    if (!mediaType.endsWith('json')) return undefined;
    const result = this.backend.validateResponse(observed.body, operation, observed.status);
    if (result.valid) return undefined;
    const errors = (result.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
    return `${where}: the body does not match the documented schema:\n  ${errors.join('\n  ')}\nbody: ${JSON.stringify(observed.body).slice(0, 2000)}`;
  }
}

/**
 * GET /docs-json from a loopback address of its own (127.0.0.2), so that reading the contract
 * spends none of the per-address budgets of the client under test (the docs have one).
 */
function fetchDocument(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = get(url, { localAddress: '127.0.0.2', agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () =>
        response.statusCode === 200 ? resolve(text) : reject(new Error(`the API serves no OpenAPI document: GET /docs-json answered ${response.statusCode}`)),
      );
    });
    request.on('error', reject);
  });
}

/**
 * The document as the checker reads it. openapi-backend validates `application/json` bodies only;
 * a problem answer is JSON too, so it is validated as such. And an answer may hold no field its
 * schema does not name (unless the schema says it may, as problems do): an undocumented field is
 * a drift too.
 */
function asJsonForValidation(document: Document): Document {
  const copy = structuredClone(document) as Document;
  closeObjects(copy.components?.schemas);
  closeObjects(copy.paths);
  for (const operations of Object.values(copy.paths ?? {})) {
    for (const operation of Object.values(operations ?? {}) as { responses?: Record<string, { content?: Record<string, unknown> }> }[]) {
      for (const response of Object.values(operation?.responses ?? {})) {
        const problem = response.content?.['application/problem+json'];
        if (problem && !response.content?.['application/json']) response.content!['application/json'] = problem;
      }
    }
  }
  return copy;
}

function closeObjects(node: unknown): void {
  if (!node || typeof node !== 'object') return;
  const schema = node as Record<string, unknown>;
  if (schema.properties && typeof schema.properties === 'object' && schema.additionalProperties === undefined && (schema.type ?? 'object') === 'object') {
    schema.additionalProperties = false;
  }
  for (const value of Object.values(schema)) closeObjects(value);
}
