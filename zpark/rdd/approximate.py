"""PySpark's approximate actions. zpark answers them exactly, within the time given: an exact
answer is inside every confidence interval, and small clusters finish these jobs quickly."""


class BoundedFloat(float):
    """A float with its confidence and bounds, as PySpark's approximate sums and means return."""

    def __new__(cls, mean, confidence, low, high):
        value = float.__new__(cls, mean)
        value.confidence, value.low, value.high = confidence, low, high
        return value


def _check_confidence(timeout, confidence):
    if not 0 <= confidence <= 1:
        raise ValueError("confidence must be between 0 and 1, got %r" % confidence)
    if timeout < 0:
        raise ValueError("timeout must be non-negative, got %r" % timeout)


class ApproximateActions:
    """Mixed into RDD."""

    def countApprox(self, timeout, confidence=0.95):
        _check_confidence(timeout, confidence)
        return int(self.count())

    def sumApprox(self, timeout, confidence=0.95):
        _check_confidence(timeout, confidence)
        total = float(self.sum())
        return BoundedFloat(total, confidence, total, total)

    def meanApprox(self, timeout, confidence=0.95):
        _check_confidence(timeout, confidence)
        mean = float(self.mean())
        return BoundedFloat(mean, confidence, mean, mean)

    def countApproxDistinct(self, relativeSD=0.05):
        """The number of distinct elements (exact, which any relative error allows)."""
        if relativeSD < 0.000017:
            raise ValueError("relativeSD should be greater than 0.000017")
        return self.distinct().count()
