#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Flatten a fixture manifest (JSON, optionally .xz) into lines for C tests.

Every record is one line of space-separated tokens. Numbers are decimal,
UUIDs canonical, and strings (paths, names) are "h" + hex of their UTF-8
bytes, so spaces and any byte survive. Records:

  name H
  device_size N
  meta_len N
  capacity N
  sb magic version log_offset log_len alloc_unit omf_major omf_minor crc
     sb_flags daxdev_size fs_uuid dev_uuid system_uuid daxdev_uuid H(name)
  lh magic log_len last_index crc next_seqnum next_index
  counts files dirs add_daxdev interleaved_files
  D index seqnum type crc mode uid gid H(path)
  F index seqnum type crc mode uid gid size flags simple nextents H(path)
  F index seqnum type crc mode uid gid size flags interleave nextents
     nstrips chunk_size H(path)
  X devindex offset len            (extents / strips of the F above)
  A index seqnum type crc dd_size dd_index dd_uuid
  end N                            (number of entries)

Only the standard library is used. Missing keys are an error (exit 1).
"""
import json
import lzma
import sys


def h(s):
    return "h" + s.encode("utf-8").hex()


def main(path):
    opener = lzma.open if path.endswith(".xz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        m = json.load(f)
    out = []
    sb, lh, c = m["superblock"], m["log_header"], m["counts"]
    out.append("name %s" % h(m["name"]))
    out.append("device_size %d" % m["device_size"])
    out.append("meta_len %d" % m["meta_len"])
    out.append("capacity %d" % m["log_capacity_entries"])
    out.append("sb %d %d %d %d %d %d %d %d %d %d %s %s %s %s %s" % (
        sb["magic"], sb["version"], sb["log_offset"], sb["log_len"],
        sb["alloc_unit"], sb["omf_ver_major"], sb["omf_ver_minor"],
        sb["crc"], sb["sb_flags"], sb["daxdev_size"], sb["fs_uuid"],
        sb["dev_uuid"], sb["system_uuid"], sb["daxdev_uuid"],
        h(sb["daxdev_name"])))
    out.append("lh %d %d %d %d %d %d" % (
        lh["magic"], lh["log_len"], lh["last_index"], lh["crc"],
        lh["next_seqnum"], lh["next_index"]))
    out.append("counts %d %d %d %d" % (
        c["files"], c["dirs"], c["add_daxdev"], c["interleaved_files"]))
    for e in m["entries"]:
        head = "%d %d %d %d" % (e["index"], e["seqnum"], e["entry_type"],
                                e["entry_crc"])
        kind = e["kind"]
        if kind == "dir":
            out.append("D %s %d %d %d %s" % (head, e["mode"], e["uid"],
                                             e["gid"], h(e["path"])))
        elif kind == "file":
            attrs = "%d %d %d %d %d" % (e["mode"], e["uid"], e["gid"],
                                        e["size"], e["flags"])
            if e["ext_type"] == "simple":
                xs = e["extents"]
                out.append("F %s %s simple %d %s" % (
                    head, attrs, e["nextents"], h(e["path"])))
            elif e["ext_type"] == "interleave":
                ies = e["interleaved_extents"]
                if len(ies) != 1:
                    raise ValueError("entry %d: %d interleaved extents"
                                     % (e["index"], len(ies)))
                ie = ies[0]
                xs = ie["strips"]
                out.append("F %s %s interleave %d %d %d %s" % (
                    head, attrs, e["nextents"], ie["nstrips"],
                    ie["chunk_size"], h(e["path"])))
            else:
                raise ValueError("unknown ext_type %r" % e["ext_type"])
            for x in xs:
                out.append("X %d %d %d" % (x["devindex"], x["offset"],
                                           x["len"]))
        elif kind == "add_daxdev":
            out.append("A %s %d %d %s" % (head, e["dd_size"], e["dd_index"],
                                          e["dd_uuid"]))
        else:
            raise ValueError("unknown kind %r" % kind)
    out.append("end %d" % len(m["entries"]))
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.stderr.write("usage: manifest2txt.py MANIFEST.json[.xz]\n")
        sys.exit(2)
    try:
        main(sys.argv[1])
    except (OSError, KeyError, ValueError, TypeError) as err:
        sys.stderr.write("manifest2txt: %s: %r\n" % (sys.argv[1], err))
        sys.exit(1)
