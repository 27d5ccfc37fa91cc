"""One SFTP session confined to a folder: the client's paths are names inside it (``/`` is
the folder, ``..`` never climbs above it, links are neither followed nor listed), and each
request is answered from the file system (see the package's description)."""

from __future__ import annotations

import os
import posixpath
import stat
import struct
import sys
from typing import BinaryIO

from zhtj_tui.sftp.wire import (
    ATTRS,
    BAD_MESSAGE,
    CLOSE,
    DATA,
    DIR_BATCH,
    DIR_MODE,
    EOF,
    FAILURE,
    FILE_MODE,
    FSETSTAT,
    FSTAT,
    FXF_APPEND,
    FXF_CREAT,
    FXF_EXCL,
    FXF_READ,
    FXF_TRUNC,
    FXF_WRITE,
    HANDLE,
    INIT,
    LSTAT,
    MAX_FILE,
    MAX_HANDLES,
    MAX_PACKET,
    MAX_READ,
    MKDIR,
    NAME,
    NO_SUCH_FILE,
    OK,
    OP_UNSUPPORTED,
    OPEN,
    OPENDIR,
    PERMISSION_DENIED,
    READ,
    READDIR,
    READLINK,
    REALPATH,
    REMOVE,
    RENAME,
    RMDIR,
    SETSTAT,
    STAT,
    STATUS,
    SYMLINK,
    VERSION,
    WRITE,
    Reader,
    SftpError,
    long_name,
    os_error,
    pack_attrs,
    pack_string,
)


