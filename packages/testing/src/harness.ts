// The in-process harness (conventions §11, level 2): a real Core with its modules and memory
// stores, and clients that negotiate real streams over FakeTransport. Stanzas in, stanzas out.
import xml, { type Element } from '@xmpp/xml';
import { NS, StanzaError, type JID } from '@deskchat/protocol';
import { Core, coreModules, deriveCredentials, memoryStores, DEFAULT_CORE_OPTIONS, type CoreOptions, type Module, type Session } from '@deskchat/core';
import { FakeTransport } from './fake-transport.js';

export interface HarnessClient {
  readonly session: Session;
  readonly transport: FakeTransport;
  readonly jid: JID;
  /** Feeds an element as if the client had sent it, and waits until core has handled it. */
  send(el: Element): Promise<void>;
  /** The next element written to this client that matches. */
  next(match?: (el: Element) => boolean, timeoutMs?: number): Promise<Element>;
  /** Sends an IQ and resolves with the reply of the same id. */
  iq(el: Element): Promise<Element>;
}

let counter = 0;

export class Harness {
  readonly core: Core;

  private constructor(core: Core) {
    this.core = core;
  }

  static async create(options: { core?: Partial<CoreOptions>; modules?: Module<any>[] } = {}): Promise<Harness> {
    const core = new Core({ options: { ...DEFAULT_CORE_OPTIONS, ...options.core }, stores: memoryStores() });
    for (const module of [...coreModules, ...(options.modules ?? [])]) await core.load(module);
    return new Harness(core);
  }

  async addUser(username: string, password = 'secret'): Promise<void> {
    await this.core.stores.accounts.createAccount({ username, createdAt: Date.now(), credentials: deriveCredentials(password, 4096) });
  }

  /** Opens a stream, authenticates with PLAIN (over a loopback fake) and binds `resource`. */
  async connect(username: string, options: { password?: string; resource?: string; transport?: FakeTransport } = {}): Promise<HarnessClient> {
    const transport = options.transport ?? new FakeTransport();
    const session = this.core.createSession(transport);
    await session.onStreamOpen({ to: this.core.domain, version: '1.0', xmlns: NS.CLIENT, 'xmlns:stream': NS.STREAM });
    const auth = Buffer.from(`\0${username}\0${options.password ?? 'secret'}`).toString('base64');
    await session.onElement(xml('auth', { xmlns: NS.SASL, mechanism: 'PLAIN' }, auth));
    const outcome = await transport.next((el) => el.attrs.xmlns === NS.SASL);
    if (outcome.name !== 'success') throw new Error(`authentication failed: ${outcome.toString()}`);
    await session.onStreamOpen({ to: this.core.domain, version: '1.0', xmlns: NS.CLIENT });
    const resource = options.resource ?? `r${++counter}`;
    await session.onElement(xml('iq', { type: 'set', id: 'bind' }, xml('bind', { xmlns: NS.BIND }, xml('resource', {}, resource))));
    const bound = await transport.next((el) => el.name === 'iq' && el.attrs.id === 'bind');
    if (bound.attrs.type !== 'result') throw new Error(`bind failed: ${StanzaError.fromStanza(bound)?.condition}`);
    transport.drain();
    return makeClient(session, transport);
  }
}

function makeClient(session: Session, transport: FakeTransport): HarnessClient {
  let ids = 0;
  const client: HarnessClient = {
    session,
    transport,
    jid: session.jid!,
    send: (el) => session.onElement(el),
    next: (match, timeoutMs) => transport.next(match, timeoutMs),
    async iq(el) {
      const id = el.attrs.id ?? (el.attrs.id = `iq${++ids}`);
      const reply = transport.next((r) => r.name === 'iq' && r.attrs.id === id && (r.attrs.type === 'result' || r.attrs.type === 'error'));
      await session.onElement(el);
      return reply;
    },
  };
  return client;
}
