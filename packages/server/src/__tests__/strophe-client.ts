// Strophe.js (a third-party BOSH client) in Node, as its docs describe: its Node entry installs
// DOMParser, XMLSerializer, document and WebSocket; BOSH also needs XMLHttpRequest, which xhr2
// provides without responseXML (Strophe reads it: parsed here from responseText). Every stanza a
// connection receives is kept as an @xmpp/xml element, so tests assert on elements.
import type { Element } from '@xmpp/xml';
import { parseDocument } from '@deskchat/core';

const xhr2 = 'xhr2';
const XHR2 = (await import(xhr2)).default as { new (): { responseText: string } };
const strophe = await import('strophe.js');
export const { Strophe, $msg, $iq, $pres } = strophe;
const { DOMParser } = globalThis as unknown as { DOMParser: new () => { parseFromString(text: string, type: string): unknown } };
class XMLHttpRequestWithXml extends XHR2 {
  get responseXML(): unknown {
    return this.responseText ? new DOMParser().parseFromString(this.responseText, 'text/xml') : null;
  }
}
Object.assign(globalThis, { XMLHttpRequest: XMLHttpRequestWithXml });
Strophe.setLogLevel(Strophe.LogLevel.FATAL);

export type StropheConnection = InstanceType<typeof Strophe.Connection>;

export class StropheClient {
  /** Every stanza received (message, presence, iq), in order. */
  readonly stanzas: Element[] = [];
  /** Strophe statuses seen, with their condition (e.g. [Strophe.Status.CONNFAIL, 'see-other-uri']). */
  readonly statuses: [number, string | undefined][] = [];

  private constructor(readonly conn: StropheConnection) {
    conn.addHandler(
      (el: unknown) => {
        this.stanzas.push(parseDocument(Strophe.serialize(el as never)));
        return true;
      },
      null,
      null,
    );
  }

  /** Signs in over BOSH at `url` (SCRAM: Strophe's strongest); rejects with the status and condition when it fails. */
  static connect(url: string, jid: string, password: string): Promise<StropheClient> {
    const conn = new Strophe.Connection(url);
    const client = new StropheClient(conn);
    open.add(client);
    return new Promise((resolve, reject) => {
      conn.connect(jid, password, (status: number, condition?: string) => {
        client.statuses.push([status, condition]);
        if (status === Strophe.Status.CONNECTED) return resolve(client);
        if ([Strophe.Status.AUTHFAIL, Strophe.Status.CONNFAIL, Strophe.Status.ERROR, Strophe.Status.DISCONNECTED].includes(status)) {
          reject(new Error(`Strophe status ${status} ${condition ?? ''}`));
        }
      });
    });
  }

  get jid(): string {
    return this.conn.jid;
  }

  send(stanza: unknown): void {
    this.conn.send(stanza as never);
  }

  /** An IQ and its answer (the result element, or a rejection with the error element). */
  iq(stanza: unknown): Promise<Element> {
    return new Promise((resolve, reject) =>
      this.conn.sendIQ(
        stanza as never,
        (el: unknown) => resolve(parseDocument(Strophe.serialize(el as never))),
        (el: unknown) => reject(new Error(`iq error: ${el ? Strophe.serialize(el as never) : 'timeout'}`)),
        10_000,
      ),
    );
  }

  /** Stops Strophe's timers at once (its own disconnect path does the same). */
  stop(): void {
    open.delete(this);
    (this.conn as unknown as { _doDisconnect(): void })._doDisconnect();
  }
}

const open = new Set<StropheClient>();

/** Stops every connection still open (afterAll, even when a test failed half-way). */
export function stopAllStrophe(): void {
  for (const client of [...open]) client.stop();
}
