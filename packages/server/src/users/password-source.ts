// Where `deskchat user add|passwd` get the password: --password, the first line of standard input
// (--password-stdin), a no-echo prompt typed twice on a terminal, or else a generated one that the
// command prints once. Every password is checked (1..1023 characters, no control characters, RFC 4013).
import { generatePassword } from './account-fields.js';
import { requireValidPassword } from './account-commands.js';
import { CommandError } from './command-error.js';
import { readFirstLine, readHiddenLines, type PasswordInput } from './read-password.js';

export interface PasswordChoice {
  password?: string;
  isFromStdin: boolean;
}

export async function choosePassword(
  choice: PasswordChoice,
  io: { stdin: PasswordInput; stderr: NodeJS.WritableStream },
  username: string,
): Promise<{ password: string; isGenerated: boolean }> {
  let password: string;
  if (choice.password !== undefined) password = choice.password;
  else if (choice.isFromStdin) password = await readFirstLine(io.stdin);
  else if (io.stdin.isTTY) {
    const [first, second] = await readHiddenLines(io.stdin, io.stderr, [`Password for ${username}: `, 'Repeat password: ']);
    if (first !== second) throw new CommandError('the passwords do not match');
    password = first!;
  } else return { password: generatePassword(), isGenerated: true };
  requireValidPassword(password);
  return { password, isGenerated: false };
}
