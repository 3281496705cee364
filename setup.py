"""Installs zpark-pyspark.pth beside the package: with ZPARK_PYSPARK=1 in the environment, a plain
``python job.py`` serves ``import pyspark`` from zpark (see zpark/compat/install.py)."""
import os

from setuptools import setup
from setuptools.command.build_py import build_py

PTH = "zpark-pyspark.pth"


class BuildWithPth(build_py):
    def run(self):
        super().run()
        self.copy_file(os.path.join("zpark", "compat", PTH), os.path.join(self.build_lib, PTH))

    def get_outputs(self, include_bytecode=True):
        return super().get_outputs(include_bytecode) + [os.path.join(self.build_lib, PTH)]


setup(cmdclass={"build_py": BuildWithPth})
