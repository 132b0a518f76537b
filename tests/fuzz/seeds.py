#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write fuzz seed corpora derived from the fixture images.

usage: seeds.py FIXTURES_DIR OUT_DIR
Creates OUT_DIR/{header,image,entry}/ with small inputs in the layouts of
tests/fuzz/harness.h. Nothing here is committed: it runs before fuzzing.
"""
import glob
import lzma
import os
import struct
import sys

SB_LEN = 200
HDR_LEN = 48
ENT_LEN = 544
LOG_OFF = 2 << 20
FIX_SB_CRC, FIX_HDR_CRC, FIX_ENTRY_CRC = 0x01, 0x02, 0x04
FIX_SEQNUM, FIX_NEXT, FIX_LOGLEN = 0x08, 0x10, 0x20


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    fixtures, out = sys.argv[1], sys.argv[2]
    for t in ("header", "image", "entry", "alloc"):
        os.makedirs(os.path.join(out, t), exist_ok=True)
    for xzpath in sorted(glob.glob(os.path.join(fixtures, "*.meta.xz"))):
        name = os.path.basename(xzpath)[: -len(".meta.xz")]
        meta = lzma.open(xzpath).read()
        sb = meta[:SB_LEN]
        version = struct.unpack_from("<Q", sb, 8)[0]
        dev_size = struct.unpack_from("<Q", sb, 112)[0]
        log = meta[LOG_OFF:]
        hdr = log[:HDR_LEN]
        nused = struct.unpack_from("<Q", hdr, 40)[0]

        write(os.path.join(out, "header", name),
              bytes([0]) + sb + hdr + struct.pack("<Q", dev_size))
        write(os.path.join(out, "header", name + "-fixed"),
              bytes([0x3f]) + sb + hdr + struct.pack("<Q", 0))

        def entry(i):
            off = HDR_LEN + ENT_LEN * i
            return log[off:off + ENT_LEN]

        for n in (2, 8, 40):
            n = min(n, nused)
            body = sb + hdr + b"".join(entry(i) for i in range(n))
            write(os.path.join(out, "image", "%s-%d" % (name, n)),
                  bytes([FIX_NEXT, 0xff]) + body)
            write(os.path.join(out, "image", "%s-%d-fixed" % (name, n)),
                  bytes([0x3f, 0xff]) + body)

        # alloc: the image with a mix of operations in front (see
        # tests/fuzz/harness.h): allocate, grow, trim, release, log.
        ops = bytes([0, 3, 0, 1, 20, 5, 2, 7, 0, 5, 0, 1, 0, 9, 1, 3, 30, 0,
                     5, 2, 0, 4, 0, 0, 0, 1, 1, 5, 0, 0])
        for n in (8, 40):
            n = min(n, nused)
            body = sb + hdr + b"".join(entry(i) for i in range(n))
            write(os.path.join(out, "alloc", "%s-%d" % (name, n)),
                  bytes([0x3f, 0xff, len(ops) // 3]) + ops + body)

        geo = 1 if version == 47 else 0
        for i in list(range(min(nused, 40))):
            e = entry(i)
            etype = struct.unpack_from("<I", e, 8)[0]
            g = geo
            if etype == 3:
                g |= 0  # ADD_DAXDEV #1 needs exactly one known device
            write(os.path.join(out, "entry", "%s-%d" % (name, i)),
                  bytes([0, g, i]) + e)


if __name__ == "__main__":
    main()
