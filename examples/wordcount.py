"""Word count over a file or directory: ``zpark submit [--master tcp://HOST:7077] examples/wordcount.py PATH``.

The code lives in the package (``zpark.examples.wordcount``) so executors on any machine can import it.
"""
from zpark.examples.wordcount import main

if __name__ == "__main__":
    main()
