// Structured logs (pino, JSON lines on stdout). Message bodies are never logged at info level.
import { pino } from 'pino';
import type { Logger } from '@deskchat/core';

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'deskchat' },
    // Stanza payloads can carry personal data: redact them if a caller ever passes one in.
    redact: { paths: ['body', '*.body', 'stanza', '*.stanza', 'password', '*.password'], censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.err },
  }) as unknown as Logger;
}
