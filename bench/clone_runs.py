"""Cloning one real run's rows in a workspace's database, for the benchmarks that need
thousands of runs (submitting them would take minutes): bench/tracking.sh and bench/ui.sh."""

import datetime


class Cloner:
    """Clones of the run named `seed` in the open sqlite3 connection `db` (of the database at
    `path`): each with its own name, experiment, directory and creation time, and the seed's
    status history."""

    def __init__(self, db, path, seed):
        self.db = db
        self.runs = path.rsplit("/", 1)[0] + "/runs/"
        self.seq, self.created_ms = db.execute(
            "SELECT seq, created_ms FROM runs WHERE name = ?", (seed,)).fetchone()
        self.kept = [row[1] for row in db.execute("PRAGMA table_info(runs)")
                     if row[1] not in ("seq", "name", "display_name", "experiment", "directory",
                                       "created_at", "created_ms", "supervisor_pid")]

    def clone(self, number, name, experiment):
        """The clone's seq; it was created `number` seconds after the seed."""
        ms = self.created_ms + number * 1000
        at = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
        at = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
        kept = ", ".join(self.kept)
        run = self.db.execute(
            f"INSERT INTO runs (name, display_name, experiment, directory, created_at, "
            f"created_ms, {kept}) SELECT ?, ?, ?, ?, ?, ?, {kept} FROM runs WHERE seq = ?",
            (name, name, experiment, self.runs + name, at, ms, self.seq)).lastrowid
        self.db.execute("INSERT INTO run_events (run, status, at, detail) "
                        "SELECT ?, status, at, detail FROM run_events WHERE run = ?",
                        (run, self.seq))
        return run, ms
