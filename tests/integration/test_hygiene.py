"""Secrets and files stay with their owner: no secret in an executor's environment, owner-only files."""
import os
import stat

import zpark


def test_executors_hold_no_secret_in_their_environment_and_write_owner_only_files(tmp_path):
    events = tmp_path / "events"
    with zpark.Context("local[2]", app_name="hygiene", conf={"zpark.eventLog.dir": str(events)}) as ctx:
        counts = ctx.parallelize(range(1000), 4).map(lambda x: (x % 7, 1)).reduceByKey(lambda a, b: a + b)
        counts.cache()
        assert sorted(counts.collect())[0] == (0, 143)
        for info in ctx.executorInfos():
            with open("/proc/%d/environ" % info.pid, "rb") as f:
                environ = f.read().split(b"\0")
            assert not [e for e in environ if e.startswith(b"ZPARK_SECRET")], info.executor_id
            for folder, dirs, files in os.walk(info.work_dir):
                assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700, folder
                for name in files:
                    mode = stat.S_IMODE(os.stat(os.path.join(folder, name)).st_mode)
                    assert mode == 0o600, (name, oct(mode))
        root = ctx._work_root
        assert not [n for n in os.listdir(root) if n.startswith(".secret-")]   # read and deleted
        log = ctx.eventLogPath
        assert stat.S_IMODE(os.stat(log).st_mode) == 0o600
