"""A long-running application stays bounded: what the program drops is removed everywhere."""
import gc
import os
from operator import add

import zpark

from waiting import wait_for


def shuffle_files(ctx):
    found = []
    for info in ctx.executorInfos():
        folder = os.path.join(info.work_dir, "shuffle")
        if os.path.isdir(folder):
            found.extend(os.listdir(folder))
    return found


def driver_state(ctx):
    scheduler = ctx._backend.scheduler
    return {"tracked shuffles": len(scheduler.tracker._outputs),
            "shuffle stages": len(scheduler.shuffle_stages),
            "stage ids kept": len(scheduler._shuffle_stage_ids),
            "stages sent": max(len(c.stages_sent) for c in ctx._backend.executors.values()),
            "accumulators": len(ctx._accumulators), "broadcasts": len(ctx._broadcasts)}


CLEAN = {"tracked shuffles": 1, "shuffle stages": 0, "stage ids kept": 1, "stages sent": 1,
         "accumulators": 0, "broadcasts": 0}


def test_two_hundred_iterations_leave_files_and_driver_state_bounded(tmp_path):
    links = [(page, [(page * 7 + k) % 50 for k in range(1, 4)]) for page in range(50)]
    with zpark.Context("local[2]", app_name="cleaner", conf={"zpark.eventLog.dir": str(tmp_path)}) as ctx:
        graph = ctx.parallelize(links, 4).partitionBy(4).cache()
        ranks = {page: 1.0 for page, _ in links}
        expected = dict(ranks)
        samples = []
        for iteration in range(200):
            weights = ctx.broadcast(0.85)
            seen = ctx.accumulator(0)

            def contributions(kv, weights=weights, seen=seen):
                seen.add(1)
                page, (targets, rank) = kv
                return [(t, rank * weights.value / len(targets)) for t in targets]
            current = ctx.parallelize(list(ranks.items()), 4)
            ranks = dict(graph.join(current).flatMap(contributions).reduceByKey(add, 4)
                         .mapValues(lambda r: 0.15 + r).collect())
            assert seen.value == 50
            # the same iteration in plain Python
            nxt = {}
            for page, targets in links:
                for t in targets:
                    nxt[t] = nxt.get(t, 0.0) + expected[page] * 0.85 / len(targets)
            expected = {p: 0.15 + r for p, r in nxt.items()}
            assert ranks.keys() == expected.keys()
            assert all(abs(ranks[p] - expected[p]) < 1e-9 for p in ranks), iteration
            if iteration in (49, 199):
                del weights, seen, contributions, current
                gc.collect()
                # Only the cached graph's shuffle is left: its map stage and 4 map outputs (data + index).
                wait_for(lambda: driver_state(ctx) == CLEAN and len(shuffle_files(ctx)) == 8, 15,
                         message="the cleaner (now %s, %d files)" % (driver_state(ctx), len(shuffle_files(ctx))))
                samples.append(iteration)
        assert samples == [49, 199]
        # the cached graph still serves: its shuffle was never removed
        assert graph.count() == 50 and driver_state(ctx)["tracked shuffles"] >= 1
