# SPDX-License-Identifier: Apache-2.0
"""Rebuild an upstream fixture as a sparse image, and check a mounted one
against its manifest (fixtures/README.md).

    fixture.py build FIXDIR NAME IMG      meta + pattern data (see DATA)
    fixture.py check FIXDIR NAME MNT INOS tree, stat fields, data bytes;
                                          writes "path ino" lines to INOS

Data is written and read back for every file of the small fixtures; for
the big ones only for a deterministic subset (DATA below), so the suite
stays fast. Every path and every stat field is checked for all fixtures.
"""
import json
import lzma
import os
import stat
import subprocess
import sys

SMALL_FILE = 64 * 1024


def load_manifest(fixdir, name):
    p = os.path.join(fixdir, name + ".manifest.json")
    if os.path.exists(p):
        with open(p) as f:
            return json.load(f)
    with lzma.open(p + ".xz") as f:
        return json.load(f)


def data_files(m):
    """Files whose data is written and checked."""
    files = [e for e in m["entries"] if e["kind"] == "file"]
    total = sum(e["size"] for e in files)
    if total <= 256 << 20:
        return files
    # Big fixtures: every small file, and every 40th file.
    return [e for i, e in enumerate(files)
            if e["size"] <= SMALL_FILE or i % 40 == 0]


def pattern(plen, off, n):
    base = bytes(((off + k) * 131 + plen) % 251 for k in range(251))
    return (base * (n // 251 + 1))[:n]


def pieces(e):
    """(file_offset, device_offset, length) runs covering [0, size)."""
    size = e["size"]
    if e["ext_type"] == "simple":
        fo = 0
        for x in e["extents"]:
            n = min(x["len"], size - fo)
            if n <= 0:
                break
            yield fo, x["offset"], n
            fo += n
    else:
        ie = e["interleaved_extents"][0]
        ch, ns, st = ie["chunk_size"], ie["nstrips"], ie["strips"]
        for c in range((size + ch - 1) // ch):
            n = min(ch, size - c * ch)
            yield c * ch, st[c % ns]["offset"] + (c // ns) * ch, n


def build(fixdir, name, img):
    m = load_manifest(fixdir, name)
    meta = subprocess.run(["xz", "-dc", os.path.join(fixdir, name + ".meta.xz")],
                          check=True, stdout=subprocess.PIPE).stdout
    if len(meta) != m["meta_len"]:
        sys.exit("fixture: %s: meta is %d bytes, manifest says %d"
                 % (name, len(meta), m["meta_len"]))
    with open(img, "wb") as f:
        f.truncate(m["device_size"])
        f.write(meta)
        for e in data_files(m):
            plen = len(e["path"].encode())
            for fo, do, n in pieces(e):
                # Chunks of at most 16 MiB keep memory small.
                done = 0
                while done < n:
                    k = min(n - done, 16 << 20)
                    f.seek(do + done)
                    f.write(pattern(plen, fo + done, k))
                    done += k


def check(fixdir, name, mnt, inos_out):
    m = load_manifest(fixdir, name)
    errors = []
    want = {}
    for e in m["entries"]:
        if e["kind"] in ("file", "dir"):
            want[e["path"]] = e
    seen = {}
    for top, dirs, files in os.walk(mnt):
        rel_top = os.path.relpath(top, mnt)
        if rel_top == ".":
            rel_top = ""
            if ".meta" in dirs:
                dirs.remove(".meta")
            else:
                errors.append(".meta missing at the root")
        for n in dirs + files:
            rel = os.path.join(rel_top, n) if rel_top else n
            seen[rel] = os.lstat(os.path.join(mnt, rel))
    for p in sorted(set(seen) - set(want)):
        errors.append("%s: in the mount, not in the manifest" % p)
    for p in sorted(set(want) - set(seen)):
        errors.append("%s: in the manifest, missing from the mount" % p)
    for p in sorted(set(want) & set(seen)):
        e, st = want[p], seen[p]
        isdir = e["kind"] == "dir"
        if isdir != stat.S_ISDIR(st.st_mode) or \
                (not isdir and not stat.S_ISREG(st.st_mode)):
            errors.append("%s: type %o, want %s" % (p, st.st_mode, e["kind"]))
        if stat.S_IMODE(st.st_mode) != e["mode"] & 0o7777:
            errors.append("%s: mode %o, want %o"
                          % (p, stat.S_IMODE(st.st_mode), e["mode"] & 0o7777))
        if st.st_uid != e["uid"] or st.st_gid != e["gid"]:
            errors.append("%s: owner %d:%d, want %d:%d"
                          % (p, st.st_uid, st.st_gid, e["uid"], e["gid"]))
        if not isdir and st.st_size != e["size"]:
            errors.append("%s: size %d, want %d" % (p, st.st_size, e["size"]))
    checked = 0
    for e in data_files(m):
        p = e["path"]
        if p not in seen:
            continue
        plen = len(p.encode())
        with open(os.path.join(mnt, p), "rb", buffering=0) as f:
            off = 0
            while True:
                b = f.read(4 << 20)
                if not b:
                    break
                if b != pattern(plen, off, len(b)):
                    k = next(i for i in range(len(b))
                             if b[i] != pattern(plen, off + i, 1)[0])
                    errors.append("%s: data differs at offset %d"
                                  % (p, off + k))
                    break
                off += len(b)
        if off != e["size"] and not errors:
            errors.append("%s: read %d bytes, size %d" % (p, off, e["size"]))
        checked += 1
    with open(inos_out, "w") as f:
        for p in sorted(seen):
            f.write("%s %d\n" % (p, seen[p].st_ino))
    for x in errors[:30]:
        print("fixture: %s: %s" % (name, x))
    if errors:
        print("fixture: %s: %d mismatches" % (name, len(errors)))
        return 1
    print("fixture: %s: %d paths, %d files' data match the manifest"
          % (name, len(seen), checked))
    return 0


def main():
    a = sys.argv[1:]
    if len(a) == 4 and a[0] == "build":
        build(a[1], a[2], a[3])
        return 0
    if len(a) == 5 and a[0] == "check":
        return check(a[1], a[2], a[3], a[4])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
