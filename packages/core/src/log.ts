// The logging port: a pino-compatible subset, so core never depends on a logging backend.
// Message bodies are never logged at info level (contact-centre chats carry personal data).
export interface Logger {
  child(bindings: Record<string, unknown>): Logger;
  trace(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

const noop = () => {};

/** A logger that drops everything (the default for tests and embedded use). */
export const silentLogger: Logger = {
  child: () => silentLogger,
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
};

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** Tags read from their owner each time a line is written: a session keeps no copy of them. */
export interface LogTagSource {
  logTags(): Record<string, unknown>;
}

/**
 * A logger that adds `bindings` to each line it writes, instead of a backend child logger per
 * session: a pino child costs about a kilobyte, and an idle node holds thousands of sessions
 * (issue #7 §8); a session logs a handful of lines in its life. Lines read the same as a child's.
 */

export class TaggedLogger implements Logger {
  constructor(
    private readonly parent: Logger,
    /** Fixed tags, or their owner (a session, whose JID is known only once bound). */
    private readonly bindings: Record<string, unknown> | LogTagSource,
  ) {}

  child(bindings: Record<string, unknown>): Logger {
    // Tags read from an owner stay read at each line; fixed ones are merged into one logger.
    if (isSource(this.bindings)) return new TaggedLogger(this, bindings);
    return new TaggedLogger(this.parent, { ...this.bindings, ...bindings });
  }

  isLevelEnabled(level: string): boolean {
    return (this.parent as Logger & { isLevelEnabled?(level: string): boolean }).isLevelEnabled?.(level) ?? true;
  }

  trace(obj: unknown, msg?: string): void {
    this.write('trace', obj, msg);
  }
  debug(obj: unknown, msg?: string): void {
    this.write('debug', obj, msg);
  }
  info(obj: unknown, msg?: string): void {
    this.write('info', obj, msg);
  }
  warn(obj: unknown, msg?: string): void {
    this.write('warn', obj, msg);
  }
  error(obj: unknown, msg?: string): void {
    this.write('error', obj, msg);
  }

  private write(level: Level, obj: unknown, msg: string | undefined): void {
    if (!this.isLevelEnabled(level)) return;
    const tags = isSource(this.bindings) ? this.bindings.logTags() : this.bindings;
    const fields = typeof obj === 'object' && obj !== null ? { ...tags, ...obj } : { ...tags, value: obj };
    this.parent[level](fields, msg);
  }
}

function isSource(bindings: Record<string, unknown> | LogTagSource): bindings is LogTagSource {
  return typeof (bindings as Partial<LogTagSource>).logTags === 'function';
}
