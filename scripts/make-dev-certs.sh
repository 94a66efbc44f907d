#!/usr/bin/env bash
# Usage: make-dev-certs.sh [DOMAIN] [DIR]
# Makes a self-signed development certificate for DOMAIN (default: localhost) in DIR (default: certs/).
# `deskchat start` picks up certs/localhost.crt and certs/localhost.key when they exist.
# Production deployments configure tls.cert / tls.key (or DESKCHAT_TLS_CERT / DESKCHAT_TLS_KEY).
set -euo pipefail
domain="${1:-localhost}"
dir="${2:-$(cd "$(dirname "$0")/.." && pwd)/certs}"
mkdir -p "$dir"
openssl req -x509 -newkey rsa:2048 -sha256 -days 825 -nodes \
  -keyout "$dir/$domain.key" -out "$dir/$domain.crt" \
  -subj "/CN=$domain" \
  -addext "subjectAltName=DNS:$domain,DNS:*.$domain,IP:127.0.0.1,IP:::1" \
  -addext "extendedKeyUsage=serverAuth" 2>/dev/null
chmod 600 "$dir/$domain.key"
echo "wrote $dir/$domain.crt and $dir/$domain.key"
