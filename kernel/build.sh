#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build famfuse.ko: fs/fuse of Debian's bookworm-backports 6.12 kernel with
# the dax passthrough hooks (kernel/patches) and kernel/fuse-dax/*, renamed
# so that it loads beside the kernel's built-in fuse.
#
# usage: kernel/build.sh [OUT_DIR]     (default: $CACHE/famfuse)
# env:   FAMFSD_VM_CACHE (default /var/cache/famfsd-vm), KVER (default: the
#        newest 6.12.*+deb12 in bookworm-backports)
# Prints the path of famfuse.ko on stdout. Exit 0 ok, 77 the packages cannot
# be fetched, 1 build error.
#
# Nothing is installed: linux-source, linux-headers and linux-kbuild are
# fetched with "apt-get download" (mirror taken from the host's apt sources)
# and unpacked under the cache. Only fs/fuse and drivers/dax/dax-private.h
# are taken from the source tarball.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
CACHE=${FAMFSD_VM_CACHE:-/var/cache/famfsd-vm}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
OUT=${1:-$CACHE/famfuse}
# shellcheck source=apt-backports.sh
. "$HERE/apt-backports.sh"

if ! bp_init; then
	bp_log "SKIP: cannot reach bookworm-backports through apt"
	exit 77
fi
SERIES=${KVER%.*}
KB=$CACHE/kbuild-$KVER
KDIR=$KB/usr/src/linux-headers-$KREL
SRC=$CACHE/src-$KVER

if [ ! -f "$KDIR/Module.symvers" ] || [ ! -f "$SRC/.done" ]; then
	if ! bp_download "linux-source-$SERIES" "linux-headers-$KREL" \
		"linux-headers-$KVER-common" "linux-kbuild-$KVER"; then
		bp_log "SKIP: cannot download the kernel source/headers packages"
		exit 77
	fi
fi

# headers + kbuild, unpacked; the arch Makefile includes the common one by
# its absolute /usr/src path
if [ ! -f "$KDIR/Module.symvers" ]; then
	rm -rf "$KB"
	mkdir -p "$KB"
	for p in "linux-headers-$KREL" "linux-headers-$KVER-common" "linux-kbuild-$KVER"; do
		dpkg-deb -x "$CACHE/debs/${p}_"*.deb "$KB"
	done
	sed -i "s|^include /usr/src/|include $KB/usr/src/|" "$KDIR/Makefile"
fi

# fs/fuse and dax-private.h from the same source version (one tar pass)
if [ ! -f "$SRC/.done" ]; then
	rm -rf "$SRC"
	mkdir -p "$SRC"
	bp_log "unpacking fs/fuse from linux-source-$SERIES"
	dpkg-deb --fsys-tarfile "$CACHE/debs/linux-source-${SERIES}_"*.deb |
		tar -xO "./usr/src/linux-source-$SERIES.tar.xz" |
		tar -xJ -C "$SRC" --strip-components=1 \
			"linux-source-$SERIES/fs/fuse" \
			"linux-source-$SERIES/drivers/dax/dax-private.h"
	touch "$SRC/.done"
fi

# private copy, hook patches, our files
rm -rf "$OUT"
mkdir -p "$OUT/famfs"
cp "$SRC"/fs/fuse/*.[ch] "$OUT/"
rm -f "$OUT/cuse.c" "$OUT/virtio_fs.c" # separate modules
for p in "$HERE"/patches/*.patch; do
	patch -s -d "$OUT" -p1 <"$p" || { echo "patch failed: $p" >&2; exit 1; }
done
cp "$HERE"/fuse-dax/*.[ch] "$OUT/"
cp "$SRC/drivers/dax/dax-private.h" "$OUT/"
cp "$REPO/include/famfs/fuse_dax.h" "$OUT/famfs/"

# Rename everything that clashes with the built-in fuse: module, fs types,
# misc device (dynamic minor), sysfs dir, slab caches, trace system, and
# drop the exports (vmlinux already exports those names).
cd "$OUT"
sed -i -e '/^EXPORT_SYMBOL\(_GPL\)\?(.*);$/d' ./*.c
sed -i -e 's/"fuse: " fmt/"famfuse: " fmt/' fuse_i.h
sed -i -e 's/^#define TRACE_SYSTEM fuse$/#define TRACE_SYSTEM famfuse/' fuse_trace.h
sed -i -e 's/\.name\t*= "fusectl"/.name = "famfusectl"/' \
	-e 's/MODULE_ALIAS_FS("fusectl")/MODULE_ALIAS_FS("famfusectl")/' control.c
sed -i -e 's/\.name\t*= "fuse",/.name = "famfuse",/' \
	-e 's/\.name\t*= "fuseblk",/.name = "famfuseblk",/' \
	-e 's/MODULE_ALIAS_FS("fuse\(blk\)\?")/MODULE_ALIAS_FS("famfuse\1")/' \
	-e 's/kmem_cache_create("fuse_inode"/kmem_cache_create("famfuse_inode"/' \
	-e 's/kobject_create_and_add("fuse", fs_kobj)/kobject_create_and_add("famfuse", fs_kobj)/' inode.c
sed -i -e 's/^MODULE_ALIAS_MISCDEV(FUSE_MINOR);$//' \
	-e 's/^MODULE_ALIAS("devname:fuse");$//' \
	-e 's/\.minor = FUSE_MINOR,/.minor = MISC_DYNAMIC_MINOR,/' \
	-e 's/\.name  = "fuse",/.name  = "famfuse",/' \
	-e 's/kmem_cache_create("fuse_request"/kmem_cache_create("famfuse_request"/' dev.c
for pat in '"famfusectl"' '"famfuse",' '"famfuseblk"' '"famfuse_inode"' \
	'"famfuse_request"' 'MISC_DYNAMIC_MINOR' 'TRACE_SYSTEM famfuse' \
	'kobject_create_and_add("famfuse"' '"famfuse: " fmt'; do
	grep -q "$pat" ./*.[ch] || { echo "rename failed: $pat" >&2; exit 1; }
done

cat >Kbuild <<'EOF'
ccflags-y := -I$(src)
obj-m := famfuse.o
famfuse-y := dev.o dir.o file.o inode.o control.o xattr.o acl.o readdir.o \
	     ioctl.o iomode.o passthrough.o dax_backing.o dax_passthrough.o \
	     extmap.o
famfuse-$(CONFIG_FUSE_DAX) += dax.o
EOF

MAKE_ARGS=()
# Debian enables BTF for modules, which needs pahole (dwarves); BTF only
# serves BPF, so do without it when pahole is missing.
command -v pahole >/dev/null || MAKE_ARGS+=(CONFIG_DEBUG_INFO_BTF_MODULES=)
bp_log "building famfuse.ko against $KREL"
if ! make -C "$KDIR" M="$OUT" -j2 "${MAKE_ARGS[@]}" modules >build.log 2>&1; then
	grep -E 'error|warning' build.log >&2 || tail -30 build.log >&2
	exit 1
fi
if grep -q 'warning:' build.log; then
	grep 'warning:' build.log >&2
	echo "famfuse.ko: compiler warnings (treated as errors)" >&2
	exit 1
fi
strip --strip-debug famfuse.ko
bp_log "built $(modinfo -F vermagic famfuse.ko)"
echo "$OUT/famfuse.ko"
