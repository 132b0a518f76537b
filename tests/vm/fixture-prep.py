#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Build the NVDIMM backing file for the fixture scenario.

usage: fixture-prep.py FIXTURES_DIR NAME NVDIMM_FILE LIST_FILE

The NVDIMM file is sparse, device_size + 16 MiB long (the region must be
16 MiB aligned; label-less devdax with map=mem puts dax offset 0 at file
offset 2 MiB, so the device is device_size + 14 MiB; the guest formats the
namespace, which only writes its info block below 2 MiB). The fixture's
meta region goes to dax offset 0 and every file's data pattern
(fixtures/README.md: byte i = (i * 131 + len(path)) % 251) to its extents.
LIST_FILE gets one "size path" line per file for the guest to check.
"""
import json
import lzma
import os
import sys

MIB = 1 << 20
BASE = 2 * MIB  # file offset of dax offset 0


def pattern(plen, off, n):
    unit = bytes(((off + k) * 131 + plen) % 251 for k in range(251))
    return (unit * (n // 251 + 1))[:n]


def main():
    fixdir, name, nv, listfile = sys.argv[1:5]
    path = os.path.join(fixdir, name + ".manifest.json")
    if os.path.exists(path):
        man = json.load(open(path))
    else:
        man = json.load(lzma.open(path + ".xz"))
    meta = lzma.open(os.path.join(fixdir, name + ".meta.xz")).read()
    with open(nv, "wb") as f:
        f.truncate(man["device_size"] + 16 * MIB)
        f.seek(BASE)
        f.write(meta)
        lines = []
        for e in man["entries"]:
            if e["kind"] != "file":
                continue
            plen, size = len(e["path"].encode()), e["size"]
            lines.append("%d %s" % (size, e["path"]))
            if e["ext_type"] == "simple":
                fo = 0
                for x in e["extents"]:
                    n = min(x["len"], size - fo)
                    if n <= 0:
                        break
                    f.seek(BASE + x["offset"])
                    f.write(pattern(plen, fo, n))
                    fo += n
            else:
                ie = e["interleaved_extents"][0]
                ch, ns, st = ie["chunk_size"], ie["nstrips"], ie["strips"]
                for c in range((size + ch - 1) // ch):
                    n = min(ch, size - c * ch)
                    f.seek(BASE + st[c % ns]["offset"] + (c // ns) * ch)
                    f.write(pattern(plen, c * ch, n))
    with open(listfile, "w") as g:
        g.write("\n".join(lines) + "\n")
    print("fixture %s: %d files, device %d MiB" %
          (name, len(lines), man["device_size"] // MIB))


main()
