#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# dist/: what can be checked without systemd as PID 1, a cluster or a
# container engine. The unit passes systemd-analyze verify (built famfsd
# substituted, man pages from man/ found); the Pod manifest parses and is
# wired correctly; the Containerfile copies only paths that exist.
source "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/itest-dist.XXXXXX)
trap 'rm -rf "$T"' EXIT
dist=$FAMFS_SRC/dist

# -- systemd unit ---------------------------------------------------------------
if ! command -v systemd-analyze >/dev/null; then
	log "SKIP part: systemd-analyze is missing"
	unit_checked=no
else
	[ -x "$FAMFSD" ] || skip "famfsd not built at $FAMFSD"
	command -v man >/dev/null || skip "man is missing (Documentation= check)"
	mkdir -p "$T/units" "$T/man/man5" "$T/man/man8"
	cp "$FAMFS_SRC"/man/*.8 "$T/man/man8/"
	cp "$FAMFS_SRC"/man/*.5 "$T/man/man5/"
	sed "s|@FAMFSD@|$FAMFSD|g" "$dist/famfsd@.service.in" \
		>"$T/units/famfsd@dev-dax0.0.service"
	grep -q '@[A-Z_]*@' "$T/units/famfsd@dev-dax0.0.service" &&
		fail "unsubstituted @VAR@ left in the unit"
	# verify exits 0 on unknown keys but prints them: any output fails.
	MANPATH=$T/man systemd-analyze verify --man=yes \
		"$T/units/famfsd@dev-dax0.0.service" >"$T/verify" 2>&1 ||
		{
			cat "$T/verify"
			fail "systemd-analyze verify failed"
		}
	[ ! -s "$T/verify" ] || {
		cat "$T/verify"
		fail "systemd-analyze verify warned"
	}
	u=$T/units/famfsd@dev-dax0.0.service
	for want in '^Type=notify$' '^ExecStart=.* -f .*%f /mnt/famfs/%i$' \
		'^DeviceAllow=/dev/fuse rw$' '^DeviceAllow=char-dax rw$' \
		'^NoNewPrivileges=yes$' '^Restart=on-failure$' \
		'^CapabilityBoundingSet=.*CAP_SYS_ADMIN'; do
		grep -qE "$want" "$u" || fail "unit lacks $want"
	done
	# These give the unit its own mount namespace: the mount would be
	# invisible to the host (systemd.exec(5)).
	for bad in ProtectSystem ProtectHome PrivateTmp PrivateDevices \
		PrivateMounts ReadWritePaths ReadOnlyPaths InaccessiblePaths \
		ProtectKernelTunables ProtectKernelModules ProtectKernelLogs \
		ProtectControlGroups ProtectProc TemporaryFileSystem BindPaths \
		MountFlags RootDirectory; do
		grep -qE "^$bad=" "$u" && fail "$bad= would hide the mount"
	done
	unit_checked=yes
fi

# -- Kubernetes Pod ---------------------------------------------------------------
$PY - "$dist/k8s/famfsd-sidecar.yaml" <<'EOF'
import sys
try:
    import yaml
except ImportError:
    sys.exit("dist: python3 yaml module missing (python3-yaml, scripts/deps.sh)")
docs = list(yaml.safe_load_all(open(sys.argv[1])))
assert len(docs) == 1, "one document"
pod = docs[0]
assert pod["apiVersion"] == "v1" and pod["kind"] == "Pod", "a v1 Pod"
spec = pod["spec"]
vols = {v["name"]: v for v in spec["volumes"]}
side = [c for c in spec.get("initContainers", []) + spec["containers"]
        if c["name"] == "famfsd"]
assert len(side) == 1, "one famfsd container"
side = side[0]
assert side["securityContext"].get("privileged") is True, "privileged sidecar"
apps = [c for c in spec["containers"] if c["name"] != "famfsd"]
assert apps, "an app container"

def mounts(c):
    return {m["mountPath"]: m for m in c.get("volumeMounts", [])}

for c in [side] + apps:
    for m in c.get("volumeMounts", []):
        assert m["name"] in vols, "%s mounts unknown volume %s" % (c["name"], m["name"])
sm = mounts(side)
for dev in ("/dev/fuse", "/dev/dax0.0"):
    v = vols[sm[dev]["name"]]
    assert v["hostPath"]["type"] == "CharDevice" and v["hostPath"]["path"] == dev, dev
mnt = side["args"][-1]
assert sm[mnt].get("mountPropagation") == "Bidirectional", "sidecar propagation"
for a in apps:
    am = mounts(a)
    assert am[mnt]["name"] == sm[mnt]["name"], "app shares the mount volume"
    assert am[mnt].get("mountPropagation") == "HostToContainer", "app propagation"
assert "/opt/famfs" in sm, "host system uuid shared"
if "initContainers" in spec and side in spec["initContainers"]:
    assert side.get("restartPolicy") == "Always", "native sidecar"
print("dist: pod manifest ok")
EOF

# -- Containerfile ------------------------------------------------------------------
cf=$dist/Containerfile
grep -qE '^FROM debian:12' "$cf" || fail "Containerfile: not Debian 12"
grep -qE '^ENTRYPOINT \["/usr/sbin/famfsd", "-f"\]' "$cf" ||
	fail "Containerfile: entrypoint is not famfsd -f"
# Every COPY source from the build context must exist in the repository.
n=0
while read -r -a w; do
	[ "${w[0]:-}" = COPY ] || continue
	case "${w[1]}" in --from=*) continue ;; esac
	for ((i = 1; i < ${#w[@]} - 1; i++)); do
		[ -e "$FAMFS_SRC/${w[i]}" ] ||
			fail "Containerfile copies ${w[i]}, which does not exist"
		n=$((n + 1))
	done
done <"$cf"
[ $n -ge 4 ] || fail "Containerfile: only $n COPY sources found"
# Binaries copied out of the build stage are what meson installs there.
grep -q "install_dir : get_option('sbindir')" "$FAMFS_SRC/daemon/meson.build" ||
	fail "famfsd is not installed to sbindir"
log "ok (unit verified: $unit_checked)"
