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
        customProps: () => ({}),
        autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
        quietReqLogger: true,
      },
    }),
  });
