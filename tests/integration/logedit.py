# SPDX-License-Identifier: Apache-2.0
"""Edit and inspect the log of a famfs image, byte-exactly (tests only).

    logedit.py files IMG          "J K": first and last one-extent FILE entry
    logedit.py dup IMG K J        entry K takes entry J's path (CRC resealed)
    logedit.py flip IMG K         xor one byte inside entry K (CRC not fixed;
                                  running it again restores the entry)
    logedit.py twice IMG          allocation units that two good FILE entries
                                  both map, as upstream famfs's fsck counts
"""
import struct
import sys
import zlib

LOG = 2 << 20
ENT = 544
AU = 2 << 20


def off(i):
    return LOG + 48 + ENT * i


def entries(f):
    f.seek(LOG)
    hdr = f.read(48)
    n = struct.unpack_from("<Q", hdr, 40)[0]
    for i in range(n):
        f.seek(off(i))
        yield i, bytearray(f.read(ENT))


def good_file(e):
    crc = struct.unpack_from("<Q", e, 536)[0]
    return struct.unpack_from("<I", e, 8)[0] == 0 and crc == zlib.crc32(bytes(e[:536]))


def extents(e):
    ext_type, _, n, _ = struct.unpack_from("<IIII", e, 120)
    if ext_type == 1:
        ns = struct.unpack_from("<Q", e, 136)[0]
        return [struct.unpack_from("<QQQ", e, 152 + 24 * s) for s in range(min(ns, 16))]
    return [struct.unpack_from("<QQQ", e, 136 + 24 * s) for s in range(min(n, 16))]


def reseal(f, i, e):
    struct.pack_into("<Q", e, 536, zlib.crc32(bytes(e[:536])))
    f.seek(off(i))
    f.write(e)


def main():
    cmd, img = sys.argv[1], sys.argv[2]
    with open(img, "r+b") as f:
        if cmd == "files":
            idx = [i for i, e in entries(f) if good_file(e)
                   and struct.unpack_from("<II", e, 120) == (0, 0)
                   and struct.unpack_from("<I", e, 128)[0] == 1]
            print(idx[0], idx[-1])
        elif cmd == "dup":
            k, j = int(sys.argv[3]), int(sys.argv[4])
            ents = dict(entries(f))
            e = ents[k]
            e[40:120] = ents[j][40:120]
            reseal(f, k, e)
        elif cmd == "flip":
            f.seek(off(int(sys.argv[3])) + 100)
            b = f.read(1)[0]
            f.seek(off(int(sys.argv[3])) + 100)
            f.write(bytes([b ^ 0x01]))
        elif cmd == "twice":
            seen, twice = set(), 0
            for _, e in entries(f):
                if not good_file(e):
                    continue
                for dev, o, n in extents(e):
                    for u in range(o // AU, (o + n) // AU):
                        if (dev, u) in seen:
                            twice += 1
                        seen.add((dev, u))
            print(twice)
        else:
            sys.exit("logedit: unknown command " + cmd)


if __name__ == "__main__":
    main()
