// Password input for the CLI: no-echo prompts on a terminal (raw mode) and --password-stdin.
import { describe, expect, it, jest } from '@jest/globals';
import { PassThrough } from 'node:stream';
import { CommandError } from './command-error.js';
import { readFirstLine, readHiddenLines } from './read-password.js';

function fakeTty() {
  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: jest.fn<(mode: boolean) => unknown>() });
  const output = new PassThrough();
  let shown = '';
  output.on('data', (chunk: Buffer) => (shown += chunk.toString()));
  return { input, output, shown: () => shown };
}

describe('readHiddenLines', () => {
  it('reads one line per prompt in raw mode and echoes nothing that was typed', async () => {
    const { input, output, shown } = fakeTty();
    const result = readHiddenLines(input, output, ['Password: ', 'Repeat: ']);
    for (const key of 's3cr3t\r') input.write(key);
    input.write('s3cr3t\r');
    await expect(result).resolves.toEqual(['s3cr3t', 's3cr3t']);
    expect(shown()).toBe('Password: \nRepeat: \n');
    expect(input.setRawMode.mock.calls).toEqual([[true], [false]]);
  });

  it('treats a pasted CRLF as one line break and keeps multi-byte characters split across chunks', async () => {
    const { input, output } = fakeTty();
    const result = readHiddenLines(input, output, ['a: ', 'b: ']);
    const bytes = Buffer.from('zoë\r\nzoë\r\n');
    input.write(bytes.subarray(0, 3));
    input.write(bytes.subarray(3));
    await expect(result).resolves.toEqual(['zoë', 'zoë']);
  });

  it('applies backspace and Ctrl-U, and ignores arrow-key escape sequences', async () => {
    const { input, output } = fakeTty();
    const result = readHiddenLines(input, output, ['p: ']);
    input.write('junk\x15ab\x7fc\x1b[D\x1bOAd\r');
    await expect(result).resolves.toEqual(['acd']);
  });

  it('cancels on Ctrl-C and leaves raw mode', async () => {
    const { input, output } = fakeTty();
    const result = readHiddenLines(input, output, ['p: ']);
    input.write('abc\x03');
    await expect(result).rejects.toThrow(new CommandError('cancelled'));
    expect(input.setRawMode).toHaveBeenLastCalledWith(false);
  });

  it('fails when the input ends before the last line', async () => {
    const { input, output } = fakeTty();
    const result = readHiddenLines(input, output, ['p: ', 'again: ']);
    input.end('one\r');
    await expect(result).rejects.toThrow(/end of input/);
  });
});

describe('readFirstLine', () => {
  it('returns the first line without its CRLF and ignores the rest', async () => {
    const input = new PassThrough();
    input.end('first pass\r\nsecond\n');
    await expect(readFirstLine(input)).resolves.toBe('first pass');
  });

  it('accepts a last line without a line break', async () => {
    const input = new PassThrough();
    input.end('only');
    await expect(readFirstLine(input)).resolves.toBe('only');
  });

  it('fails on empty input', async () => {
    const input = new PassThrough();
    input.end();
    await expect(readFirstLine(input)).rejects.toThrow(/standard input is empty/);
  });
});
