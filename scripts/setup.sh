#!/usr/bin/env bash
# Installs what Earshot needs on Debian 12 (run as root): the C libraries and the tools the tests use.
# Idempotent and quiet: skips apt entirely when everything is already installed.
set -euo pipefail
PKGS=(pkg-config libasound2-dev libfftw3-dev libopenblas-dev libsystemd-dev libsndfile1-dev libsoxr-dev
      alsa-utils systemd util-linux sox dpkg-dev fakeroot binutils)
# --tests (scripts/test.sh): also man-db (the tests render the package's manual pages) and the real tools and
# servers the hook examples are tested against (openssl makes their throw-away TLS certificates) — among them
# Debian's mosquitto broker, whose package, on a box run by systemd, starts and enables mosquitto.service (port
# 1883); so the demo (scripts/demo.sh) does not install them
if [[ ${1:-} == --tests ]]; then PKGS+=(curl mosquitto mosquitto-clients msmtp openssl python3-aiosmtpd man-db); fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: swift not found on PATH (Swift 6 toolchain required, e.g. /opt/swift/usr/bin)" >&2; exit 1; }
