// Jest setup of the 'im-two-nodes' project: every Harness runs two Cores sharing state (harness.ts).
process.env.DESKCHAT_HARNESS_NODES = '2';
