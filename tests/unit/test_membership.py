"""The master's rules, without sockets: assignment, queueing, timeouts, re-registration."""
from zpark.master.membership import KillApp, LaunchExecutor, Membership


def cluster(workers=3):
    m = Membership(worker_timeout=6.0, app_timeout=6.0)
    for i in range(workers):
        m.register_worker("w%d" % i, "host%d" % i, "10.0.0.%d" % i, 1, 1 << 30, now=0.0)
    return m


def start_app(m, name, now=1.0, max_executors=0):
    app = m.new_app(name, now)
    assigned, actions = m.register_app(app, "tcp://10.0.0.100:5000", max_executors, {}, now)
    return app, assigned, actions


def test_an_application_gets_every_free_executor_by_default():
    m = cluster()
    app, assigned, actions = start_app(m, "a")
    assert assigned == 3
    assert sorted(a.worker_id for a in actions) == ["w0", "w1", "w2"]
    assert all(isinstance(a, LaunchExecutor) and a.app_id == app for a in actions)
    assert len({a.executor_id for a in actions}) == 3
    assert m.status(1.0)["applications"][0]["state"] == "RUNNING"


def test_a_second_application_waits_with_a_reason_then_gets_the_executors_when_the_first_ends():
    m = cluster(2)
    first, _, _ = start_app(m, "first")
    second, assigned, actions = start_app(m, "second")
    assert assigned == 0 and actions == []
    assert "busy" in m.waiting_reason(second) and first in m.waiting_reason(second)
    ended = m.end_app(first)
    assert sorted((type(a).__name__, a.worker_id) for a in ended) == [
        ("KillApp", "w0"), ("KillApp", "w1"), ("LaunchExecutor", "w0"), ("LaunchExecutor", "w1")]
    assert all(a.app_id == second for a in ended if isinstance(a, LaunchExecutor))
    assert m.waiting_reason(second) is None


def test_max_executors_lets_two_applications_share_the_cluster():
    m = cluster(3)
    _, assigned_a, _ = start_app(m, "a", max_executors=1)
    _, assigned_b, _ = start_app(m, "b", max_executors=2)
    assert (assigned_a, assigned_b) == (1, 2)


def test_a_silent_driver_ends_its_application_and_frees_its_executors():
    m = cluster(2)
    app, _, _ = start_app(m, "a", now=1.0)
    for w in ("w0", "w1"):
        m.worker_heartbeat(w, 5.0)
    assert m.tick(5.0) == []
    m.worker_heartbeat("w0", 7.5)
    m.worker_heartbeat("w1", 7.5)
    actions = m.tick(7.5)
    assert sorted(a.worker_id for a in actions if isinstance(a, KillApp)) == ["w0", "w1"]
    assert app not in m.apps and "heartbeat" in m.finished[-1][2]
    assert all(w.app_id is None for w in m.workers.values())


def test_an_executor_whose_process_ended_is_given_to_the_application_again_with_a_new_id():
    m = cluster(1)
    app, _, first = start_app(m, "a")
    again = m.executor_exited("w0", app)
    assert len(again) == 1 and again[0].worker_id == "w0" and again[0].executor_id != first[0].executor_id


def test_an_executor_whose_exit_report_was_lost_is_replaced_after_three_heartbeats_without_it():
    """A worker cut off from the master sends its executor's exit report on a connection that died
    unnoticed: the report is lost, and only its heartbeats say the executor is gone."""
    m = cluster(1)
    app, _, [first] = start_app(m, "a")
    assert m.worker_heartbeat("w0", 2.0, "") == (True, [])               # sent before the launch arrived
    assert m.worker_heartbeat("w0", 3.0, first.executor_id) == (True, [])
    assert m.worker_heartbeat("w0", 4.0, "") == (True, [])
    assert m.worker_heartbeat("w0", 5.0, "") == (True, [])
    known, [again] = m.worker_heartbeat("w0", 6.0, "")
    assert known and isinstance(again, LaunchExecutor)
    assert (again.worker_id, again.app_id) == ("w0", app) and again.executor_id != first.executor_id
    assert m.workers["w0"].executor_id == again.executor_id and m.apps[app].workers == {"w0"}
    assert m.worker_heartbeat("w0", 7.0, first.executor_id) == (True, [])  # the stale one, once: not yet


