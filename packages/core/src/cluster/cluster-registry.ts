// Port: the cluster's membership and who serves whom (design.md §5). Nodes come in pairs; each
// heartbeats with a TTL and is dead once its heartbeat lapses. Each user is assigned to a node (its
// home); the other node of the home's pair is the user's backup. Memory for tests and for Cores
// sharing one process; Redis in a cluster.

/** How clients reach a node (what discovery hands out and redirects point at). */
export interface NodeAddress {
  /** TCP clients: host and port of c2s (RFC 6120 see-other-host names them). */
  host: string;
  port: number;
  /** Absolute BOSH URL (XEP-0206), e.g. https://imp1.example.com:5280/http-bind. */
  bosh: string;
  /** Absolute WebSocket URL (RFC 7395), e.g. wss://imp1.example.com:5280/xmpp-websocket. */
  websocket: string;
}

export interface NodeInfo extends NodeAddress {
  name: string;
  pair: string;
  /** Unique per process start: tells a restarted node from the registration it left behind. */
  instance: string;
  startedAt: number;
}

export interface NodeStatus extends NodeInfo {
  isAlive: boolean;
  /** Milliseconds since the epoch of the last heartbeat. */
  lastSeen: number;
}

export type JoinResult = { status: 'joined' } | { status: 'name-in-use'; holder: NodeStatus } | { status: 'pair-full'; members: string[] };

export interface ClusterRegistry {
  /**
   * Registers a node (atomically with its checks): refused while a live node of the same name but
   * another instance heartbeats, or when the pair already has two other nodes.
   */
  join(node: NodeInfo, ttlMs: number): Promise<JoinResult>;
  /**
   * Renews the node's liveness; false when its registration lapsed (it was declared dead: others may
   * have taken its duties over) or now belongs to another instance. Either way the node must stop
   * serving what it holds (fencing) and join again.
   */
  heartbeat(name: string, instance: string, ttlMs: number): Promise<boolean>;
  /** A clean stop: the node is marked dead at once (its pair peer takes over without waiting for the TTL). */
  leave(name: string, instance: string): Promise<void>;
  /** Every registered node, alive or not. */
  nodes(): Promise<NodeStatus[]>;

  /** The user's home node (durable); undefined when never assigned. */
  assignmentOf(username: string): Promise<string | undefined>;
  assign(username: string, node: string): Promise<void>;
  unassign(username: string): Promise<void>;
  /** Assigned users per node name. */
  assignedCounts(): Promise<Record<string, number>>;
}
