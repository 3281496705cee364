"""Where the cluster secret comes from, so nobody copies it by hand.

The master creates it once, in its state directory (a directory the compose
file bind-mounts into every container and that lives next to the compose
file on the host). Everything else finds it in this order: ``ZPARK_SECRET``,
the file named by ``ZPARK_SECRET_FILE``, ``$ZPARK_STATE_DIR/secret``,
``./.zpark/secret``, ``~/.zpark/secret``.
"""
import os
import secrets
import tempfile
import time

from .errors import ZparkError

SECRET_FILE_NAME = "secret"


def _read(path):
    """The secret stored in ``path``, or None if the file is missing, unreadable or empty."""
    try:
        with open(path, encoding="ascii") as f:
            return f.read().strip() or None
    except OSError:
        return None


def hand_over(secret, folder):
    """Write ``secret`` to a new owner-only file in ``folder`` for one process to read and delete.

    An executor is given its secret this way, not in its environment: a
    process's initial environment stays readable (``/proc/PID/environ``) for
    its whole life, also to the tasks it runs.
    """
    fd, path = tempfile.mkstemp(prefix=".secret-", dir=folder)   # created 0600
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secret)
    return path


def take_over(path):
    """The secret ``hand_over`` wrote; the file is deleted at once."""
    try:
        with open(path, encoding="ascii") as f:
            return f.read().strip()
    finally:
        os.unlink(path)


def candidate_files():
    files = []
    if os.environ.get("ZPARK_SECRET_FILE"):
        files.append(os.environ["ZPARK_SECRET_FILE"])
    if os.environ.get("ZPARK_STATE_DIR"):
        files.append(os.path.join(os.environ["ZPARK_STATE_DIR"], SECRET_FILE_NAME))
    files.append(os.path.join(os.getcwd(), ".zpark", SECRET_FILE_NAME))
    files.append(os.path.join(os.path.expanduser("~"), ".zpark", SECRET_FILE_NAME))
    return files


def find_secret():
    """The cluster secret, or a ZparkError saying where it was looked for."""
    if os.environ.get("ZPARK_SECRET"):
        return os.environ["ZPARK_SECRET"].strip()
    for path in candidate_files():
        value = _read(path)
        if value:
            return value
    raise ZparkError(
        "No cluster secret found. The master writes it to <state dir>/secret on its first start "
        "(./.zpark/secret next to docker-compose.yml); set ZPARK_SECRET, or ZPARK_SECRET_FILE to that "
        "file. Looked in: %s" % ", ".join(candidate_files()))


def load_or_create(state_dir):
    """The master's side: read the secret from ``state_dir``, creating it (mode 0600) the first time."""
    os.makedirs(state_dir, exist_ok=True)
    path = os.path.join(state_dir, SECRET_FILE_NAME)
    if os.environ.get("ZPARK_SECRET"):
        return os.environ["ZPARK_SECRET"].strip()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    value = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(value + "\n")
    owner = os.stat(state_dir)
    try:  # hand it to whoever owns the state directory on the host, so their CLI can read it
        os.chown(path, owner.st_uid, owner.st_gid)
    except OSError:
        pass
    return value


def wait_for_secret(state_dir, timeout=60.0):
    """An executor's side: the master may not have written the secret yet."""
    path = os.path.join(state_dir, SECRET_FILE_NAME)
    deadline = time.monotonic() + timeout
    while True:
        value = _read(path)
        if value:
            return value
        if time.monotonic() > deadline:
            raise ZparkError("no cluster secret appeared in %s within %.0fs (is the master running "
                             "with the same state directory?)" % (path, timeout))
        time.sleep(0.2)
