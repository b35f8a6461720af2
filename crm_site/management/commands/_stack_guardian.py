"""Takes run_stack's children down when run_stack dies without stopping them, at the latest after a grace period.

run_stack writes each child's process group to our stdin and holds the pipe open while it lives, so end of file
means it has exited, even by SIGKILL. The kernel has sent its children SIGTERM then (PR_SET_PDEATHSIG), but a
Celery worker's warm shutdown takes several seconds even when idle (more on a loaded machine) and its pool
processes live until it ends. Whatever is left of a child's group after the grace period is killed.

Run as `python -I <this file> <grace seconds>`: the standard library only, so it starts at once and imports
nothing of the project (the leading underscore keeps Django from listing it as a command).
"""

import contextlib
import os
import signal
import sys
import time


def _live(groups: set[int]) -> set[int]:
    live = set()
    for pgid in groups:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            continue
        live.add(pgid)
    return live


def main(grace: float) -> None:
    groups = {int(line) for line in sys.stdin.buffer}
    deadline = time.monotonic() + grace
    while (live := _live(groups)) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pgid in live:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)


if __name__ == "__main__":
    main(float(sys.argv[1]))
