"""rdd.pipe(command): each partition's elements, one per line, through an external program."""
import shlex
import subprocess
import threading


class Pipe:
    def __init__(self, command, env=None, checkCode=False):
        self.command = command
        self.env = env
        self.check_code = checkCode

    def __call__(self, iterator):
        args = shlex.split(self.command) if isinstance(self.command, str) else list(self.command)
        process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   env=dict(self.env) if self.env else None)

        def feed():
            try:
                for item in iterator:
                    text = item if isinstance(item, str) else str(item)
                    process.stdin.write((text.rstrip("\n") + "\n").encode("utf-8"))
            except BrokenPipeError:
                pass
            finally:
                try:
                    process.stdin.close()
                except BrokenPipeError:
                    pass
        # The input is written from a thread so a program that answers as it reads never blocks us.
        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        for line in process.stdout:
            yield line.decode("utf-8").rstrip("\n")
        writer.join()
        code = process.wait()
        if self.check_code and code:
            raise RuntimeError("Pipe function `%s' exited with error code %d" % (self.command, code))