class SftpServer:
    """Serves one SFTP session confined to ``root`` over the binary streams given."""

    def __init__(self, root: str | os.PathLike, rfile: BinaryIO, wfile: BinaryIO):
        self.root = os.path.realpath(root)
        self.rfile, self.wfile = rfile, wfile
        self.handles: dict[bytes, dict] = {}
        self._next = 0

    # -- the folder ------------------------------------------------------------------------
    def virtual(self, path: str) -> str:
        """The client's path as a normalised path under ``/`` (``..`` stops at ``/``)."""
        if "\x00" in path:
            raise SftpError(BAD_MESSAGE, "Bad path")
        v = posixpath.normpath(posixpath.join("/", path))
        return "/" if v in ("/", "//") else "/" + v.lstrip("/")

    def real(self, path: str, follow_last: bool = True) -> str:
        """The file on disk for a client path. Every existing component must be a plain
        folder (or, last, a plain file) inside the root: a symbolic link anywhere is refused."""
        v = self.virtual(path)
        parts = [p for p in v.split("/") if p]
        current = self.root
        for i, part in enumerate(parts):
            current = os.path.join(current, part)
            try:
                st = os.lstat(current)
            except FileNotFoundError:
                break  # what does not exist yet (a new file or folder) cannot be a link
            except OSError as exc:
                raise os_error(exc) from None
            if stat.S_ISLNK(st.st_mode):
                raise SftpError(PERMISSION_DENIED, "Permission denied")
            last = i == len(parts) - 1
            if not last and not stat.S_ISDIR(st.st_mode):
                raise SftpError(NO_SUCH_FILE, "No such file")
            if last and not (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)):
                raise SftpError(PERMISSION_DENIED, "Permission denied")
        full = os.path.join(self.root, *parts)
        if os.path.commonpath([self.root, os.path.abspath(full)]) != self.root:  # pragma: no cover - by construction
            raise SftpError(PERMISSION_DENIED, "Permission denied")
        return full

    # -- the wire --------------------------------------------------------------------------
    def _read_exact(self, n: int) -> bytes | None:
        chunks, left = [], n
        while left:
            chunk = self.rfile.read(left)
            if not chunk:
                return None
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _send(self, kind: int, payload: bytes) -> None:
        self.wfile.write(struct.pack(">IB", len(payload) + 1, kind) + payload)
        self.wfile.flush()

    def _status(self, rid: int, code: int, message: str = "") -> None:
        self._send(STATUS, struct.pack(">II", rid, code) + pack_string(message or ("Success" if code == OK else ""))
                   + pack_string("en"))

    def serve(self) -> int:
        """Answer requests until the client closes the connection."""
        while True:
            head = self._read_exact(5)
            if head is None:
                break
            length, kind = struct.unpack(">IB", head)
            if length < 1 or length > MAX_PACKET:
                return 1
            body = self._read_exact(length - 1)
            if body is None:
                break
            if kind == INIT:
                self._send(VERSION, struct.pack(">I", 3))
                continue
            r = Reader(body)
            try:
                rid = r.u32()
            except SftpError:
                return 1
            try:
                self._dispatch(kind, rid, r)
            except SftpError as exc:
                self._status(rid, exc.code, exc.message)
            except OSError as exc:
                err = os_error(exc)
                self._status(rid, err.code, err.message)
        for h in list(self.handles.values()):
            if h.get("fd") is not None:
                os.close(h["fd"])
        return 0

    # -- requests --------------------------------------------------------------------------
    def _dispatch(self, kind: int, rid: int, r: Reader) -> None:
        handler = {
            OPEN: self._open, CLOSE: self._close, READ: self._read, WRITE: self._write,
            LSTAT: self._stat, STAT: self._stat, FSTAT: self._fstat, SETSTAT: self._setstat,
            FSETSTAT: self._fsetstat, OPENDIR: self._opendir, READDIR: self._readdir, REMOVE: self._remove,
            MKDIR: self._mkdir, RMDIR: self._rmdir, REALPATH: self._realpath, RENAME: self._rename,
        }.get(kind)
        if handler is None:
            # READLINK, SYMLINK, extensions: links could lead out of the folder.
            code = PERMISSION_DENIED if kind in (READLINK, SYMLINK) else OP_UNSUPPORTED
            self._status(rid, code, "Permission denied" if code == PERMISSION_DENIED else "Unsupported")
            return
        handler(rid, r)

    def _new_handle(self, entry: dict) -> bytes:
        if len(self.handles) >= MAX_HANDLES:
            raise SftpError(FAILURE, "Too many open files")
        self._next += 1
        h = str(self._next).encode()
        self.handles[h] = entry
        return h

    def _handle(self, r: Reader, kind: str) -> dict:
        entry = self.handles.get(r.string())
        if entry is None or entry["kind"] != kind:
            raise SftpError(FAILURE, "Invalid handle")
        return entry

    def _open(self, rid: int, r: Reader) -> None:
        path, pflags, _attrs_in = r.text(), r.u32(), r.attrs()
        real = self.real(path)
        flags = os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        if pflags & FXF_READ and pflags & FXF_WRITE:
            flags |= os.O_RDWR
        elif pflags & FXF_WRITE:
            flags |= os.O_WRONLY
        else:
            flags |= os.O_RDONLY
        if pflags & FXF_CREAT:
            flags |= os.O_CREAT
        if pflags & FXF_TRUNC:
            flags |= os.O_TRUNC
        if pflags & FXF_EXCL:
            flags |= os.O_EXCL
        if pflags & FXF_APPEND:
            flags |= os.O_APPEND
        if os.path.isdir(real):
            raise SftpError(FAILURE, "Is a directory")
        fd = os.open(real, flags, FILE_MODE)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise SftpError(PERMISSION_DENIED, "Permission denied")
        self._send(HANDLE, struct.pack(">I", rid) + pack_string(self._new_handle({"kind": "file", "fd": fd})))

    def _close(self, rid: int, r: Reader) -> None:
        entry = self.handles.pop(r.string(), None)
        if entry is None:
            raise SftpError(FAILURE, "Invalid handle")
        if entry["kind"] == "file":
            os.close(entry["fd"])
        self._status(rid, OK)

    def _read(self, rid: int, r: Reader) -> None:
        entry = self._handle(r, "file")
        offset, length = r.u64(), min(r.u32(), MAX_READ)
        data = os.pread(entry["fd"], length, offset)
        if not data:
            self._status(rid, EOF, "End of file")
            return
        self._send(DATA, struct.pack(">I", rid) + pack_string(data))

    def _write(self, rid: int, r: Reader) -> None:
        entry = self._handle(r, "file")
        offset, data = r.u64(), r.string()
        if offset + len(data) > MAX_FILE:
            raise SftpError(FAILURE, f"File too large (at most {MAX_FILE // 1024 // 1024} MB)")
        view = memoryview(data)
        while view:
            n = os.pwrite(entry["fd"], view, offset)
            view, offset = view[n:], offset + n
        self._status(rid, OK)

    def _stat(self, rid: int, r: Reader) -> None:
        real = self.real(r.text())
        self._send(ATTRS, struct.pack(">I", rid) + pack_attrs(os.lstat(real)))

    def _fstat(self, rid: int, r: Reader) -> None:
        entry = self._handle(r, "file")
        self._send(ATTRS, struct.pack(">I", rid) + pack_attrs(os.fstat(entry["fd"])))

    def _apply_times(self, target, attrs: dict) -> None:
        if "atime" in attrs:
            os.utime(target, (attrs["atime"], attrs["mtime"]))

    def _setstat(self, rid: int, r: Reader) -> None:
        real = self.real(r.text())
        attrs = r.attrs()
        if not os.path.exists(real):
            raise SftpError(NO_SUCH_FILE, "No such file")
        if "size" in attrs and os.path.isfile(real):
            if attrs["size"] > MAX_FILE:
                raise SftpError(FAILURE, "File too large")
            os.truncate(real, attrs["size"])
        self._apply_times(real, attrs)  # modes and owners stay as the folder needs them
        self._status(rid, OK)

    def _fsetstat(self, rid: int, r: Reader) -> None:
        entry = self._handle(r, "file")
        attrs = r.attrs()
        if "size" in attrs:
            if attrs["size"] > MAX_FILE:
                raise SftpError(FAILURE, "File too large")
            os.ftruncate(entry["fd"], attrs["size"])
        self._apply_times(entry["fd"], attrs)
        self._status(rid, OK)

    def _opendir(self, rid: int, r: Reader) -> None:
        real = self.real(r.text())
        if not os.path.isdir(real):
            raise SftpError(NO_SUCH_FILE, "No such file")
        names = []
        with os.scandir(real) as it:
            for e in it:
                try:
                    st = e.stat(follow_symlinks=False)
                except OSError:
                    continue
                if stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode):  # no links, devices, sockets
                    names.append((e.name, st))
        here = os.lstat(real)
        names = [(".", here), ("..", here), *sorted(names, key=lambda x: x[0])]
        self._send(HANDLE, struct.pack(">I", rid) + pack_string(self._new_handle({"kind": "dir", "names": names})))

    def _readdir(self, rid: int, r: Reader) -> None:
        entry = self._handle(r, "dir")
        batch, entry["names"] = entry["names"][:DIR_BATCH], entry["names"][DIR_BATCH:]
        if not batch:
            self._status(rid, EOF, "End of file")
            return
        out = [struct.pack(">II", rid, len(batch))]
        for name, st in batch:
            out.append(pack_string(name) + pack_string(long_name(name, st)) + pack_attrs(st))
        self._send(NAME, b"".join(out))

    def _remove(self, rid: int, r: Reader) -> None:
        real = self.real(r.text())
        if real == self.root or os.path.isdir(real):
            raise SftpError(FAILURE, "Is a directory")
        os.unlink(real)
        self._status(rid, OK)

    def _mkdir(self, rid: int, r: Reader) -> None:
        real = self.real(r.text())
        r.attrs()
        os.mkdir(real, DIR_MODE)
        self._status(rid, OK)

    def _rmdir(self, rid: int, r: Reader) -> None:
        real = self.real(r.text())
        if real == self.root:
            raise SftpError(PERMISSION_DENIED, "Permission denied")
        os.rmdir(real)
        self._status(rid, OK)

    def _realpath(self, rid: int, r: Reader) -> None:
        v = self.virtual(r.text() or ".")
        self._send(NAME, struct.pack(">II", rid, 1) + pack_string(v) + pack_string(v) + pack_attrs(None))

    def _rename(self, rid: int, r: Reader) -> None:
        old, new = self.real(r.text()), self.real(r.text())
        if self.root in (old, new):
            raise SftpError(PERMISSION_DENIED, "Permission denied")
        if os.path.lexists(new):
            raise SftpError(FAILURE, "File exists")  # SFTP v3: rename never replaces
        os.rename(old, new)
        self._status(rid, OK)


def serve_stdio(root: str | os.PathLike) -> int:
    """Serve the session on this process's standard input and output."""
    return SftpServer(root, sys.stdin.buffer, sys.stdout.buffer).serve()
