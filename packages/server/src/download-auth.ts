// files.downloadRequiresAuth: a download's HTTP Basic credentials checked as the user's chat
// password — by LDAP when sign-in uses it, else against the stored SCRAM-SHA-256 keys (PBKDF2 on the
// thread pool) — behind the same per-address failed-auth lockout as SASL (design.md §7).
import { checkPasswordAsync, isValidUsername, type Core, type PasswordVerifier } from '@deskchat/core';

export function downloadPasswordVerifier(core: Core, ldap?: PasswordVerifier): (username: string, password: string, address: string) => Promise<boolean> {
  return async (username, password, address) => {
    if (core.authThrottle.isBlocked(address)) return false;
    let isValid = false;
    if (isValidUsername(username)) {
      if (ldap) {
        isValid = (await ldap(username, password).catch(() => false)) && (await core.stores.accounts.hasAccount(username));
      } else {
        const credential = (await core.stores.accounts.getAccount(username))?.credentials['SHA-256'];
        isValid = credential !== undefined && (await checkPasswordAsync('SHA-256', credential, password));
      }
    }
    if (!isValid) core.authThrottle.recordFailure(address);
    return isValid;
  };
}
