// The bench's command line: bounded values, loopback-only targets.
import { describe, it, expect } from '@jest/globals';
import { SCENARIOS, UsageError, address, isLoopback, parseOptions } from './options.js';

describe('parseOptions', () => {
  it('reads a scenario list, rate steps and transports', () => {
    const options = parseOptions(['messages,login', '--pairs', '50', '--rate', '1000,2000', '--transport', 'tcp,bosh', '--duration', '5', '--verbose']);
    expect(options).toMatchObject({ scenarios: ['messages', 'login'], pairs: 50, rates: [1000, 2000], transports: ['tcp', 'bosh'], durationS: 5, isVerbose: true });
  });

  it('expands all to every scenario', () => {
    expect(parseOptions(['all']).scenarios).toEqual([...SCENARIOS]);
  });

  it('bounds every count and duration so that a run stops by itself', () => {
    expect(() => parseOptions(['login', '--users', '100000'])).toThrow('--users: must be an integer 2..40000');
    expect(() => parseOptions(['idle-hold', '--hold', '3600'])).toThrow('--hold: must be an integer 1..600');
    expect(() => parseOptions(['messages', '--rate', '100,abc'])).toThrow('--rate');
    expect(() => parseOptions(['messages', '--max-seconds', '0'])).toThrow('--max-seconds');
    expect(() => parseOptions(['file-transfer', '--file-mb', '201'])).toThrow('--file-mb: must be an integer 1..200');
    expect(() => parseOptions(['file-transfer', '--files', '0'])).toThrow('--files: must be an integer 1..200');
  });

  it('reads cluster mode: node count, placement, and nothing else to drive', () => {
    expect(parseOptions(['messages', '--cluster', '4'])).toMatchObject({ clusterNodes: 4, placement: 'spread' });
    expect(parseOptions(['messages', '--cluster', '2', '--placement', 'same'])).toMatchObject({ clusterNodes: 2, placement: 'same' });
    expect(() => parseOptions(['messages', '--cluster', '5'])).toThrow('--cluster: must be an integer 1..4');
    expect(() => parseOptions(['messages', '--cluster', '4', '--placement', 'random'])).toThrow("unknown placement 'random' (spread, same)");
    expect(() => parseOptions(['messages', '--cluster', '4', '--target', '127.0.0.1:5222:5280'])).toThrow('--cluster starts its own nodes');
    expect(parseOptions(['messages', '--cluster', '4', '--redis', 'cluster'])).toMatchObject({ redis: 'cluster' });
    expect(parseOptions(['messages', '--cluster', '4'])).toMatchObject({ redis: 'single' });
    expect(() => parseOptions(['messages', '--cluster', '4', '--redis', 'sentinel'])).toThrow("unknown --redis 'sentinel' (single, cluster)");
    expect(() => parseOptions(['messages', '--redis', 'cluster'])).toThrow('--redis goes with --cluster');
  });

  it('reads the file-transfer sizes', () => {
    expect(parseOptions(['file-transfer', '--files', '16', '--file-mb', '50'])).toMatchObject({ scenarios: ['file-transfer'], files: 16, fileMb: 50 });
  });

  it('rejects unknown scenarios, transports and options, and an odd contact count', () => {
    expect(() => parseOptions([])).toThrow(UsageError);
    expect(() => parseOptions(['fly'])).toThrow("unknown scenario 'fly'");
    expect(() => parseOptions(['messages', '--transport', 'udp'])).toThrow("unknown transport 'udp'");
    expect(() => parseOptions(['messages', '--fast', '1'])).toThrow('unknown option --fast');
    expect(() => parseOptions(['presence-fanout', '--contacts', '5'])).toThrow('must be even');
    expect(() => parseOptions(['messages', '--pairs'])).toThrow('--pairs needs a value');
  });

  it('takes a target with its process id, and a comparison server', () => {
    const options = parseOptions(['messages', '--target', '127.0.0.1:5222:5280', '--server-pid', '1234', '--compare', 'prosody']);
    expect(options.target).toEqual({ host: '127.0.0.1', c2sPort: 5222, httpPort: 5280, pid: 1234 });
    expect(options.compare).toBe('prosody');
    expect(parseOptions(['messages', '--compare', '[::1]:15222:15280:99']).compare).toEqual({ host: '::1', c2sPort: 15222, httpPort: 15280, pid: 99 });
    expect(() => parseOptions(['messages', '--server-pid', '1'])).toThrow('--server-pid goes with --target');
  });
});

describe('loopback only', () => {
  it('accepts 127.0.0.0/8, ::1 and localhost', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(isLoopback(host)).toBe(true);
  });

  it('refuses any other address as a target', () => {
    for (const host of ['10.0.0.1', '192.168.1.1', '8.8.8.8', 'example.com', '0.0.0.0']) expect(() => address('--target', `${host}:5222:5280`)).toThrow('not a loopback address');
  });
});
