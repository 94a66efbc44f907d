// Admin account names and passwords: what `deskchat admin add` and the sign-in form accept.

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
export const MIN_ADMIN_PASSWORD = 10;
export const MAX_ADMIN_PASSWORD = 1024;

/** The normalised (lower-case) name, or undefined when it is not 1..64 of a-z 0-9 . _ - starting with a letter or digit. */
export function parseAdminName(raw: string): string | undefined {
  const name = raw.trim().toLowerCase();
  return NAME.test(name) ? name : undefined;
}

export const ADMIN_NAME_RULE = 'an admin name is 1..64 characters of a-z 0-9 . _ - starting with a letter or digit';

/** Why the password cannot be an admin password, or undefined. */
export function adminPasswordProblem(password: string): string | undefined {
  const length = [...password].length;
  if (length < MIN_ADMIN_PASSWORD) return `an admin password needs at least ${MIN_ADMIN_PASSWORD} characters`;
  if (length > MAX_ADMIN_PASSWORD) return `an admin password has at most ${MAX_ADMIN_PASSWORD} characters`;
  if (CONTROL.test(password)) return 'the password contains a control character';
  return undefined;
}

/** API token names: the same rule as admin names. */
export const parseTokenName = parseAdminName;
