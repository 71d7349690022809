"""Content hashes of dataset files: streamed in chunks, hashed in a thread pool.

Reading and hashing release the GIL (hashlib does for buffers over 2 KiB), so threads
overlap the I/O and the hashing of many files. Small files are handed to the pool in
batches, because one task per file would cost more in scheduling than in hashing.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from dlscaffold._data.manifest import FileEntry
from dlscaffold.errors import UserError

CHUNK_BYTES = 1 << 20
BATCH_FILES = 256
BATCH_BYTES = 64 << 20

Advance = Callable[[int], None]
# Starts a progress task for (description, total bytes) and returns its `Advance`.
StartProgress = Callable[[str, int], Advance]


def hash_file(path: str, size_hint: int = 0) -> str:
    """Return the hex sha256 of the file at `path`, read in chunks of `CHUNK_BYTES`.

    A read shorter than asked for ends the file once `size_hint` bytes (its size at the
    scan) are in: that saves a last, empty read per file, a tenth of the cost of hashing a
    small one. A file that grew since the scan is read to its end all the same.
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        chunk = os.read(fd, CHUNK_BYTES)
        digest = hashlib.sha256(chunk)
        done = len(chunk)
        while chunk and (len(chunk) == CHUNK_BYTES or done < size_hint):
            chunk = os.read(fd, CHUNK_BYTES)
            digest.update(chunk)
            done += len(chunk)
    finally:
        os.close(fd)
    return digest.hexdigest()


def hash_files(
    root: Path | str,
    entries: Sequence[FileEntry],
    *,
    workers: int | None = None,
    advance: Advance | None = None,
) -> list[str]:
    """Return the hex sha256 of each entry's file under `root`, in the order of `entries`.

    A link gets an empty string: its target, not the content it leads to, is what
    `verify` compares (the file it leads to inside the dataset is hashed on its own).

    Args:
        root: The dataset folder the relpaths are relative to.
        entries: The files to hash, as returned by `scan_files`.
        workers: Threads to use; Python's default for I/O-bound pools when None.
        advance: Called from the calling thread with the bytes of each finished batch.
    """
    base = os.fspath(root)
    hashes: list[str] = []
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dlscaffold-hash") as pool:
        futures: list[tuple[Future[list[str]], int]] = [
            (pool.submit(_hash_batch, base, batch), sum(entry.size for entry in batch))
            for batch in _batches(entries)
        ]
        try:
            for future, size in futures:
                hashes.extend(future.result())
                if advance is not None:
                    advance(size)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return hashes


def _batches(entries: Sequence[FileEntry]) -> Iterator[Sequence[FileEntry]]:
    start = size = 0
    for index, entry in enumerate(entries):
        size += entry.size
        if index + 1 - start >= BATCH_FILES or size >= BATCH_BYTES:
            yield entries[start : index + 1]
            start, size = index + 1, 0
    if start < len(entries):
        yield entries[start:]


def _hash_batch(base: str, batch: Sequence[FileEntry]) -> list[str]:
    result = []
    for entry in batch:
        if entry.link is not None:
            result.append("")  # a link is compared by its target, never by what it leads to
            continue
        path = f"{base}/{entry.relpath}"
        try:
            result.append(hash_file(path, entry.size))
        except FileNotFoundError:
            result.append("")  # vanished since the scan: reported as changed, never hidden
        except OSError as error:
            raise UserError(f"Cannot read '{path}': {error.strerror}.") from error
    return result
