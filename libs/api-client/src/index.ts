import createClient from 'openapi-fetch';
import type { Client, ClientOptions } from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, operations, paths } from './schema';

/** Every schema of the API by name, e.g. `Schemas['CandidateView']`. */
export type Schemas = components['schemas'];
/** An error answer (RFC 9457 application/problem+json): `code` is the stable machine-readable part. */
export type Problem = Schemas['ProblemSchema'];
/** One invalid field of a 400 `validation_failed` problem. */
export type FieldProblem = Schemas['FieldProblemSchema'];
export type Candidate = Schemas['CandidateView'];
export type TaskForce = Schemas['TaskForceView'];
export type Application = Schemas['ApplicationView'];
export type Stage = Schemas['TransitionDto']['to'];
/** The typed client: `client.GET('/v1/candidates/{id}', { params: { path: { id } } })`. */
export type HiringClient = Client<paths>;

export interface HiringClientOptions {
  /** Where the API answers, e.g. `https://hiring.example.com` (no trailing `/v1`). */
  baseUrl: string;
  /** An API token (`Authorization: Bearer …`), issued by POST /v1/users or POST /v1/users/{id}/tokens. */
  token: string;
  /** A fetch of your own (tests, proxies, retries); the global fetch otherwise. */
  fetch?: ClientOptions['fetch'];
  /** Headers sent with every request, besides the token. */
  headers?: Record<string, string>;
}

/**
 * A client for the hiring API typed from its OpenAPI document: paths, parameters, bodies and answers
 * are checked by TypeScript. Each call resolves to `{ data, error, response }`: `data` on 2xx, and on
 * 4xx/5xx `error`, the problem+json body (see {@link Problem}); it does not throw on HTTP errors.
 */
export function createHiringClient(options: HiringClientOptions): HiringClient {
  const { baseUrl, token, fetch, headers } = options;
  return createClient<paths>({
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: { ...headers, authorization: `Bearer ${token}` },
    ...(fetch ? { fetch } : {}),
  });
}
