"""How an executor's end is described and whether it counts against its task."""
import errno
import signal

from zpark.executor import exit_status
from zpark.executor.memory_watchdog import EXIT_MEMORY
from zpark.executor.task_runner import _disk_full_note


def test_a_sigkill_is_the_oom_killer_only_when_the_cgroup_counted_one():
    plain = exit_status.describe(-signal.SIGKILL)
    assert plain == "executor process was killed by SIGKILL (exit code 137)"
    assert not exit_status.caused_by_task(-signal.SIGKILL)
    oom = exit_status.describe(-signal.SIGKILL, oom_killed=True)
    assert "killed for exceeding memory" in oom and "OOM killer" in oom and "exit code 137" in oom
    assert exit_status.caused_by_task(-signal.SIGKILL, oom_killed=True)


def test_exit_codes_crashes_and_the_memory_watchdog():
    assert exit_status.describe(7) == "executor process exited with code 7" and exit_status.caused_by_task(7)
    assert "SIGSEGV" in exit_status.describe(-signal.SIGSEGV) and exit_status.caused_by_task(-signal.SIGSEGV)
    assert not exit_status.caused_by_task(-signal.SIGTERM)
    assert "zpark.executor.memoryLimit" in exit_status.describe(EXIT_MEMORY)
    assert exit_status.shell_status(-9) == 137 and exit_status.shell_status(3) == 3


def test_the_oom_watch_reports_each_new_kill_once():
    counts = iter([2, 2, 3, 3])
    watch = exit_status.OomWatch(read=lambda: next(counts))
    assert watch.struck() is False
    assert watch.struck() is True
    assert watch.struck() is False


def test_the_oom_counter_is_read_from_cgroup_v1_and_v2_files(tmp_path):
    v1 = tmp_path / "oom_control"
    v1.write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 4\n")
    v2 = tmp_path / "memory.events"
    v2.write_text("low 0\nhigh 0\nmax 9\noom 2\noom_kill 2\n")
    assert exit_status.oom_kills([str(tmp_path / "missing"), str(v1)]) == 4
    assert exit_status.oom_kills([str(v2)]) == 2
    assert exit_status.oom_kills([str(tmp_path / "missing")]) is None
    assert exit_status.OomWatch(read=lambda: None).struck() is False


class _Runtime:
    executor_id = "exec-1"
    spill_dir = "/work/app/exec-1/spill"


def test_a_full_disk_is_named_with_its_folder():
    full = OSError(errno.ENOSPC, "No space left on device", "/scratch/app/exec-1/shuffle_3_1.data.tmp")
    note = _disk_full_note(full, _Runtime())
    assert note.startswith("no space left on device in /scratch/app/exec-1 ")
    assert "zpark.local.dir" in note
    assert _disk_full_note(OSError(errno.ENOSPC, "No space left on device"), _Runtime()).startswith(
        "no space left on device in /work/app/exec-1 ")
    assert _disk_full_note(OSError(errno.EACCES, "denied", "/x"), _Runtime()) == ""
    assert _disk_full_note(ValueError("no"), _Runtime()) == ""
