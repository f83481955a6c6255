"""Where evidence bytes live: a small storage interface and its file-system implementation.

The service sees only `Storage`: `put` a stream and get back the key, the SHA-256 and the size
computed while the bytes went by; `open` a key for reading; ask whether it `exists`; `delete` it;
walk every key with `iter_keys` (to find files no record refers to). Keys are opaque to the service.

`FileSystemStorage` keeps each file under `root/ab/cd/<uuid>`:

- the bytes go first to a private temporary file in `root/tmp`, are fsynced, then appear at their
  final name in one step (a hard link, which never replaces an existing file), so a reader never
  sees half a file and nothing is ever overwritten;
- files are `0o600` and folders `0o700`: only the service's own account can read evidence;
- a stream longer than `max_bytes` stops at the first chunk past the limit (413), and its temporary
  file is removed; so is the temporary file of any other failure, a disconnected client included;
- a failing disk (unwritable folder, disk full, ...) is answered as `ServiceUnavailable` (503) with a
  detail that names no path; the cause goes to the log;
- every blocking call runs in a worker thread (`anyio.to_thread`), in chunks, never on the event loop.

An S3-compatible backend would implement the same protocol: `put` streams into a multipart upload
under a fresh random key (with `If-None-Match: *`, so nothing is overwritten; the hash and size are
computed while streaming, and an aborted or oversized upload is aborted on the server), `open`
streams a GetObject body, `exists` is HeadObject, `delete` DeleteObject and `iter_keys`
ListObjectsV2. Bucket versioning or Object Lock would add write-once protection for court use.
"""

import contextlib
import errno
import hashlib
import logging
import os
import re
import tempfile
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import anyio
from anyio import to_thread

from api.errors import PayloadTooLarge, ServiceUnavailable

logger = logging.getLogger("vigia.evidence.storage")

CHUNK_SIZE = 256 * 1024
FILE_MODE = 0o600
DIR_MODE = 0o700
_KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}$")
_TMP = "tmp"


@dataclass(frozen=True)
class StoredBlob:
    """What `put` stored: the key to find it again, and the SHA-256 and size of the bytes."""

    key: str
    sha256: bytes
    size: int


class BlobNotFound(LookupError):
    """No stored file under this key."""


class Storage(Protocol):
    async def put(self, stream: AsyncIterable[bytes], *, max_bytes: int) -> StoredBlob:
        """Store the stream's bytes under a new key; raise PayloadTooLarge past `max_bytes`."""
        ...

    async def open(self, key: str) -> AsyncIterator[bytes]:
        """The stored bytes, in chunks; raise BlobNotFound when the key holds nothing."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None:
        """Remove the file; a key that holds nothing is not an error."""
        ...

    def iter_keys(self) -> AsyncIterator[str]:
        """Every key stored (in no particular order)."""
        ...


def _unwritable(exc: OSError) -> ServiceUnavailable:
    logger.error("evidence store not writable: %s (errno %s)", type(exc).__name__, exc.errno)
    return ServiceUnavailable(
        detail="The evidence store cannot be written; nothing was saved. Try again later or tell an administrator.",
        headers={"Retry-After": "60"},
    )


def _unreadable(exc: OSError) -> ServiceUnavailable:
    logger.error("evidence store not readable: %s (errno %s)", type(exc).__name__, exc.errno)
    return ServiceUnavailable(
        detail="The evidence store cannot be read. Try again later or tell an administrator.",
        headers={"Retry-After": "60"},
    )


def _make_private_dir(path: Path) -> None:
    """Create `path` (and missing parents) as 0o700 folders; existing folders are left as they are."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(folder, DIR_MODE)  # mkdir's mode is narrowed by the umask, never widened; be exact
    if not path.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "not a folder")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write(file: BinaryIO, hasher: "hashlib._Hash", data: bytes) -> None:
    hasher.update(data)
    file.write(data)


def _sync_and_close(file: BinaryIO) -> None:
    try:
        file.flush()
        os.fsync(file.fileno())
    finally:
        file.close()


def _close_quietly(file: BinaryIO) -> None:
    with contextlib.suppress(OSError):
        file.close()


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        logger.error("could not remove an unfinished evidence file: %s (errno %s)", type(exc).__name__, exc.errno)


def _new_key() -> str:
    name = uuid.uuid4().hex
    return f"{name[:2]}/{name[2:4]}/{name}"


