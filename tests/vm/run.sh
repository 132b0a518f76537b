#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# tests/vm/run.sh: famfuse.ko (kernel/) and famfsd on a real devdax device,
# in QEMU guests that share one emulated NVDIMM (a sparse host file).
#
# usage: tests/vm/run.sh [SCENARIO...]   (default: all, in this order)
#   format    first guest: label-less NVDIMM -> /dev/dax0.0, devdax, map=mem
#   evil      test servers: guest/evilfs.c (OPEN-reply form) and
#             guest/evil47.c (7.47): good maps (read/write, mmap, device
#             translation, zero data upcalls), hostile maps, messages and
#             registrations (the documented errno + a dmesg reason, no
#             oops), and the mmap benchmark against /dev/dax0.0 itself
#   famfsd    famfsd passthrough and -d daemon on one guest (needs famfsd)
#   pair      two guests: A (master) and B (client) exchange data via mmap
#   fixture   a famfs fixture image written into the device, mounted
# Exit: 0 pass, 77 skip (packages cannot be fetched: said loudly), 1 fail.
# Env: FAMFSD_VM_CACHE (default /var/cache/famfsd-vm: downloads, kernel,
#      module, initramfs; reused), VM_KEEP=1 keeps the work dir (logs).
# Guests run with TCG (KVM only with kvm_intel/kvm_amd), at most two at once.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${FAMFSD_VM_CACHE:-/var/cache/famfsd-vm}
mkdir -p "$CACHE" && CACHE=$(cd "$CACHE" && pwd)
export FAMFSD_VM_CACHE=$CACHE
WORK=$(mktemp -d /tmp/famfsd-vm.XXXXXX)
SCEN=${*:-format evil famfsd pair fixture}
T0=$(date +%s)
# shellcheck source=../../kernel/apt-backports.sh
. "$REPO/kernel/apt-backports.sh"
log() { echo "[vm $(date +%T) +$(($(date +%s) - T0))s] $*" >&2; }
cleanup() { [ "${VM_KEEP:-0}" = 1 ] && log "logs kept in $WORK" || rm -rf "$WORK"; }
trap cleanup EXIT
skip() {
	echo "########################################################" >&2
	echo "## VM SUITE SKIPPED: $*" >&2
	echo "########################################################" >&2
	exit 77
}

# ---- host packages ----------------------------------------------------------
PKGS="qemu-system-x86 busybox-static ndctl daxctl cpio kmod xz-utils zstd gcc make libfuse3-dev pkg-config file"
need=0
for c in qemu-system-x86_64 cpio depmod modprobe xz zstd gcc make ndctl pkg-config file; do
	command -v $c >/dev/null || need=1
done
[ -f /bin/busybox ] && file -L /bin/busybox | grep -q static || need=1
[ -f /usr/lib/x86_64-linux-gnu/libfuse3.a ] || need=1
if [ $need = 1 ]; then
	log "installing host packages: $PKGS"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $PKGS \
		>"$WORK/apt.log" 2>&1 || skip "apt-get install $PKGS failed (see below)
$(tail -5 "$WORK/apt.log")"
fi

# ---- guest kernel (never installed) -----------------------------------------
bp_init || skip "cannot reach bookworm-backports through apt (host apt sources)"
KDIR=$CACHE/kernel-$KVER
if [ ! -f "$KDIR/.done" ]; then
	bp_download "linux-image-$KREL-unsigned" ||
		skip "cannot download linux-image-$KREL-unsigned"
	rm -rf "$KDIR"
	mkdir -p "$KDIR"
	dpkg-deb -x "$CACHE/debs/linux-image-$KREL-unsigned_"*.deb "$KDIR" || exit 1
	depmod -b "$KDIR" "$KREL" || exit 1
	touch "$KDIR/.done"
fi
VMLINUZ=$KDIR/boot/vmlinuz-$KREL
log "guest kernel $KREL"

