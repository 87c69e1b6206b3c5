#!/usr/bin/env bash
# The SSH launcher on network-namespace hosts (`npm run test:hosts`, docs/multi-host.md): it needs
# root, working `ip netns` and Debian's openssh-server; without them it says why and skips.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  echo "test:hosts: skipped: not root (network namespaces need root)"
  exit 0
fi
probe="qbci$$"
if ! error=$(ip netns add "$probe" 2>&1); then
  echo "test:hosts: skipped: ip netns does not work here: ${error%%$'\n'*}"
  exit 0
fi
ip netns del "$probe"
if [ ! -x /usr/sbin/sshd ]; then
  # Installing must not start the system's sshd: a policy-rc.d that refuses service starts, ours only
  # if there is none already.
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    policy=/usr/sbin/policy-rc.d
  fi
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-server >/dev/null; }; then
    [ -z "$policy" ] || rm -f "$policy"
    echo "test:hosts: skipped: openssh-server is missing and apt-get could not install it"
    exit 0
  fi
  [ -z "$policy" ] || rm -f "$policy"
fi
started=$SECONDS
npm run --silent test:hosts
echo "test:hosts: done in $((SECONDS - started)) s"
