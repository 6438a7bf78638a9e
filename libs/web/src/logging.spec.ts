import { MailDeliveryError } from '@app/platform';
import pino from 'pino';
import { Writable } from 'node:stream';
import { QueryFailedError } from 'typeorm';
import { pinoOptions, safeError, scrubText, scrubUrl } from './logging';

const PERSON = ['Zephyrine Quillfeather', 'zephyrine.q@quillfeather.example', '+1 415 555 0199', 'Tiburon'];

function capture(): { logger: pino.Logger; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { logger: pino(pinoOptions('info'), stream), lines: () => chunks.join('').split('\n').filter(Boolean) };
}

/** What the pg driver raises for a failed insert, with the row in its detail. */
function failedInsert(): QueryFailedError {
  const driverError = Object.assign(new Error('new row for relation "candidates" violates check constraint "candidates_phone_check"'), {
    code: '23514',
    severity: 'ERROR',
    table: 'candidates',
    constraint: 'candidates_phone_check',
    detail: `Failing row contains (0193, ${PERSON[0]}, null, {${PERSON[1]}}, ${PERSON[2]}, ${PERSON[3]}).`,
    where: `SQL function "check" with ${PERSON[1]}`,
  });
  return new QueryFailedError(
    'INSERT INTO candidates (id, full_name, emails, phone, location) VALUES ($1, $2, $3, $4, $5)',
    ['0193', PERSON[0], [PERSON[1]], PERSON[2], PERSON[3]],
    driverError,
  );
}

describe('log redaction', () => {
  it('logs what failed, never the data it failed on: no SQL parameters, detail or where of a database error', () => {
    const { logger, lines } = capture();
    logger.error({ err: failedInsert(), reqId: 'r1', url: '/v1/candidates', method: 'POST' }, 'unhandled error');
    const [line] = lines();
    for (const value of PERSON) expect(line).not.toContain(value);
    const record = JSON.parse(line);
    expect(record.err).toMatchObject({ type: 'QueryFailedError', code: '23514', table: 'candidates', constraint: 'candidates_phone_check', parameterCount: 5 });
    expect(record.err.query).toMatch(/^INSERT INTO candidates/);
    expect(record.err.message).toContain('candidates_phone_check');
  });

  it('scrubs quoted values, key values and addresses from messages, stacks and plain message strings', () => {
    const { logger, lines } = capture();
    const syntax = new QueryFailedError(
      'SELECT $1::uuid',
      ['x'],
      Object.assign(new Error(`invalid input syntax for type uuid: "${PERSON[0]}"`), { code: '22P02' }),
    );
    const duplicate = new QueryFailedError(
      'INSERT',
      [],
      Object.assign(new Error('duplicate key value violates unique constraint "candidate_identities_pkey"'), { code: '23505' }),
    );
    logger.error({ err: syntax }, 'failed');
    logger.warn(`queue outreach: ${syntax.message}`);
    logger.warn(`could not send to ${PERSON[1]}`);
    logger.error({ err: duplicate }, 'failed');
    logger.error({ err: new Error(`Key (kind, value)=(email, ${PERSON[1]}) already exists`) }, 'failed');
    const output = lines().join('\n');
    for (const value of PERSON) expect(output).not.toContain(value);
    expect(output).toContain('candidate_identities_pkey');
    expect(output).toContain('invalid input syntax for type uuid');
  });

  it('drops the SMTP response of a mail error, which names the recipient', () => {
    const { logger, lines } = capture();
    const err = new MailDeliveryError(
      `550 5.1.1 <${PERSON[1]}>: Recipient address rejected`,
      false,
      true,
      `550 5.1.1 <${PERSON[1]}>: Recipient address rejected`,
    );
    logger.error({ outreachMessageId: 'm1', err }, 'the SMTP outcome of a step is unknown');
    const [line] = lines();
    expect(line).not.toContain(PERSON[1]);
    expect(JSON.parse(line).err).toMatchObject({ type: 'MailDeliveryError', recipientRejected: true });
  });

  it('keeps plain query values and drops the others', () => {
    expect(scrubUrl(`/v1/candidates?q=${encodeURIComponent(PERSON[0])}&limit=5&employer=Quillfeather&cursor=abc`)).toBe(
      '/v1/candidates?q=[redacted]&limit=5&employer=[redacted]&cursor=[redacted]',
    );
    // Keys outside the list, values that are not what their key holds, and paths that are not route words or ids.
    expect(scrubUrl('/v1/candidates?Zephyrine%20Quillfeather&limit=Quillfeather&status=a%40b.example&limit=1;q=Zephyrine')).toBe(
      '/v1/candidates?[redacted]&limit=[redacted]&status=[redacted]&limit=[redacted]',
    );
    expect(scrubUrl('/v1/people/Zephyrine%20Quillfeather/01a2314f-dad8-733d-8e5b-115d65a62c96/versions/2')).toBe(
      '/v1/[redacted]/[redacted]/01a2314f-dad8-733d-8e5b-115d65a62c96/versions/2',
    );
    expect(scrubUrl('/v1/candidates/zephyrine%40zqhome.example?taskForceId=zephyrine%40zqhome.example')).toBe(
      '/v1/candidates/[redacted]?taskForceId=[redacted]',
    );
    expect(scrubUrl('/v1/fx-rates/CNY/USD?asOf=2026-11-01')).toBe('/v1/fx-rates/CNY/USD?asOf=2026-11-01');
    expect(scrubUrl('/v1/unsubscribe?token=secret.sig')).toBe('/v1/unsubscribe?token=[redacted]');
    expect(scrubUrl('/v1/candidates')).toBe('/v1/candidates');
  });

  it('leaves names of database objects readable', () => {
    expect(scrubText('column "phone" of relation "candidates" does not exist')).toBe('column "phone" of relation "candidates" does not exist');
    expect(scrubText('invalid input value for enum visa_status: "secret"')).toBe('invalid input value for enum visa_status: "[redacted]"');
  });

  it('serializes the original of a copy pino-http made of an error', () => {
    const copy = Object.assign({ type: 'QueryFailedError', parameters: [PERSON[2]] }, {});
    Object.defineProperty(copy, 'raw', { value: failedInsert(), enumerable: false });
    expect(JSON.stringify(safeError(copy))).not.toContain(PERSON[2]);
    expect(safeError(copy)).toMatchObject({ type: 'QueryFailedError', code: '23514' });
  });

  it('does not log objects thrown as errors', () => {
    expect(safeError({ phone: PERSON[2] })).toEqual({ type: 'non-error', message: '[object]' });
  });

  it('never logs bodies', () => {
    const { logger, lines } = capture();
    logger.info({ body: { phone: PERSON[2] }, req: { id: 'r', method: 'POST', url: '/v1/candidates', body: { phone: PERSON[2] } } }, 'request');
    expect(lines().join('\n')).not.toContain(PERSON[2]);
  });
});

describe('scrubText', () => {
  it('keeps the scoped package paths of a stack', () => {
    expect(scrubText('at x (/app/node_modules/@nestjs/core/router.js:1:2)')).toBe('at x (/app/node_modules/@nestjs/core/router.js:1:2)');
    expect(scrubText('to wei.zhang+ai@googlemail.com failed')).toBe('to [email] failed');
    expect(scrubText("550 <o'brien{x}/y`z@lab.example> refused")).toBe('550 <[email]> refused');
  });
});
