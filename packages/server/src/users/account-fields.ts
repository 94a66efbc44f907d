// Validation of account fields given on the command line or in an import file.
// Usernames are XMPP localparts (RFC 7622 §3.3); passwords are SASLprep strings (RFC 4013 §2.3
// prohibits control characters), limited to 1023 characters like the localpart.
import { randomBytes } from 'node:crypto';
import { isValidUsername, normalizeUsername } from '@deskchat/core';
import { prepareOpaqueString } from '@deskchat/protocol';

export const MAX_PASSWORD_LENGTH = 1023;
const MAX_NAME_LENGTH = 1023;
const MAX_EMAIL_LENGTH = 254; // RFC 5321 §4.5.3.1.3 path limit, minus the angle brackets
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** The normalised username, or undefined when it is not a valid localpart. */
export function parseUsername(value: string): string | undefined {
  return isValidUsername(value) ? normalizeUsername(value) : undefined;
}

/** Why the password cannot be used, or undefined when it can. */
export function passwordProblem(password: string): string | undefined {
  if (password.length === 0) return 'empty password';
  if ([...password].length > MAX_PASSWORD_LENGTH) return `password longer than ${MAX_PASSWORD_LENGTH} characters`;
  if (CONTROL.test(password)) return 'password contains a control character';
  if (prepareOpaqueString(password) === undefined) return 'password contains a character PRECIS OpaqueString refuses (RFC 8265 §4.2)';
  return undefined;
}

export function nameProblem(name: string): string | undefined {
  if ([...name].length > MAX_NAME_LENGTH) return `name longer than ${MAX_NAME_LENGTH} characters`;
  if (CONTROL.test(name)) return 'name contains a control character';
  return undefined;
}

export function emailProblem(email: string): string | undefined {
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL.test(email)) return `invalid email '${email}'`;
  return undefined;
}

/** 18 random bytes in base64url: 24 characters, 144 bits, nothing to escape in a shell. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
