// Users on nodes (design.md §5, issue 8 §4, issue 11 "Cluster"): what `deskchat user|cluster …` and
// the admin API do to a cluster, written once on core's ports (the cluster registry, the session
// directory, the node bus) so that the CLI and the API agree on every rule:
//   - a new user goes to the node named, or else to the node with the fewest assigned users
//     (homes.ts balancedNode) among the live ones (all of them when none is alive: a registration
//     stays after its node is gone for good, and should not keep collecting users);
//   - moving a user sends each of its signed-in sessions that its new home and backup no longer
//     cover to the node now serving it (the bus's close order with `redirect`: see-other-host /
//     see-other-uri, so that its clients follow);
//   - rebalancing a pair only changes assignments: signed-in users move at their next sign-in;
//   - the status: nodes, pairs, alive or not, last heartbeat, sessions held (directory), users assigned.
import type { AccountStore, ClusterRegistry, NodeAddress, NodeBus, NodeStatus, SessionDirectory } from '@deskchat/core';
import { balancedNode, homesOf, isServing, pairsOf, redirectTarget } from '@deskchat/core';

export interface ClusterState {
  registry: ClusterRegistry;
  directory: SessionDirectory;
  bus: Pick<NodeBus, 'publish'>;
}

/** A node name that no node of the cluster has: the CLI's usage error, the API's 400 on `node`. */
export class UnknownNodeError extends Error {
  constructor(
    readonly node: string,
    readonly known: string[],
  ) {
    super(`unknown node '${node}' (${known.length ? `known: ${known.join(', ')}` : 'no node has joined the cluster yet'})`);
    this.name = 'UnknownNodeError';
  }
}

export class UnknownPairError extends Error {
  constructor(
    readonly pair: string,
    readonly known: string[],
  ) {
    super(`unknown pair '${pair}' (${known.length ? `known: ${known.join(', ')}` : 'no node has joined the cluster yet'})`);
    this.name = 'UnknownPairError';
  }
}

export class NoSuchUserError extends Error {
  constructor(readonly username: string) {
    super(`no such user ${username}`);
    this.name = 'NoSuchUserError';
  }
}

export interface NodeReport {
  name: string;
  pair: string;
  isAlive: boolean;
  /** Milliseconds since the epoch of the last heartbeat. */
  lastSeen: number;
  startedAt: number;
  /** Sessions the session directory says this node holds. */
  sessions: number;
  /** Users whose home it is. */
  assignedUsers: number;
  address: NodeAddress;
}

export interface PairReport {
  name: string;
  nodes: string[];
  aliveNodes: number;
  sessions: number;
  assignedUsers: number;
}

export interface ClusterStatus {
  nodes: NodeReport[];
  pairs: PairReport[];
}

export interface AssignResult {
  username: string;
  node: string;
  previous?: string;
  /** Signed-in sessions sent to the node now serving the user. */
  redirected: number;
}

export interface Move {
  username: string;
  from: string;
  to: string;
}

export interface RebalanceResult {
  pair: string;
  moved: Move[];
  /** Users assigned to each node of the pair afterwards. */
  counts: Record<string, number>;
}

/** Accounts read per page when looking for a pair's users. */
const SCAN_PAGE = 1000;

export class ClusterAdmin {
  constructor(
    private readonly state: ClusterState,
    private readonly accounts: AccountStore,
  ) {}

  /** Throws UnknownNodeError unless a node of that name has joined the cluster. */
  async requireNode(name: string): Promise<NodeStatus> {
    const nodes = await this.state.registry.nodes();
    const node = nodes.find((n) => n.name === name);
    if (!node) throw new UnknownNodeError(name, nodes.map((n) => n.name));
    return node;
  }

  /**
   * Assigns new users: each to `node` when given (checked first: UnknownNodeError), else one by
   * one to the least loaded live node. Returns each user's node; none when no node has joined yet
   * (the node a user first signs in on assigns it then).
   */
  async placeNewUsers(usernames: string[], node?: string): Promise<Map<string, string>> {
    const placed = new Map<string, string>();
    if (node !== undefined) await this.requireNode(node);
    const [nodes, counts] = await Promise.all([this.state.registry.nodes(), this.state.registry.assignedCounts()]);
    const alive = nodes.filter((n) => n.isAlive);
    const candidates = alive.length ? alive : nodes;
    for (const username of usernames) {
      const target = node ?? balancedNode(candidates, counts)?.name;
      if (target === undefined) break;
      await this.state.registry.assign(username, target);
      counts[target] = (counts[target] ?? 0) + 1;
      placed.set(username, target);
    }
    return placed;
  }

  /** Moves a user to `node`; its sessions on nodes that no longer serve it are sent on. */
  async assign(username: string, node: string): Promise<AssignResult> {
    if (!(await this.accounts.hasAccount(username))) throw new NoSuchUserError(username);
    await this.requireNode(node);
    const previous = await this.state.registry.assignmentOf(username);
    await this.state.registry.assign(username, node);
    const redirected = await this.sendSessionsHome(username);
    return { username, node, ...(previous !== undefined ? { previous } : {}), redirected };
  }

