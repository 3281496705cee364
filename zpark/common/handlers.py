"""Methods picked by the name of what they handle (``_on_TaskEnd``, ``_do_LaunchTask``), found once per name.

The driver's loop and the UI's model dispatch every action or event to a
method named after it; building the name and looking it up by ``getattr``
each time was a noticeable share of a small job's bookkeeping. A table per
class remembers each name's method (so an instance cannot override one: the
scheduler, whose tests replace a handler on the instance, looks up its own).
"""


class Handlers(dict):
    """``table[name]``: the function ``cls.<prefix><name>`` (call it with the instance), or None."""

    def __init__(self, cls, prefix):
        super().__init__()
        self.cls = cls
        self.prefix = prefix

    def __missing__(self, name):
        found = self[name] = getattr(self.cls, self.prefix + name, None)
        return found
