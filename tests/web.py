"""Reading the web UI in tests: a page's HTML or an API answer's JSON."""
import json
import urllib.request


def get(url, raw=False):
    """The body at ``url``: parsed JSON, or the text with ``raw``."""
    with urllib.request.urlopen(url, timeout=10) as response:
        body = response.read().decode()
    return body if raw else json.loads(body)
