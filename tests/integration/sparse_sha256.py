#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""SHA-256 of a sparse file without reading its holes (they hash as zeros).
Usage: sparse_sha256.py FILE"""
import hashlib
import os
import sys

CHUNK = 1 << 20
ZEROS = bytes(CHUNK)


def main():
    h = hashlib.sha256()
    fd = os.open(sys.argv[1], os.O_RDONLY)
    size = os.fstat(fd).st_size
    pos = 0
    while pos < size:
        try:
            data = os.lseek(fd, pos, os.SEEK_DATA)
        except OSError:
            data = size  # only a hole is left
        while pos < data:  # hole: zeros
            n = min(CHUNK, data - pos)
            h.update(ZEROS[:n])
            pos += n
        if pos >= size:
            break
        hole = os.lseek(fd, pos, os.SEEK_HOLE)
        while pos < hole:
            buf = os.pread(fd, min(CHUNK, hole - pos), pos)
            h.update(buf)
            pos += len(buf)
    print(h.hexdigest())


if __name__ == '__main__':
    main()
