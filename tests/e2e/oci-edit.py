#!/usr/bin/env python3
"""Layer tars for the image baseline tests (tests/e2e/lib-oci.sh).

  oci-edit.py retar SRC.tgz DST.tgz MEMBER   SRC's members, MEMBER's content replaced, gzipped again
  oci-edit.py layer CASE DST.tar             a layer tar: a valid one or a hostile case

Cases: base (dirs, a file, a symlink 'lnk' -> /etc, an absolute symlink),
dotdot ('../evil'), absolute ('/etc/evil'), via-symlink ('lnk/passwd' below
base's symlink), in-layer-symlink (a symlink and a member below it in one
layer), whiteout-dotdot ('dir/.wh..'), whiteout-via-symlink ('lnk/.wh.passwd'),
huge (a member declaring 10 GB with 512 bytes of data), link-nothing (a
hardlink to a member that does not exist), opaque (layer 2: 'dir' made opaque,
'dir/new' added, '.wh.file' removes base's file).
"""
import gzip
import io
import sys
import tarfile


def add(t, name, data=None, kind=tarfile.REGTYPE, target="", mode=0o644, size=None):
    m = tarfile.TarInfo(name)
    m.type = kind
    m.mode = mode
    m.mtime = 1700000000
    m.linkname = target
    if kind == tarfile.DIRTYPE:
        m.mode = 0o755
    if data is not None:
        m.size = len(data) if size is None else size
        t.addfile(m, io.BytesIO(data))
    else:
        t.addfile(m)


def layer(case, out):
    buf = io.BytesIO()
    t = tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT)
    if case == "base":
        add(t, "dir", kind=tarfile.DIRTYPE)
        add(t, "dir/file", b"one\n")
        add(t, "dir/sub", kind=tarfile.DIRTYPE)
        add(t, "dir/sub/deep", b"deep\n")
        add(t, "file", b"top\n")
        add(t, "lnk", kind=tarfile.SYMTYPE, target="/etc")
    elif case == "opaque":
        add(t, "dir", kind=tarfile.DIRTYPE)
        add(t, "dir/.wh..wh..opq", b"")
        add(t, "dir/new", b"new\n")
        add(t, ".wh.file", b"")
    elif case == "dotdot":
        add(t, "../evil", b"x\n")
    elif case == "absolute":
        add(t, "/etc/evil", b"x\n")
    elif case == "via-symlink":
        add(t, "lnk/passwd", b"root::0:0::/:/bin/sh\n")
    elif case == "in-layer-symlink":
        add(t, "up", kind=tarfile.SYMTYPE, target="..")
        add(t, "up/escaped", b"x\n")
    elif case == "whiteout-dotdot":
        add(t, "dir/.wh..", b"")
    elif case == "whiteout-via-symlink":
        add(t, "lnk/.wh.passwd", b"")
    elif case == "link-nothing":
        add(t, "hard", kind=tarfile.LNKTYPE, target="nothing/here")
    elif case == "huge":
        m = tarfile.TarInfo("huge")
        m.size = 10 * 1000 * 1000 * 1000
        m.mtime = 1700000000
        buf.write(m.tobuf(format=tarfile.GNU_FORMAT))
        buf.write(b"A" * 512)
        open(out, "wb").write(buf.getvalue())
        return
    else:
        sys.exit("unknown case " + case)
    t.close()
    open(out, "wb").write(buf.getvalue())


def retar(src, dst, member):
    s = tarfile.open(fileobj=io.BytesIO(gzip.open(src).read()))
    out = io.BytesIO()
    d = tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT)
    for m in s.getmembers():
        data = s.extractfile(m).read() if m.isfile() else None
        if m.name.rstrip("/").endswith(member):
            data = b"x" * len(data)
        d.addfile(m, io.BytesIO(data) if data is not None else None)
    d.close()
    with gzip.GzipFile(dst, "wb", mtime=0) as g:
        g.write(out.getvalue())


if __name__ == "__main__":
    if sys.argv[1] == "retar":
        retar(sys.argv[2], sys.argv[3], sys.argv[4])
    elif sys.argv[1] == "layer":
        layer(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
