#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# scripts/build.sh DIR [meson options...]: configure (once) and build.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1
shift
if [ ! -f "$dir/build.ninja" ]; then
	meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || {
		cat "$dir.setup.log"
		exit 1
	}
fi
ninja -C "$dir" >/dev/null || ninja -C "$dir"
