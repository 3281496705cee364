"""The executor's crew: who leads, who runs which task, and when a waiting thread is woken to lead."""
import threading

import pytest

from zpark.executor import crew as crew_module
from zpark.executor.crew import LEAD, Crew


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def waiting_thread(crew):
    """A thread blocked in ``next_turn``; ``turns`` gets what it was given."""
    turns = []
    thread = threading.Thread(target=lambda: turns.append(crew.next_turn()), daemon=True)
    thread.start()
    return thread, turns


def test_the_first_thread_leads_and_runs_the_task_it_receives_itself():
    crew = Crew(1, Clock())
    assert crew.next_turn() is LEAD
    assert crew.take_or_keep_lead() is None          # nothing received: it goes on leading
    crew.received("task-1")
    assert crew.take_or_keep_lead() == "task-1"
    assert crew.counts() == (0, 1, False)
    crew.task_ended()
    assert crew.next_turn() is LEAD                  # the lead was free: its thread takes it back
    assert crew.counts() == (0, 0, True)


def test_a_task_received_while_every_core_is_busy_waits_for_a_free_core():
    crew = Crew(1, Clock())
    assert crew.next_turn() is LEAD
    crew.received("task-1")
    assert crew.take_or_keep_lead() == "task-1"
    assert crew.next_turn() is LEAD                  # a second thread leads meanwhile
    crew.received("task-2")
    assert crew.take_or_keep_lead() is None          # no core free: the leader keeps leading
    crew.task_ended()
    assert crew.next_turn() == "task-2"              # the thread that finished takes the waiting task
    assert crew.counts() == (0, 1, True)


def test_with_every_core_busy_the_lead_stays_free_until_the_keeper_finds_it_free_too_long():
    clock = Clock()
    crew = Crew(1, clock)
    assert crew.next_turn() is LEAD
    thread, turns = waiting_thread(crew)
    crew.received("task-1")
    assert crew.take_or_keep_lead() == "task-1"
    crew.keep()                                      # free for no time yet: nobody is woken
    thread.join(0.2)
    assert thread.is_alive() and turns == []
    clock.now += 2 * crew_module.KEEP_SECONDS
    crew.keep()
    thread.join(5)
    assert turns == [LEAD]
    assert crew.counts() == (0, 1, True)


@pytest.mark.parametrize("cores, more_expected, then", [
    (2, False, None),                    # a core is still free: another task may come
    (1, True, None),                     # more tasks of its stage are on their way
    (1, False, Crew.lead_needed),        # the task waits for an answer from the driver (a barrier)
], ids=["a-core-free", "more-of-its-stage", "a-task-waits-on-the-driver"])
def test_a_waiting_thread_is_woken_to_lead_at_once_when_it_can_matter(cores, more_expected, then):
    crew = Crew(cores, Clock())
    assert crew.next_turn() is LEAD
    thread, turns = waiting_thread(crew)
    crew.received("task-1", more_expected=more_expected)
    assert crew.take_or_keep_lead() == "task-1"
    if then is not None:
        then(crew)
    thread.join(5)
    assert turns == [LEAD]


def test_two_tasks_in_one_turn_on_two_cores_run_on_two_threads_and_a_third_leads():
    crew = Crew(2, Clock())
    assert crew.next_turn() is LEAD
    second, second_turns = waiting_thread(crew)
    third, third_turns = waiting_thread(crew)
    crew.received("task-1")
    crew.received("task-2")
    assert crew.take_or_keep_lead() == "task-1"
    second.join(5)
    third.join(5)
    assert sorted(map(str, second_turns + third_turns)) == [LEAD, "task-2"]
    assert crew.counts() == (0, 2, True)


@pytest.mark.parametrize("cores", [1, 3])
def test_stop_releases_every_waiting_thread_and_the_leader_takes_no_more_tasks(cores):
    crew = Crew(cores, Clock())
    assert crew.next_turn() is LEAD
    waiting = [waiting_thread(crew) for _ in range(cores)]
    crew.received("task-1")
    crew.stop()
    for thread, turns in waiting:
        thread.join(5)
        assert turns == [None]
    assert crew.take_or_keep_lead() is None
    assert crew.next_turn() is None
