#!/usr/bin/env bash
# Installs the Debian packages the test suite runs for real (Debian 12; as root or with sudo):
#   openssl   — makes the development certificates of the TLS tests
#   slapd     — OpenLDAP, the real directory of the LDAP tests (ldap-utils to inspect it)
#   nginx     — the reverse proxy of docs/reverse-proxy.md, run in front of a node by a test
#   python3-slixmpp — slixmpp, a third-party Python XMPP client the slixmpp e2e test signs in with
#   chromium    — Debian's browser, driven by playwright-core in the gadget and admin-page tests
#   redis-server, redis-sentinel — the real Redis of the cluster tests and storage contract suites
# The tests fail (they never skip) when one is missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
if command -v openssl >/dev/null && [ -x /usr/sbin/slapd ] && command -v ldapsearch >/dev/null && [ -x /usr/sbin/nginx ] && /usr/bin/python3 -c 'import slixmpp' 2>/dev/null && [ -x /usr/bin/chromium ] && command -v redis-server >/dev/null && command -v redis-sentinel >/dev/null; then
  echo "test dependencies already installed"
  exit 0
fi
# Another apt or dpkg run (unattended-upgrades, a colleague's install) may hold the dpkg lock:
# wait for it (up to 10 minutes) instead of failing at once.
LOCK_WAIT=(-o DPkg::Lock::Timeout="${APT_LOCK_TIMEOUT:-600}")
$SUDO apt-get "${LOCK_WAIT[@]}" update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get "${LOCK_WAIT[@]}" install -y -qq openssl slapd ldap-utils nginx python3-slixmpp chromium redis-server redis-sentinel >/dev/null
echo "installed openssl slapd ldap-utils nginx python3-slixmpp chromium redis-server redis-sentinel"
