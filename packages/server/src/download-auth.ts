// files.downloadRequiresAuth: a download's HTTP Basic credentials checked as the user's chat
// password — by LDAP when sign-in uses it, else against the stored SCRAM-SHA-256 keys (PBKDF2 on the
// thread pool) — behind the same failed sign-in throttle as SASL (per address and user name, and
// per address; design.md §7).
import { checkPasswordAsync, isValidUsername, normalizeUsername, type Core, type PasswordVerifier } from '@deskchat/core';

export function downloadPasswordVerifier(core: Core, ldap?: PasswordVerifier): (username: string, password: string, address: string) => Promise<boolean> {
  return async (raw, password, address) => {
    if (!isValidUsername(raw)) return false;
    const username = normalizeUsername(raw);
    if (!(await core.signIns.isAllowed(address, username))) return false;
    let isValid: boolean;
    if (ldap) {
      isValid = (await ldap(username, password).catch(() => false)) && (await core.stores.accounts.hasAccount(username));
    } else {
      const credential = (await core.stores.accounts.getAccount(username))?.credentials['SHA-256'];
      isValid = credential !== undefined && (await checkPasswordAsync('SHA-256', credential, password));
    }
    if (isValid) await core.signIns.recordSuccess(address, username);
    else await core.signIns.recordFailure(address, username);
    return isValid;
  };
}
