// One jest config for the whole monorepo (ESM: run with node --experimental-vm-modules).
// Two projects: fast unit/harness tests, and end-to-end tests over real sockets (*.e2e.test.ts).
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.jest.json' }] },
  moduleNameMapper: {
    '^@deskchat/([a-z0-9-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
  roots: ['<rootDir>/packages'],
  modulePathIgnorePatterns: ['<rootDir>/packages/.*/dist/'],
};
export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['**/src/**/*.test.ts'], testPathIgnorePatterns: ['\\.e2e\\.test\\.ts$', '/dist/'] },
    { ...common, displayName: 'e2e', testMatch: ['**/src/**/*.e2e.test.ts'], testPathIgnorePatterns: ['/dist/'] },
    // The IM suite again, with every harness running two Cores that share state and users split
    // across them (design.md §5; packages/testing/src/harness.ts): what works on one node works across nodes.
    {
      ...common,
      displayName: 'im-two-nodes',
      testMatch: ['**/packages/im/src/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.e2e\\.test\\.ts$', '/dist/'],
      setupFiles: ['<rootDir>/packages/testing/src/two-nodes.setup.cjs'],
    },
    // The group-chat suite the same way: occupants of one room on different nodes (docs/muc.md).
    {
      ...common,
      displayName: 'muc-two-nodes',
      testMatch: ['**/packages/muc/src/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.e2e\\.test\\.ts$', '/dist/'],
      setupFiles: ['<rootDir>/packages/testing/src/two-nodes.setup.cjs'],
    },
  ],
  testTimeout: 20000,
  // One test file at a time (2 cores: e2e suites start servers, browsers and Python clients of their
  // own), but in a worker process recycled once it holds more than this after a file: in band, the
  // one process grew to ~4 GB over the whole run (module graphs of the ESM VM are not all freed) and
  // its garbage collection slowed the last suites past their deadlines.
  maxWorkers: 1,
  workerIdleMemoryLimit: '1GB',
};