  /**
   * Ends every session of the user on whichever node holds it, with a stream error (`condition`),
   * and waits up to `waitMs` for them to leave the session directory: a removed account's sessions
   * end while its roster is still there, so that their unavailable presence reaches its contacts.
   * A node that does not answer (dead: its takeover ends them) does not hold the caller longer.
   * Returns how many sessions there were.
   */
  async endSessions(username: string, condition: string, text: string, waitMs = 5000): Promise<number> {
    const entries = await this.state.directory.resourcesOf(username);
    for (const e of entries) await this.state.bus.publish(e.node, { type: 'close', username, resource: e.resource, sessionId: e.sessionId, condition, text });
    for (const deadline = Date.now() + waitMs; entries.length > 0 && Date.now() < deadline; ) {
      if ((await this.state.directory.resourcesOf(username)).length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return entries.length;
  }

  /** A removed user's assignment goes with it. */
  async forget(username: string): Promise<void> {
    await this.state.registry.unassign(username);
  }

  /** The home node of each user (undefined: not assigned yet), in order. */
  nodesOf(usernames: string[]): Promise<(string | undefined)[]> {
    // Issued together: node-redis sends them as one pipeline.
    return Promise.all(usernames.map((u) => this.state.registry.assignmentOf(u)));
  }

  async status(): Promise<ClusterStatus> {
    const [nodes, counts] = await Promise.all([this.state.registry.nodes(), this.state.registry.assignedCounts()]);
    const held = await Promise.all(nodes.map((n) => this.state.directory.entriesOfNode(n.name)));
    const reports: NodeReport[] = nodes.map((n, i) => ({
      name: n.name,
      pair: n.pair,
      isAlive: n.isAlive,
      lastSeen: n.lastSeen,
      startedAt: n.startedAt,
      sessions: held[i]!.length,
      assignedUsers: counts[n.name] ?? 0,
      address: { host: n.host, port: n.port, bosh: n.bosh, websocket: n.websocket },
    }));
    const pairs = pairsOf(nodes).map((members): PairReport => {
      const mine = reports.filter((r) => r.pair === members[0]!.pair);
      return {
        name: members[0]!.pair,
        nodes: members.map((m) => m.name),
        aliveNodes: members.filter((m) => m.isAlive).length,
        sessions: mine.reduce((n, r) => n + r.sessions, 0),
        assignedUsers: mine.reduce((n, r) => n + r.assignedUsers, 0),
      };
    });
    return { nodes: reports, pairs };
  }

  /**
   * Spreads the users of a pair evenly over its two nodes (at most one apart). Only assignments
   * change: users who are signed in keep their sessions and move at their next sign-in, so they
   * are moved last (users with no session first, then by name).
   */
  async rebalance(pair: string): Promise<RebalanceResult> {
    const nodes = await this.state.registry.nodes();
    const members = nodes.filter((n) => n.pair === pair).map((n) => n.name).sort();
    if (members.length === 0) throw new UnknownPairError(pair, [...new Set(nodes.map((n) => n.pair))].sort());
    const users = await this.usersOf(members);
    const moved: Move[] = [];
    if (members.length === 2) {
      const [a, b] = members as [string, string];
      const [from, to] = users.get(a)!.length >= users.get(b)!.length ? [a, b] : [b, a];
      const surplus = Math.floor((users.get(from)!.length - users.get(to)!.length) / 2);
      if (surplus > 0) {
        const candidates = users.get(from)!;
        const isSignedIn = await Promise.all(candidates.map(async (u) => (await this.state.directory.resourcesOf(u)).length > 0));
        const order = candidates.map((username, i) => ({ username, isSignedIn: isSignedIn[i]! })).sort((x, y) => Number(x.isSignedIn) - Number(y.isSignedIn) || x.username.localeCompare(y.username));
        for (const { username } of order.slice(0, surplus)) {
          await this.state.registry.assign(username, to);
          moved.push({ username, from, to });
        }
        users.set(to, [...users.get(to)!, ...moved.map((m) => m.username)]);
        users.set(from, candidates.filter((u) => !moved.some((m) => m.username === u)));
      }
    }
    return { pair, moved, counts: Object.fromEntries(members.map((m) => [m, users.get(m)!.length])) };
  }

  /** The users (with an account) assigned to each of `nodes`, in username order. */
  private async usersOf(nodes: string[]): Promise<Map<string, string[]>> {
    const found = new Map(nodes.map((n) => [n, [] as string[]]));
    for (let offset = 0; ; offset += SCAN_PAGE) {
      const page = await this.accounts.listAccounts({ offset, limit: SCAN_PAGE });
      const homes = await this.nodesOf(page.map((a) => a.username));
      page.forEach((a, i) => found.get(homes[i] ?? '')?.push(a.username));
      if (page.length < SCAN_PAGE) return found;
    }
  }

  /** Sends each session of the user that is on a node no longer serving it to the one that is. */
  private async sendSessionsHome(username: string): Promise<number> {
    const [assignment, nodes, entries] = await Promise.all([this.state.registry.assignmentOf(username), this.state.registry.nodes(), this.state.directory.resourcesOf(username)]);
    const homes = homesOf(username, assignment, nodes);
    const target = homes && redirectTarget(homes);
    if (!homes || !target) return 0; // neither home nor backup is alive: better served where they are
    const address: NodeAddress = { host: target.host, port: target.port, bosh: target.bosh, websocket: target.websocket };
    let count = 0;
    for (const entry of entries) {
      if (isServing(entry.node, homes)) continue;
      await this.state.bus.publish(entry.node, {
        type: 'close',
        username,
        resource: entry.resource,
        sessionId: entry.sessionId,
        condition: 'see-other-host',
        text: `${username} is now served by ${target.name}`,
        redirect: address,
      });
      count++;
    }
    return count;
  }
}