# ---- famfuse.ko (rebuilt only when kernel/ changes) -------------------------
sum=$( (cd "$REPO" && cat kernel/build.sh kernel/apt-backports.sh kernel/patches/* \
	kernel/fuse-dax/* include/famfs/fuse_dax.h) | sha1sum | cut -c1-12)
KO=$CACHE/famfuse-$sum/famfuse.ko
if [ ! -f "$KO" ]; then
	"$REPO/kernel/build.sh" "$CACHE/famfuse-$sum" >"$WORK/build-ko.log"
	rc=$?
	[ $rc = 77 ] && skip "kernel/build.sh could not fetch its packages"
	[ $rc = 0 ] || { cat "$WORK/build-ko.log" >&2; log "FAIL: famfuse.ko build"; exit 1; }
fi
log "famfuse.ko $(modinfo -F vermagic "$KO" | cut -d' ' -f1) ($sum)"

# ---- guest binaries --------------------------------------------------------
BIN=$WORK/bin
mkdir -p "$BIN"
for srv in evilfs evil47; do
	gcc -O2 -Wall -Wextra -Werror -Wno-missing-field-initializers -static \
		-I"$REPO/include" -o "$BIN/$srv" "$HERE/guest/$srv.c" || exit 1
done
gcc -O2 -Wall -Wextra -Werror -static -o "$BIN/dptest" "$HERE/guest/dptest.c" || exit 1
FAMFSD=
if [ -f "$REPO/daemon/meson.build" ]; then
	# own build dir for the VM (no sanitizers), inside this checkout: a
	# meson build dir belongs to one source tree, so a shared cache would
	# build some other checkout's famfsd. Only what the guests need, -j2.
	B=$REPO/build-vm
	if { [ -f "$B/build.ninja" ] || meson setup "$B" "$REPO" -Dwerror=true; } \
		>"$WORK/famfsd-build.log" 2>&1 &&
		ninja -C "$B" -j2 daemon/famfsd tests/integration/mkimage \
			>>"$WORK/famfsd-build.log" 2>&1; then
		FAMFSD=$B/daemon/famfsd
	else
		cat "$WORK/famfsd-build.log" >&2
		log "FAIL: famfsd build"
		exit 1
	fi
fi

# ---- initramfs ---------------------------------------------------------------
R=$WORK/root
MODS="nfit nd_pmem dax_pmem device_dax"
mkdir -p "$R"/{bin,sbin,etc,proc,sys,dev,tmp,run,mnt,usr/local/bin,lib/modules,var/lib}
cp /bin/busybox "$R/bin/"
install -m755 "$HERE/guest/init" "$R/init"
: >"$R/etc/vm-modules"
for f in $(for m in $MODS; do
	modprobe -C /dev/null -d "$KDIR" -S "$KREL" --show-depends "$m" |
		awk '$1 == "insmod" {print $2}'
done | awk '!seen[$0]++'); do
	b=$(basename "$f")
	b=${b%.xz}
	b=${b%.zst}
	case $f in # busybox insmod cannot decompress
	*.xz) xz -dc "$f" >"$R/lib/modules/$b" ;;
	*.zst) zstd -qdc "$f" >"$R/lib/modules/$b" ;;
	*) cp "$f" "$R/lib/modules/$b" ;;
	esac
	echo "$b" >>"$R/etc/vm-modules"
done
cp "$KO" "$R/lib/modules/famfuse.ko"
echo famfuse.ko >>"$R/etc/vm-modules"
# copy a dynamically linked program with its libraries (loader executable)
with_libs() {
	install -D -m755 "$1" "$R/usr/local/bin/$(basename "$1")"
	for l in $(ldd "$1" | awk '/=>/ {print $3} /^\t\// {print $1}'); do
		[ -f "$R$l" ] || install -D -m755 "$l" "$R$l"
	done
}
with_libs /usr/bin/ndctl
# glibc dlopens libgcc_s for pthread_cancel (libfuse's thread pool): ldd
# does not list it
l=$(gcc -print-file-name=libgcc_s.so.1)
install -D -m644 "$(readlink -f "$l")" "$R/lib/x86_64-linux-gnu/libgcc_s.so.1"
cp "$BIN"/* "$R/usr/local/bin/"
[ -n "$FAMFSD" ] && with_libs "$FAMFSD"
cp "$HERE"/scenarios/lib.sh "$R/etc/"
(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$WORK/base.cpio"
log "initramfs $(du -h "$WORK/base.cpio" | cut -f1): modules $(tr '\n' ' ' <"$R/etc/vm-modules")"

# ---- guests ------------------------------------------------------------------
ACCEL="-accel tcg,thread=multi -cpu max"
if [ -w /dev/kvm ] && { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; }; then
	ACCEL="-accel kvm -cpu host"
fi
IMG=$WORK/nvdimm.img
NVSIZE=${VM_NVDIMM_SIZE:-1G}

# guest NAME SCENARIO [APPEND] [IMG]: boot one guest, run scenarios/SCENARIO.sh
guest() {
	local name=$1 scen=$2 append=${3:-} img=${4:-$IMG} d=$WORK/$1 t rc
	mkdir -p "$d/root"
	install -m755 "$HERE/scenarios/$scen.sh" "$d/root/scenario.sh"
	[ -d "$WORK/extra-$scen" ] && cp -a "$WORK/extra-$scen"/. "$d/root/"
	(cd "$d/root" && find . | cpio -o -H newc --quiet) >"$d/run.cpio"
	cat "$WORK/base.cpio" "$d/run.cpio" >"$d/initrd"
	local bytes mem=${VM_MEM:-1024}
	bytes=$(stat -c %s "$img")
	t=$(date +%s.%N)
	# shellcheck disable=SC2086
	timeout -k 5 "${VM_TIMEOUT:-400}" qemu-system-x86_64 -name "$name" $ACCEL \
		-machine pc,nvdimm=on -smp 1 \
		-m "${mem}M,slots=2,maxmem=$((mem + bytes / 1048576 + 1024))M" \
		-object "memory-backend-file,id=nv0,share=on,mem-path=$img,size=$bytes" \
		-device nvdimm,memdev=nv0,id=nvdimm0 \
		-nodefaults -no-user-config -display none -serial stdio -no-reboot \
		-kernel "$VMLINUZ" -initrd "$d/initrd" \
		-append "console=ttyS0 panic=-1 quiet vm.name=$name $append" \
		</dev/null 2>&1 | tr -d '\r' >"$d/console.log"
	rc=$(sed -n 's/^VM-EXIT=\([0-9]*\).*/\1/p' "$d/console.log" | tail -1)
	printf '%s: %s in %ss\n' "$name" "$([ "${rc:-x}" = 0 ] && echo PASS || echo "FAIL (${rc:-no exit status})")" \
		"$(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')" >>"$WORK/summary"
	[ "${rc:-x}" = 0 ]
}
show() { # the scenario's own lines, without kernel noise
	grep -E '^(OK|FAIL|INFO|BENCH|RATIO|REG|INIT|dptest|evilfs|famfsd|VM-|SKIP)' "$WORK/$1/console.log" |
		sed "s/^/  $1| /"
}

UUID_A=aaaaaaaa-1111-2222-3333-00000000000a
UUID_B=bbbbbbbb-1111-2222-3333-00000000000b
# famfs_image UUID: $WORK/famfs.nv = the formatted NVDIMM (devdax info block
# at 4 KiB) + a fresh famfs whose master is UUID, written at dax offset 0
# (file offset 2 MiB with map=mem). Sparse all the way.
famfs_image() {
	local mkimage=$REPO/build-vm/tests/integration/mkimage
	[ -f "$WORK/formatted.nv" ] || { log "famfs_image: run the format scenario first"; return 1; }
	echo "$1" >"$WORK/uuid"
	rm -f "$WORK/famfs.img"
	"$mkimage" "$WORK/famfs.img" "$(($(stat -c %s "$WORK/formatted.nv") / 1048576 - 2))" \
		"$WORK/uuid" || return 1
	cp --sparse=always "$WORK/formatted.nv" "$WORK/famfs.nv"
	dd if="$WORK/famfs.img" of="$WORK/famfs.nv" bs=1M seek=2 conv=notrunc,sparse status=none
	rm -f "$WORK/famfs.img"
}

fail=0
for s in $SCEN; do
	case $s in
	format)
		rm -f "$IMG"
		truncate -s "$NVSIZE" "$IMG"
		guest format format || fail=1
		show format
		cp --sparse=always "$IMG" "$WORK/formatted.nv"
		;;
	evil)
		guest evil evil || fail=1
		show evil
		;;
	famfsd)
		if [ -z "$FAMFSD" ]; then
			log "famfsd scenarios: no daemon/ in this tree yet: SKIPPED (not counted)"
			continue
		fi
		famfs_image "$UUID_A" || { fail=1; continue; }
		guest famfsd famfsd "vm.uuid=$UUID_A" "$WORK/famfs.nv" || fail=1
		show famfsd
		;;
	pair)
		[ -z "$FAMFSD" ] && continue
		famfs_image "$UUID_A" || { fail=1; continue; }
		guest pairA pair "vm.role=A vm.uuid=$UUID_A" "$WORK/famfs.nv" &
		pa=$!
		guest pairB pair "vm.role=B vm.uuid=$UUID_B" "$WORK/famfs.nv" &
		pb=$!
		wait $pa || fail=1
		wait $pb || fail=1
		show pairA
		show pairB
		;;
	fixture)
		[ -z "$FAMFSD" ] && continue
		# v48-basic: 8 GiB device (128 MiB of guest RAM for struct pages),
		# simple and interleaved files; this guest formats its own NVDIMM
		mkdir -p "$WORK/extra-fixture/etc"
		"$HERE/fixture-prep.py" "${FAMFS_FIXTURES:-$REPO/../shared/fixtures}" v48-basic \
			"$WORK/fixture.nv" "$WORK/extra-fixture/etc/fixture.list" || { fail=1; continue; }
		guest fixture fixture "vm.uuid=$UUID_B" "$WORK/fixture.nv" || fail=1
		show fixture
		;;
	*)
		log "unknown scenario $s"
		fail=1
		;;
	esac
done
echo "---- VM suite summary ($ACCEL, $(($(date +%s) - T0)) s total)"
cat "$WORK/summary" 2>/dev/null
if [ $fail != 0 ]; then
	VM_KEEP=1
	echo "VM suite: FAIL (console logs in $WORK/*/console.log)"
	exit 1
fi
echo "VM suite: PASS"
exit 0
