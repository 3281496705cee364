"""The one place an executor process's command line is built (local mode and cluster workers)."""
import sys

from ..common.config import KEYS


def executor_command(driver_url, executor_id, cores, work_dir, settings, parent_pid, secret_file,
                     bind_host=None, advertise_host=None, block_port=None):
    """``python -m zpark.executor ...``; ``settings`` is config.executor_settings() of the application,
    ``secret_file`` a file from secret.hand_over (the executor reads and deletes it)."""
    command = [sys.executable, "-m", "zpark.executor", "--driver", driver_url, "--id", executor_id,
               "--cores", str(cores), "--work-dir", work_dir, "--parent-pid", str(parent_pid),
               "--secret-file", secret_file]
    if bind_host:
        command += ["--bind-host", bind_host]
    if advertise_host:
        command += ["--advertise-host", advertise_host]
    if block_port:
        command += ["--block-port", str(block_port)]
    for name, value in sorted(settings.items()):
        command += [KEYS[name].executor_flag, str(value)]
    return command
