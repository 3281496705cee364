"""Options shared by the whole suite."""


def pytest_addoption(parser):
    parser.addoption("--soak-runs", type=int, default=None,
                     help="runs of the fault-injection soak (default: ZPARK_SOAK_RUNS or a short CI pass)")
    parser.addoption("--soak-seed", type=int, default=None, help="first seed of the soak (default: random)")
