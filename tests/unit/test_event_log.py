"""The event log's lines: every record is one JSON object per line, whatever its values."""
from zpark.driver.event_log import EventLog, read_events


def test_records_round_trip_including_what_only_json_can_write(tmp_path):
    log = EventLog(str(tmp_path), "app-1")
    seen = []
    log.add(type("L", (), {"on_event": lambda self, kind, fields, stamp: seen.append((kind, fields))})())
    log.write("TaskEnd", {"task_id": 3, "metrics": {"run_time": 0.25}, "cached": [[1, 2]], "reason": None})
    log.write("Accumulator", {"value": 2 ** 70, "by_partition": {0: 1, 7: 2}, "what": object})
    log.close()
    events = read_events(log.path)
    assert [e["event"] for e in events] == ["TaskEnd", "Accumulator"]
    assert events[0]["metrics"] == {"run_time": 0.25} and events[0]["cached"] == [[1, 2]]
    assert events[0]["reason"] is None
    assert events[1]["value"] == 2 ** 70
    assert events[1]["by_partition"] == {"0": 1, "7": 2}
    assert events[1]["what"] == str(object)
    assert [kind for kind, _ in seen] == ["TaskEnd", "Accumulator"]
    assert all(isinstance(e["time"], float) for e in events)
