"""WAL checkpoints of a SQLite file, off every commit path: one thread per file, about a second after writes.

SQLite's default checkpoints inside the commit that takes the write-ahead log past 1,000 pages: that
commit then waits while the log is copied into the database file (10–30 ms on this machine for a
stand-up tick's 1,000 rows, 25–100 ms on a busy disk). Whoever happens to cross the line pays, and the
writers that write most (the stand-up tick, a batch of presses) cross it most often.

Here every connection of the process is set to checkpoint only as a backstop (``BACKSTOP_PAGES``, for a
process whose thread is stopped), and each commit calls :func:`wrote`: a thread of the file's own, with
its own short-lived connection, runs a PASSIVE checkpoint about a second later, while the writers go on
(a PASSIVE checkpoint takes no writer lock). Commits in that second share it. The thread stops after a
few idle seconds and starts again with the next write, so nothing has to be closed.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

# Seconds from a write to its checkpoint (writes in between share it).
CHECKPOINT_AFTER_S = 1.0
# The thread ends after this long without writes.
IDLE_EXIT_S = 5.0
# Each connection's own automatic checkpoint, only for when the thread cannot keep up or is not
# running (a process that writes without an event loop, a checkpoint that failed): about 16 MB of log.
BACKSTOP_PAGES = 4000


class WalCheckpointer:
    """The checkpoints of one database file."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._wrote = threading.Event()
        self._thread: threading.Thread | None = None

    def wrote(self) -> None:
        """A transaction is committing: checkpoint about a second from now. Cheap; any thread."""
        with self._lock:
            self._wrote.set()
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._serve, name=f"wal-checkpoint-{Path(self._path).name}", daemon=True
                )
                self._thread.start()

    def _serve(self) -> None:
        # One connection for the thread's life: opening one per checkpoint (reading the schema each time)
        # cost more than the checkpoint itself at a press's rate.
        conn: sqlite3.Connection | None = None
        try:
            while True:
                if not self._wrote.wait(IDLE_EXIT_S):
                    with self._lock:
                        if not self._wrote.is_set():  # a write that came just now keeps this thread
                            self._thread = None
                            return
                # Let the writes of the next second gather, then copy them all at once.
                threading.Event().wait(CHECKPOINT_AFTER_S)
                self._wrote.clear()
                conn = self._checkpoint(conn)
        finally:
            if conn is not None:
                conn.close()

    def run(self) -> None:
        """One PASSIVE checkpoint now, in the calling thread."""
        conn = self._checkpoint(None)
        if conn is not None:
            conn.close()

    def _checkpoint(self, conn: sqlite3.Connection | None) -> sqlite3.Connection | None:
        """A PASSIVE checkpoint on ``conn`` (opened when ``None``); the connection to use next time, or
        ``None`` when the file is gone or the checkpoint failed (the next one opens a fresh connection)."""
        path = Path(self._path)
        if not path.exists():  # deleted meanwhile (a test's database)
            if conn is not None:
                conn.close()
            return None
        try:
            if conn is None:
                # mode=rw: never create the file.
                conn = sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True, timeout=5, isolation_level=None,
                                       check_same_thread=False)
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            return conn
        except sqlite3.Error as error:
            log.warning("checkpointing %s failed: %r", self._path, error)
            if conn is not None:
                conn.close()
            return None


_BY_FILE: dict[str, WalCheckpointer] = {}
_BY_FILE_LOCK = threading.Lock()


def checkpointer_for(path: str) -> WalCheckpointer:
    """The process's one checkpointer of the file at ``path``."""
    key = str(Path(path).resolve())
    with _BY_FILE_LOCK:
        found = _BY_FILE.get(key)
        if found is None:
            found = _BY_FILE[key] = WalCheckpointer(key)
        return found
