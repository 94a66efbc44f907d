// The test's side of slixmpp-driver.py: spawns slixmpp (Debian's python3-slixmpp) signed in as a
// user, sends it commands and collects what it printed (every stanza it received, as elements).
// Fails, never skips, when python3-slixmpp is missing (scripts/install-test-deps.sh installs it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Element } from '@xmpp/xml';
import { parseDocument } from '@deskchat/core';
import { repoRoot } from './e2e-helpers.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(repoRoot, 'packages/server/src/__tests__/slixmpp-driver.py');

export type Observed = { event: string } & Record<string, any>;

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export class SlixmppClient {
  readonly events: Observed[] = [];
  stderr = '';
  jid = '';
  private nextId = 1;
  private buffered = '';

  private constructor(private readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      this.buffered += d;
      const lines = this.buffered.split('\n');
      this.buffered = lines.pop()!;
      for (const line of lines.filter((l) => l.trim())) {
        try {
          this.events.push(JSON.parse(line) as Observed);
        } catch {
          this.events.push({ event: 'unparsed', line });
        }
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
  }

  /** Starts slixmpp signed in as `jid` (user@domain/resource) on 127.0.0.1:port. */
  static async start(port: number, jid: string, password: string, timeoutSeconds = 90, extraArgs: string[] = []): Promise<SlixmppClient> {
    const probe = spawnSync(PYTHON, ['-c', 'import slixmpp'], { encoding: 'utf8' });
    if (probe.status !== 0) throw new Error(`python3-slixmpp is missing (${PYTHON} -c 'import slixmpp': ${probe.error?.message ?? probe.stderr.trim()}): run scripts/install-test-deps.sh`);
    const child = spawn(PYTHON, [SCRIPT, '--port', String(port), '--jid', jid, '--password', password, '--timeout', String(timeoutSeconds), ...extraArgs], { stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(child);
    child.once('exit', () => running.delete(child));
    const client = new SlixmppClient(child);
    const signedIn = await client.waitFor((e) => e.event === 'signed-in' || e.event === 'error' || e.event === 'disconnected', 'sign-in', 20_000);
    if (signedIn.event !== 'signed-in') throw new Error(`slixmpp did not sign in: ${JSON.stringify(signedIn)}\n${client.stderr.slice(-2000)}`);
    client.jid = signedIn.jid;
    return client;
  }

  /** Every stanza slixmpp received, as elements. */
  get stanzas(): Element[] {
    return this.events.filter((e) => e.event === 'stanza').map((e) => (e.element ??= parseDocument(e.xml)) as Element);
  }

  async waitFor(match: (e: Observed) => boolean, what: string, timeoutMs = 8000): Promise<Observed> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`slixmpp: no ${what}; it printed:\n${this.events.map((e) => JSON.stringify(e.event === 'stanza' ? { event: 'stanza', xml: e.xml } : e)).join('\n')}\nstderr: ${this.stderr.slice(-2000)}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The first stanza received that matches (waiting for it). */
  async stanza(match: (el: Element) => boolean, what: string, timeoutMs = 8000): Promise<Element> {
    await this.waitFor((e) => e.event === 'stanza' && match((e.element ??= parseDocument(e.xml)) as Element), what, timeoutMs);
    return this.stanzas.find(match)!;
  }

  /** Runs a command of slixmpp-driver.py and resolves with its `done` line (rejects on `error`). */
  async command(op: string, args: Record<string, unknown> = {}): Promise<Observed> {
    const id = this.nextId++;
    this.child.stdin!.write(`${JSON.stringify({ op, id, ...args })}\n`);
    const outcome = await this.waitFor((e) => (e.event === 'done' || e.event === 'error') && e.id === id, `outcome of ${op}`, 15_000);
    if (outcome.event === 'error') throw new Error(`slixmpp ${op} failed: ${outcome.message}`);
    return outcome;
  }

  /** Closes the stream and waits for the process to end (SIGKILL after 5 s). */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin!.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
