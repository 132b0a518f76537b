#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write (fill) or verify (check) the fixture data pattern of every file in a
fixture manifest through a famfsd mount, and check each file's attributes
(size, mode, owner, inode number 16 + log index).
Usage: fixture_pattern.py MANIFEST MOUNTPOINT fill|check"""
import json
import os
import sys


def pattern(path, size):
    # byte i = (i*131 + len(path)) % 251: periodic with period 251.
    plen = len(path.encode())
    period = bytes((i * 131 + plen) % 251 for i in range(251))
    return (period * (size // 251 + 1))[:size]


def main():
    man, mnt, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    files = [e for e in json.load(open(man))['entries']
             if e.get('kind') == 'file']
    for e in files:
        fp = os.path.join(mnt, e['path'])
        data = pattern(e['path'], e['size'])
        if mode == 'fill':
            with open(fp, 'r+b') as f:
                f.write(data)
            continue
        st = os.stat(fp)
        got = (st.st_size, st.st_mode & 0o7777, st.st_uid, st.st_gid,
               st.st_ino)
        want = (e['size'], e['mode'], e['uid'], e['gid'], 16 + e['index'])
        assert got == want, (e['path'], got, want)
        with open(fp, 'rb') as f:
            assert f.read() == data, e['path'] + ': data differs'
    print(mode, len(files), 'files')


if __name__ == '__main__':
    main()
