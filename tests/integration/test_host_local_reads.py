"""Reducers read the shuffle files of executors on the same machine from disk, or fetch them when told not to."""
from operator import add

import pytest

import zpark
from zpark.driver.event_log import read_events


@pytest.mark.parametrize("host_local", [True, False])
def test_peers_blocks_come_from_disk_or_from_their_block_servers(tmp_path, host_local):
    conf = {"zpark.eventLog.dir": str(tmp_path), "zpark.shuffle.readHostLocalDisk": host_local,
            "zpark.ui.enabled": False, "zpark.ui.showConsoleProgress": False}
    with zpark.Context("local[2]", app_name="host-local", conf=conf) as ctx:
        pairs = ctx.parallelize(range(4000), 8).map(lambda x: ("k%d" % (x % 50), 1))
        assert pairs.reduceByKey(add, 4).collectAsMap() == {"k%d" % k: 80 for k in range(50)}
        ends = [e for e in read_events(ctx.eventLogPath) if e["event"] == "TaskEnd" and e["reason"] == "success"]
    map_executors = {e["executor_id"] for e in ends if e["metrics"].get("shuffle_records_written")}
    read = sum(e["metrics"].get("shuffle_bytes_read", 0) for e in ends)
    fetched = sum(e["metrics"].get("remote_bytes_read", 0) for e in ends)
    assert len(map_executors) == 2          # both executors hold map outputs: every reducer needs a peer's blocks
    assert read > 0
    assert fetched == 0 if host_local else 0 < fetched < read