class FileSystemStorage:
    """Evidence files under a local folder (see the module's docstring for the guarantees)."""

    def __init__(self, root: Path) -> None:
        # Nothing touches the disk here: a missing or broken folder shows on the first write, as a 503.
        self.root = Path(root).absolute()

    def __repr__(self) -> str:
        return f"FileSystemStorage({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        # Keys come from our own records, but a key is never allowed to point outside the store.
        if not _KEY.fullmatch(key):
            raise ValueError("not a storage key of this store")
        return self.root / key

    # --- writing ------------------------------------------------------------------------------

    def _new_temp(self) -> tuple[BinaryIO, Path]:
        tmp_dir = self.root / _TMP
        _make_private_dir(tmp_dir)
        fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")  # mode 0o600
        return os.fdopen(fd, "wb"), Path(name)

    def _publish(self, tmp: Path, published: list[Path]) -> str:
        """Give the finished temporary file its final name, never replacing an existing file.

        The final path goes into `published` as soon as it exists, so that a caller cancelled while
        this thread ran can still remove it."""
        for _ in range(8):
            key = _new_key()
            final = self.root / key
            _make_private_dir(final.parent)
            try:
                os.link(tmp, final)
            except FileExistsError:
                continue
            except OSError as exc:
                # A file system without hard links: rename, after making sure the name is free.
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
                    raise
                if final.exists():
                    continue
                os.rename(tmp, final)
            published.append(final)
            try:
                tmp.unlink(missing_ok=True)
                os.chmod(final, FILE_MODE)
                _fsync_dir(final.parent)
            except BaseException:
                final.unlink(missing_ok=True)  # never leave a file whose put() failed
                raise
            return key
        raise FileExistsError(errno.EEXIST, "no free storage key")

    async def put(self, stream: AsyncIterable[bytes], *, max_bytes: int) -> StoredBlob:
        try:
            file, tmp = await to_thread.run_sync(self._new_temp)
        except OSError as exc:
            raise _unwritable(exc) from None
        hasher = hashlib.sha256()
        size = 0
        pending = bytearray()
        closed = False
        source = aiter(stream)
        source_failed = False  # an error of the sender (a dropped client), not of the store
        published: list[Path] = []
        try:
            while True:
                try:
                    chunk = await anext(source)
                except StopAsyncIteration:
                    break
                except BaseException:
                    source_failed = True
                    raise
                size += len(chunk)
                if size > max_bytes:
                    raise PayloadTooLarge(detail=f"Evidence files may be at most {max_bytes} bytes; nothing was saved.")
                pending += chunk
                if len(pending) >= CHUNK_SIZE:
                    data, pending = bytes(pending), bytearray()
                    await to_thread.run_sync(_write, file, hasher, data)
            if pending:
                await to_thread.run_sync(_write, file, hasher, bytes(pending))
            closed = True
            await to_thread.run_sync(_sync_and_close, file)
            key = await to_thread.run_sync(self._publish, tmp, published)
        except BaseException as exc:
            # Whatever stopped the upload (too large, a full disk, a client gone, a cancelled
            # request), the temporary file goes, even while this task is being cancelled.
            with anyio.CancelScope(shield=True):
                if not closed:
                    await to_thread.run_sync(_close_quietly, file)
                for path in (tmp, *published):
                    await to_thread.run_sync(_unlink_quietly, path)
            if isinstance(exc, OSError) and not source_failed:
                raise _unwritable(exc) from None
            raise
        return StoredBlob(key=key, sha256=hasher.digest(), size=size)

    # --- reading ------------------------------------------------------------------------------

    async def open(self, key: str) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            file = await to_thread.run_sync(path.open, "rb")
        except FileNotFoundError:
            raise BlobNotFound(key) from None
        except OSError as exc:
            raise _unreadable(exc) from None
        return self._chunks(file)

    @staticmethod
    async def _chunks(file: BinaryIO) -> AsyncIterator[bytes]:
        try:
            while True:
                try:
                    chunk = await to_thread.run_sync(file.read, CHUNK_SIZE)
                except OSError as exc:
                    raise _unreadable(exc) from None
                if not chunk:
                    return
                yield chunk
        finally:
            file.close()  # a read-only file: closing does no I/O worth a thread

    async def exists(self, key: str) -> bool:
        return await to_thread.run_sync(self._path(key).is_file)

    async def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            await to_thread.run_sync(lambda: path.unlink(missing_ok=True))
        except OSError as exc:
            raise _unwritable(exc) from None

    def _keys_under(self, top: Path) -> list[str]:
        keys: list[str] = []
        for folder, _dirs, files in os.walk(top):
            for name in files:
                key = (Path(folder) / name).relative_to(self.root).as_posix()
                if _KEY.fullmatch(key):
                    keys.append(key)
        return keys

    async def iter_keys(self) -> AsyncIterator[str]:
        def tops() -> list[Path]:
            if not self.root.is_dir():
                return []
            return sorted(p for p in self.root.iterdir() if p.is_dir() and re.fullmatch(r"[0-9a-f]{2}", p.name))

        try:
            for top in await to_thread.run_sync(tops):
                for key in await to_thread.run_sync(self._keys_under, top):
                    yield key
        except OSError as exc:
            raise _unreadable(exc) from None
