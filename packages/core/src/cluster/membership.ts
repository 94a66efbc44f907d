// This node's membership in the cluster (design.md §5, issue "Failover"):
//   - join: under its unique name in its pair; a restart after a crash waits (at most the
//     dead-after time) for its previous registration to lapse; a live namesake is refused;
//   - heartbeat every `heartbeatMs` with a TTL of `deadAfterMs`, from the moment it joined;
//   - fencing: a node whose heartbeat is refused (it was declared dead) or that could not renew it
//     for longer than `deadAfterMs` (it lost Redis) closes every stream with system-shutdown and
//     refuses new ones — its peer is taking over, and two nodes must never serve the same session —
//     then joins again when it can;
//   - lease: the node serves only while its last renewed heartbeat is younger than `deadAfterMs`.
//     A node that was frozen (SIGSTOP, a long pause) reads its sockets before its heartbeat timer
//     runs again, so every stanza from a client or the bus checks the lease first and fences at
//     once when it has lapsed: the peer may already have taken the sessions over;
//   - takeover: each tick, a dead node that still owns sessions is taken over (takeover.ts).
import type { Core } from '../core.js';
import type { ClusterRegistry, NodeInfo, NodeStatus } from './cluster-registry.js';
import { mayTakeOver, takeOver } from './takeover.js';

export interface MembershipOptions {
  registry: ClusterRegistry;
  self: NodeInfo;
  heartbeatMs: number;
  deadAfterMs: number;
  /** Extra wait before a node outside the dead node's pair steps in while the peer is alive. */
  takeoverGraceMs?: number;
  now?: () => number;
}

export class ClusterJoinError extends Error {}

export class Membership {
  private timer?: NodeJS.Timeout;
  private lastRenewed: number;
  private isFenced = false;
  private isRenewing = false;
  private isTakingOver = false;
  private readonly now: () => number;

  constructor(
    private readonly core: Core,
    private readonly options: MembershipOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.lastRenewed = this.now();
    core.setLeaseCheck(() => this.holdsLease());
  }

  /**
   * Whether this node may still serve: its last renewed heartbeat is younger than the dead-after
   * time (else the others may have declared it dead and taken its sessions over). Fences at once
   * when the lease has lapsed; the next successful heartbeat (or rejoin) lifts the fence.
   */
  holdsLease(): boolean {
    if (this.isFenced) return false;
    if (this.now() - this.lastRenewed <= this.options.deadAfterMs) return true;
    this.fence('this node could not renew its heartbeat within cluster.deadAfterSeconds; its sessions may have been taken over');
    return false;
  }

  get name(): string {
    return this.options.self.name;
  }

  /** Registers the node; waits out its own previous registration after a crash; refuses a live namesake or a full pair. */
  async join(): Promise<void> {
    const { registry, self, deadAfterMs } = this.options;
    // Real time: this is how long a process waits at start-up for its crashed predecessor's registration to lapse.
    const deadline = Date.now() + deadAfterMs + this.options.heartbeatMs;
    for (;;) {
      const result = await registry.join(self, deadAfterMs);
      if (result.status === 'joined') break;
      if (result.status === 'pair-full') throw new ClusterJoinError(`pair '${self.pair}' already has two nodes (${result.members.join(', ')}); a third node cannot join it (cluster.pair)`);
      if (Date.now() >= deadline) {
        throw new ClusterJoinError(`another live node is named '${self.name}' (started ${new Date(result.holder.startedAt).toISOString()}, last heartbeat ${new Date(result.holder.lastSeen).toISOString()}); node names must be unique (cluster.node)`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(500, this.options.heartbeatMs)));
    }
    this.lastRenewed = this.now();
  }

  /**
   * Heartbeats only, from right after joining while the node still loads and binds its ports: a
   * start-up longer than the dead-after time must not let the registration lapse (the peer would
   * declare this node dead, and the first heartbeat would fence it just as it starts serving).
   */
  startHeartbeats(): void {
    this.timer ??= this.every(() => this.heartbeat());
  }

  /** Starts serving duties: heartbeats and takeovers of dead nodes. */
  start(): void {
    clearInterval(this.timer);
    this.timer = this.every(() => this.tick());
  }

  private every(run: () => Promise<void>): NodeJS.Timeout {
    const timer = setInterval(() => void run(), this.options.heartbeatMs);
    timer.unref?.();
    return timer;
  }

  /** A graceful stop: marked dead at once, so that the pair peer serves this node's users without waiting. */
  async leave(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.options.registry.leave(this.options.self.name, this.options.self.instance).catch(() => undefined);
  }

  /**
   * One heartbeat, then fencing or takeovers as needed (exposed for tests). A takeover can take
   * longer than a heartbeat period (it routes again what waited for the dead node): heartbeats go
   * on meanwhile, else the node taking over would lose its own lease and be declared dead too.
   */
  async tick(): Promise<void> {
    await this.heartbeat();
    if (this.isFenced || this.isTakingOver) return;
    this.isTakingOver = true;
    try {
      await this.takeOverDeadNodes();
    } finally {
      this.isTakingOver = false;
    }
  }

  /** One heartbeat, unless the previous one is still waiting for its answer. */
  private async heartbeat(): Promise<void> {
    if (this.isRenewing) return;
    this.isRenewing = true;
    try {
      await this.renew();
    } finally {
      this.isRenewing = false;
    }
  }

  private async renew(): Promise<void> {
    const { registry, self, deadAfterMs } = this.options;
    let isOwn: boolean;
    // The TTL runs from about when the call was sent: the lease counts from then, not from the answer.
    const sentAt = this.now();
    try {
      isOwn = await registry.heartbeat(self.name, self.instance, deadAfterMs);
    } catch (err) {
      // Cut off from the shared store: once the others may have declared us dead, stop serving.
      if (!this.isFenced && this.now() - this.lastRenewed > deadAfterMs) this.fence('this node lost the cluster store for longer than cluster.deadAfterSeconds');
      this.core.log.warn({ err }, 'cluster heartbeat failed');
      return;
    }
    if (!isOwn) {
      if (!this.isFenced) this.fence('this node was declared dead by the cluster');
      // Join again (as the same instance: its sessions are gone, nothing stale is left to serve).
      const result = await registry.join(self, deadAfterMs).catch(() => undefined);
      if (result?.status !== 'joined') return;
    }
    this.lastRenewed = sentAt;
    if (this.isFenced) {
      this.isFenced = false;
      this.core.resumeServing();
      this.core.log.warn({}, 'back in the cluster: serving again');
    }
  }

  private fence(reason: string): void {
    this.isFenced = true;
    this.core.log.error({ reason }, 'fenced: closing every stream and refusing new ones until the node is back in the cluster');
    this.core.fence(reason);
  }

  private async takeOverDeadNodes(): Promise<void> {
    const nodes = await this.options.registry.nodes().catch(() => [] as NodeStatus[]);
    const self = nodes.find((n) => n.name === this.options.self.name) ?? { ...this.options.self, isAlive: true, lastSeen: this.now() };
    for (const dead of nodes.filter((n) => !n.isAlive)) {
      const peerAlive = nodes.some((n) => n.pair === dead.pair && n.name !== dead.name && n.isAlive);
      if (!mayTakeOver(self, dead, peerAlive, this.now(), this.options.deadAfterMs, this.options.takeoverGraceMs ?? this.options.deadAfterMs)) continue;
      try {
        await takeOver(this.core, dead.name, this.now());
      } catch (err) {
        this.core.log.warn({ err, dead: dead.name }, 'takeover failed; retrying at the next heartbeat');
      }
    }
  }
}
