# SPDX-License-Identifier: GPL-2.0
# Sourced by kernel/build.sh and tests/vm/run.sh: apt access to the
# distribution's bookworm-backports suite without touching the host's apt
# configuration. The mirror is taken from the machine's own apt sources,
# so no archive host name is written anywhere in this repository.
#
# Needs: CACHE (directory). Sets: APT_OPTS, KVER (e.g. 6.12.95+deb12,
# override with env KVER), PKGVER (Debian version of the kernel packages).
# Returns non-zero (never exits) when the archive cannot be reached, so the
# caller can decide to skip.

bp_log() { echo "[vm $(date +%T)] $*" >&2; }

bp_mirror() {
	# first Debian (non-security) URI in deb822 or one-line format
	{
		awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' \
			/etc/apt/sources.list.d/*.sources 2>/dev/null
		awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; break } }' \
			/etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
	} | grep -v -e security -e '^$' | grep '/debian/\?$' | head -1
}

bp_init() {
	local uri
	mkdir -p "$CACHE/apt/lists/partial" "$CACHE/apt/cache/archives/partial"
	uri=$(bp_mirror)
	if [ -z "$uri" ]; then
		bp_log "no Debian mirror found in the host's apt sources"
		return 1
	fi
	echo "deb $uri bookworm-backports main" >"$CACHE/apt/sources.list"
	APT_OPTS=(-o Dir::Etc::SourceList="$CACHE/apt/sources.list"
		-o Dir::Etc::SourceParts=/dev/null
		-o Dir::State::Lists="$CACHE/apt/lists"
		-o Dir::Cache="$CACHE/apt/cache")
	if ! ls "$CACHE"/apt/lists/*Packages* >/dev/null 2>&1; then
		apt-get "${APT_OPTS[@]}" update >&2 || return 1
	fi
	if [ -z "${KVER:-}" ]; then
		KVER=$(apt-cache "${APT_OPTS[@]}" search \
			'^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' |
			awk '{print $1}' | sed 's/^linux-image-//; s/-amd64-unsigned$//' |
			sort -V | tail -1)
	fi
	[ -n "$KVER" ] || { bp_log "no 6.12 kernel in bookworm-backports"; return 1; }
	PKGVER=$(apt-cache "${APT_OPTS[@]}" show "linux-image-$KVER-amd64-unsigned" |
		awk '/^Version:/ {print $2; exit}')
	[ -n "$PKGVER" ] || return 1
	KREL=$KVER-amd64
}

# bp_download PKG... : fetch .debs of the kernel's version into $CACHE/debs
bp_download() {
	local p want=()
	mkdir -p "$CACHE/debs"
	for p in "$@"; do
		ls "$CACHE/debs/${p}_"*.deb >/dev/null 2>&1 || want+=("$p=$PKGVER")
	done
	[ ${#want[@]} -eq 0 ] && return 0
	# the _apt sandbox user cannot write into root-only dirs: harmless warning
	(cd "$CACHE/debs" && apt-get "${APT_OPTS[@]}" download "${want[@]}" 2>&1 |
		grep -v unsandboxed >&2) || true
	for p in "$@"; do
		ls "$CACHE/debs/${p}_"*.deb >/dev/null 2>&1 || {
			bp_log "download of $p failed"
			return 1
		}
	done
}
