// XEP-0115 for PEP's +notify filtering (XEP-0163 §4.2, XEP-0060 §10.2 filtered notifications):
// which namespaces a resource wants notifications of, from the verified caps cache. A hash the
// server has not seen is learnt by asking the client itself for the disco#info behind it (§6.3)
// and kept only when the answer hashes to the advertised verification string (§5.4).
import xml, { type Element } from '@xmpp/xml';
import { NS, type JID } from '@deskchat/protocol';
import { capsVerOf, isSupportedCapsHash, readCaps, type ModuleApi, type PepStore } from '@deskchat/core';

/** Verified verification strings remembered by this process (they never change: a hash names one feature set). */
const MEMO_SIZE = 10_000;

export class CapsInterest {
  /** Queries under way on this node, by cache key (one per hash at a time, not per resource). */
  private readonly pending = new Map<string, Promise<string[] | undefined>>();
  /** `+notify` nodes of verified keys, so that a publish to many subscribers reads the store once per hash. */
  private readonly memo = new Map<string, Set<string>>();

  constructor(
    private readonly api: ModuleApi<unknown>,
    private readonly store: PepStore,
    private readonly timeoutMs: number,
  ) {}

  /** The +notify namespaces a presence stanza's caps stand for, from the cache only (undefined: not known yet). */
  async interestOf(presence: Element): Promise<Set<string> | undefined> {
    const caps = readCaps(presence);
    if (!caps) return new Set();
    return this.cached(`${caps.hash} ${caps.ver}`);
  }

  private async cached(key: string): Promise<Set<string> | undefined> {
    const known = this.memo.get(key);
    if (known) return known;
    const features = await this.store.getCaps(key);
    if (!features) return undefined;
    const nodes = notifyNodes(features);
    if (this.memo.size >= MEMO_SIZE) this.memo.delete(this.memo.keys().next().value!);
    this.memo.set(key, nodes);
    return nodes;
  }

  /** As interestOf, asking `jid` (whose presence it is) when its hash is new. */
  async learn(presence: Element, jid: JID): Promise<Set<string>> {
    const caps = readCaps(presence);
    if (!caps || !isSupportedCapsHash(caps.hash)) return new Set();
    const key = `${caps.hash} ${caps.ver}`;
    const cached = await this.cached(key);
    if (cached) return cached;
    let query = this.pending.get(key);
    if (!query) {
      query = this.query(jid, caps.node, caps.ver, caps.hash).finally(() => this.pending.delete(key));
      this.pending.set(key, query);
    }
    const features = await query;
    if (features) await this.store.setCaps(key, features);
    return notifyNodes(features ?? []);
  }

  private async query(jid: JID, node: string, ver: string, hash: string): Promise<string[] | undefined> {
    const ask = xml('iq', { type: 'get', to: jid.toString() }, xml('query', { xmlns: NS.DISCO_INFO, node: `${node}#${ver}` }));
    const reply = await this.api.router.request(ask, this.timeoutMs);
    const info = reply?.attrs.type === 'result' ? reply.getChild('query', NS.DISCO_INFO) : undefined;
    if (!info) return undefined;
    if (capsVerOf(info, hash) !== ver) {
      this.api.log.info({ jid: jid.toString(), ver }, 'caps: the disco#info answer does not hash to the advertised ver; not cached (XEP-0115 §5.4)');
      return undefined;
    }
    return info.getChildren('feature').map((f) => f.attrs.var).filter((v): v is string => !!v);
  }
}

/** XEP-0163 §4.2: the nodes named by `<node>+notify` features. */
function notifyNodes(features: string[]): Set<string> {
  return new Set(features.filter((f) => f.endsWith('+notify')).map((f) => f.slice(0, -'+notify'.length)));
}
