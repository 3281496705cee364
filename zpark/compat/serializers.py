"""``pyspark.serializers``: the names programs pass to SparkContext(serializer=...).

zpark always pickles data with pickle and code with cloudpickle, which is what
these serializers do in PySpark too; the classes exist so that code naming
them runs, and a SparkContext accepts any of them.
"""


class Serializer:
    def __repr__(self):
        return "%s()" % type(self).__name__

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self))


class PickleSerializer(Serializer):
    pass


class CPickleSerializer(PickleSerializer):
    pass


class CloudPickleSerializer(PickleSerializer):
    pass


class MarshalSerializer(Serializer):
    pass


class BatchedSerializer(Serializer):
    def __init__(self, serializer=None, batchSize=0):
        self.serializer = serializer or PickleSerializer()
        self.batchSize = batchSize


class AutoBatchedSerializer(BatchedSerializer):
    pass


__all__ = ["PickleSerializer", "CPickleSerializer", "CloudPickleSerializer", "MarshalSerializer",
           "BatchedSerializer", "AutoBatchedSerializer"]
