// Reading passwords for the CLI: typed at a terminal without echo (raw mode, nothing is echoed, as
// ssh and sudo do), or the first line of standard input (`--password-stdin`, for scripts).
import { StringDecoder } from 'node:string_decoder';
import { CommandError } from './command-error.js';

export type PasswordInput = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };

/** A pasted line without a line break would otherwise be buffered without bound. */
const MAX_LINE_BYTES = 64 * 1024;

/**
 * Shows each prompt on `output` and reads one line per prompt from a terminal in raw mode, so that
 * nothing typed is echoed. Backspace and Ctrl-U edit, Ctrl-C (or Ctrl-D on an empty line) cancels,
 * and escape sequences (arrow keys) are ignored.
 */
export function readHiddenLines(input: PasswordInput, output: NodeJS.WritableStream, prompts: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    const lines: string[] = [];
    let current = '';
    let escape: 'none' | 'start' | 'sequence' = 'none';
    let lastWasCr = false;

    const stop = () => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', onError);
      input.setRawMode?.(false);
      input.pause();
    };
    const cancel = (message: string) => {
      stop();
      output.write('\n');
      reject(new CommandError(message));
    };
    const onEnd = () => cancel('no password entered (end of input)');
    const onError = (err: Error) => {
      stop();
      reject(err);
    };
    const onData = (chunk: Buffer | string) => {
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      for (const ch of text) {
        const wasCr = lastWasCr;
        lastWasCr = ch === '\r';
        if (escape === 'start') {
          // ESC [ … final byte (CSI) or ESC O x (SS3); any other character ends a lone ESC.
          escape = ch === '[' || ch === 'O' ? 'sequence' : 'none';
          continue;
        }
        if (escape === 'sequence') {
          if (ch >= '@' && ch <= '~') escape = 'none';
          continue;
        }
        if (ch === '\n' && wasCr) continue; // CRLF in pasted text is one line break
        if (ch === '\r' || ch === '\n') {
          output.write('\n');
          lines.push(current);
          current = '';
          if (lines.length === prompts.length) {
            stop();
            resolve(lines);
            return;
          }
          output.write(prompts[lines.length]!);
        } else if (ch === '\x03' || (ch === '\x04' && current === '')) {
          cancel('cancelled');
          return;
        } else if (ch === '\x7f' || ch === '\b') {
          current = [...current].slice(0, -1).join('');
        } else if (ch === '\x15') {
          current = '';
        } else if (ch === '\x1b') {
          escape = 'start';
        } else if (ch >= ' ') {
          current += ch;
        }
      }
    };

    input.setRawMode?.(true);
    output.write(prompts[0] ?? '');
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.resume();
  });
}

/** The first line of the input, without its line break (LF or CRLF). */
export function readFirstLine(input: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    let text = '';
    const stop = () => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', onError);
      input.pause();
    };
    const finish = (line: string) => {
      stop();
      resolve(line.endsWith('\r') ? line.slice(0, -1) : line);
    };
    const onData = (chunk: Buffer | string) => {
      text += typeof chunk === 'string' ? chunk : decoder.write(chunk);
      const newline = text.indexOf('\n');
      if (newline >= 0) finish(text.slice(0, newline));
      else if (Buffer.byteLength(text) > MAX_LINE_BYTES) {
        stop();
        reject(new CommandError('--password-stdin: the first line of standard input is too long'));
      }
    };
    const onEnd = () => {
      text += decoder.end();
      if (text === '') {
        stop();
        reject(new CommandError('--password-stdin: standard input is empty'));
      } else finish(text);
    };
    const onError = (err: Error) => {
      stop();
      reject(err);
    };
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.resume();
  });
}
