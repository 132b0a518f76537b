#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Install everything famfsd needs to build and test on Debian 12 (root).
set -euo pipefail

pkgs=(build-essential meson ninja-build pkg-config clang
      libfuse3-dev fuse3 libdaxctl-dev libinih-dev libsystemd-dev
      zlib1g-dev uuid-dev libcmocka-dev
      xz-utils attr rsync tar coreutils util-linux python3 jq
      python3-yaml man-db git sqlite3 zip unzip vim-tiny
      clang-format systemd libclang-rt-14-dev liburing-dev
      fio)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "deps: ok"