def test_heartbeats_that_name_the_executor_or_say_nothing_keep_it():
    m = cluster(1)
    app, _, [first] = start_app(m, "a")
    for now, running in [(2.0, ""), (3.0, ""), (4.0, first.executor_id), (5.0, ""), (6.0, ""),
                         (7.0, first.executor_id), (8.0, None), (9.0, None), (10.0, None), (11.0, None)]:
        assert m.worker_heartbeat("w0", now, running) == (True, [])
    assert m.workers["w0"].executor_id == first.executor_id


def test_a_silent_worker_is_dropped_and_must_register_again():
    m = cluster(2)
    app, _, _ = start_app(m, "a")
    m.app_heartbeat(app, 6.5)
    m.worker_heartbeat("w1", 6.5)
    m.tick(6.5)
    assert list(m.workers) == ["w1"] and m.apps[app].workers == {"w1"}
    assert m.worker_heartbeat("w0", 7.0) == (False, [])
    actions = m.register_worker("w0", "host0", "10.0.0.0", 1, 1 << 30, now=7.0)
    assert [(a.worker_id, a.app_id) for a in actions] == [("w0", app)]


def test_an_application_that_never_finishes_registering_times_out():
    m = cluster(1)
    app = m.new_app("half", 0.0)
    assert m.waiting_reason(app) is not None
    m.worker_heartbeat("w0", 7.0)
    m.tick(7.0)
    assert app not in m.apps and m.workers["w0"].app_id is None


def test_after_a_master_restart_running_applications_keep_their_executors():
    m = Membership(worker_timeout=6, app_timeout=6)     # the new master process knows nothing
    assert m.register_worker("w1", "h1", "10.0.0.1", 2, 1 << 30, 0.0, "app-1", "app-1-exec-3") == []
    assert m.register_worker("w2", "h2", "10.0.0.2", 2, 1 << 30, 0.0) == []   # free: nothing to run yet
    assert not m.app_heartbeat("app-1", 0.5)            # unknown driver address: it must register again
    assigned, actions = m.register_app("app-1", "tcp://driver:1", 0, {}, 1.0, name="job")
    # it keeps exec-3 on w1, and the free worker joins it under a fresh id
    assert assigned == 2 and [a.executor_id for a in actions] == ["app-1-exec-4"]
    assert m.app_heartbeat("app-1", 1.5)
    status = m.status(2.0)
    assert [e["state"] for e in status["executors"]] == ["BUSY", "BUSY"]
    assert status["applications"][0]["name"] == "job"


def test_an_adopted_application_whose_driver_never_returns_ends_and_frees_its_worker():
    m = Membership(worker_timeout=60, app_timeout=6)
    m.register_worker("w1", "h1", "10.0.0.1", 2, 1 << 30, 0.0, "app-9", "app-9-exec-1")
    actions = m.tick(7.0)
    assert [(type(a).__name__, a.app_id) for a in actions] == [("KillApp", "app-9")]
    assert m.status(7.0)["executors"][0]["state"] == "FREE"


def test_how_an_executor_ended_reaches_its_driver_once_with_the_executor_id():
    m = cluster(2)
    app, _, launched = start_app(m, "a")
    first = next(a for a in launched if a.worker_id == "w0")
    m.executor_exited("w0", app, "executor killed for exceeding memory (exit code 137)", caused_by_task=True)
    assert m.take_exits(app) == [{"executor_id": first.executor_id, "caused_by_task": True,
                                  "reason": "executor killed for exceeding memory (exit code 137)"}]
    assert m.take_exits(app) == []
    m.executor_exited("w1", "someone-else", "boom")          # not its application: nothing recorded
    assert m.take_exits(app) == [] and m.take_exits("no-such-app") == []
