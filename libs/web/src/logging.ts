import { AppConfig } from '@app/platform';
import { LoggerModule } from 'nestjs-pino';

/** Structured JSON logs; each request's lines carry its request id. Secrets are redacted. */
export const loggingModule = () =>
  LoggerModule.forRootAsync({
    inject: [AppConfig],
    useFactory: (config: AppConfig) => ({
      pinoHttp: {
        level: config.LOG_LEVEL,
        redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-signature"]'], censor: '[redacted]' },
        serializers: {
          req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
          res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        },
        autoLogging: { ignore: (req) => /^\/(health|metrics)(\?|$)/.test(req.url ?? '') },
        quietReqLogger: true,
      },
    }),
  });
