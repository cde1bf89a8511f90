#!/usr/bin/env python3
"""What SQLite's indexes of 64-character hex tokens cost a batch, against shorter keys.

A 10,000-merchant batch onto 1,000,000 stored dirties about 52,800 pages of
mhub.sqlite3 (docs/performance.md), most of them leaves of the indexes of
tokens (`merchants_legal_rep_id`, `_legal_rep_phone`, `_contact_phone`,
`_account`), where random keys land on a different leaf each. This builds a
table of 1,000,000 rows with four such indexes (plus 400 bytes of other
columns per row), then times one transaction of 10,000 more rows, as a batch
writes them (1,000 rows per statement), with the hub's pragmas. Keys:

  text    the token itself (64 hex characters), as the schema has it today
  prefix  an expression index on substr(token, 1, 12)
  int     a separate INTEGER column holding the token's first 64 bits

Prints the inserts, the commit (writing the dirty pages to the WAL), the
checkpoint (copying them into the database), the WAL's size, and one index's
size. Uses Python's own sqlite3 module; files go to /tmp.
Usage: scripts/sqlite-token-indexes.py [text|prefix|int ...]"""
import os
import secrets
import sqlite3
import sys
import time

STORED, BATCH, PER_STATEMENT = 1_000_000, 10_000, 1_000
TOKENS = ["a", "b", "c", "d"]


def measure(kind):
    path = f"/tmp/mhub-token-indexes-{kind}.db"
    for f in (path, path + "-wal", path + "-shm"):
        if os.path.exists(f):
            os.remove(f)
    keys = [f"{t}k" for t in TOKENS] if kind == "int" else []
    columns = TOKENS + keys + ["pad"]
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute(f"CREATE TABLE m (id INTEGER PRIMARY KEY, {', '.join(columns)})")
    for t in TOKENS:
        on = {"text": t, "prefix": f"substr({t}, 1, 12)", "int": f"{t}k"}[kind]
        db.execute(f"CREATE INDEX m_{t} ON m ({on})")

    def rows(n):
        for _ in range(n):
            tokens = [secrets.token_hex(32) for _ in TOKENS]
            ints = [int(t[:16], 16) - (1 << 63) for t in tokens] if keys else []
            yield (*tokens, *ints, "x" * 400)

    insert = f"INSERT INTO m ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    db.execute("BEGIN")
    db.executemany(insert, rows(STORED))
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()

    # The hub's connection settings, with the checkpoint left to the end so
    # that it is timed apart from the commit.
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA cache_size = -65536")
    db.execute("PRAGMA wal_autocheckpoint = 0")
    batch = list(rows(BATCH))
    started = time.perf_counter()
    db.execute("BEGIN")
    for i in range(0, BATCH, PER_STATEMENT):
        db.executemany(insert, batch[i : i + PER_STATEMENT])
    inserted = time.perf_counter()
    db.execute("COMMIT")
    committed = time.perf_counter()
    wal = os.path.getsize(path + "-wal")
    db.execute("PRAGMA wal_checkpoint(PASSIVE)")
    checkpointed = time.perf_counter()
    (index,) = db.execute("SELECT SUM(pgsize) FROM dbstat WHERE name = 'm_a'").fetchone()
    db.close()
    print(
        f"{kind}: inserts {inserted - started:.3f} s, commit {committed - inserted:.3f} s, "
        f"checkpoint {checkpointed - committed:.3f} s, WAL {wal:,} bytes "
        f"({wal // (4096 + 24):,} pages), index m_a {index:,} bytes"
    )
    for f in (path, path + "-wal", path + "-shm"):
        if os.path.exists(f):
            os.remove(f)


for kind in sys.argv[1:] or ["text", "prefix", "int"]:
    measure(kind)
