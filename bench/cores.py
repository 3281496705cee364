"""How much two busy processes get from this machine, against one: the bound on any 2-executor ratio.

    bench/.venv/bin/python bench/cores.py [--seconds 30]

Runs a counting loop in one process, then in two at once, and prints each
process's rate (million iterations a second) per 5-second window. On a
machine whose two cores are whole, two processes each keep the rate of one;
where they share a physical core or a host, each gets less, and a window
near zero is a stall of the whole machine.
"""
import argparse
import multiprocessing
import time

WINDOW_SECONDS = 5.0


def count(seconds, results):
    rates, done, started = [], 0, time.monotonic()
    window_start = started
    while time.monotonic() - started < seconds:
        for _ in range(100_000):
            done += 1
        now = time.monotonic()
        if now - window_start >= WINDOW_SECONDS:
            rates.append(round(done / (now - window_start) / 1e6, 2))
            done, window_start = 0, now
    results.put(rates)


def rates_of(processes, seconds):
    results = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=count, args=(seconds, results)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    rates = [results.get() for _ in workers]
    for worker in workers:
        worker.join()
    return rates


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    for processes in (1, 2):
        for i, rates in enumerate(rates_of(processes, args.seconds)):
            print("%d process%s, #%d: %s M/s" % (processes, "es" if processes > 1 else "", i + 1,
                                                " ".join("%.2f" % r for r in rates)))


if __name__ == "__main__":
    main()
