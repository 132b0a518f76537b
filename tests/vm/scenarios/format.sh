# SPDX-License-Identifier: Apache-2.0
# First guest on a fresh NVDIMM file: raw namespace -> devdax, map=mem
# (struct pages in guest RAM, so two guests can share the file; dax offset 0
# is file offset 2 MiB). Later guests find /dev/dax0.0 at module load.
. /etc/lib.sh
if [ ! -e /dev/dax0.0 ]; then
	check "ndctl: devdax namespace, map=mem, align 2M" \
		ndctl create-namespace --force --reconfig=namespace0.0 \
		--mode=devdax --map=mem --align=2M
fi
check "/dev/dax0.0 exists" test -c /dev/dax0.0
echo "INFO dax0.0 size $(cat /sys/bus/dax/devices/dax0.0/size) align $(cat /sys/bus/dax/devices/dax0.0/align)"
finish
