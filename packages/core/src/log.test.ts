import { describe, it, expect } from '@jest/globals';
import { TaggedLogger, type Logger } from './log.js';

/** A backend that records what it is given, with a level switch as pino has. */
function recorder(minimum: 'info' | 'warn' = 'info') {
  const lines: { level: string; fields: unknown; msg?: string }[] = [];
  const levels = ['trace', 'debug', 'info', 'warn', 'error'];
  const at = (level: string) => (fields: unknown, msg?: string) => void lines.push({ level, fields, msg });
  const backend: Logger & { isLevelEnabled(level: string): boolean } = {
    child: () => backend,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    isLevelEnabled: (level) => levels.indexOf(level) >= levels.indexOf(minimum),
  };
  return { backend, lines };
}

describe('TaggedLogger', () => {
  it('adds fixed tags to each line, and a child adds its own', () => {
    const { backend, lines } = recorder();
    const log = new TaggedLogger(backend, { session: 's1' });
    log.info({ n: 1 }, 'one');
    log.child({ sid: 'b1' }).warn('plain');
    expect(lines).toEqual([
      { level: 'info', fields: { session: 's1', n: 1 }, msg: 'one' },
      { level: 'warn', fields: { session: 's1', sid: 'b1', value: 'plain' }, msg: undefined },
    ]);
  });

  it('reads tags from their owner when each line is written, through children too', () => {
    const { backend, lines } = recorder();
    const owner = { jid: undefined as string | undefined, logTags: () => ({ session: 's2', ...(owner.jid ? { jid: owner.jid } : {}) }) };
    const log = new TaggedLogger(backend, owner);
    const child = log.child({ sid: 'b2' });
    log.info({}, 'before bind');
    owner.jid = 'alice@localhost/desk';
    child.info({}, 'after bind');
    expect(lines.map((l) => l.fields)).toEqual([{ session: 's2' }, { session: 's2', jid: 'alice@localhost/desk', sid: 'b2' }]);
  });

  it('writes nothing below the backend level, and builds no fields for it', () => {
    const { backend, lines } = recorder('warn');
    let reads = 0;
    const log = new TaggedLogger(backend, { logTags: () => ({ session: `s${++reads}` }) });
    log.info({}, 'dropped');
    log.child({ sid: 'b3' }).debug({}, 'dropped too');
    log.error({}, 'kept');
    expect(lines).toEqual([{ level: 'error', fields: { session: 's1' }, msg: 'kept' }]);
    expect(reads).toBe(1);
  });
});
