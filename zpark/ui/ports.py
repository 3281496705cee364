"""Binding the UI's listening socket (light: no web stack), so a driver knows its UI's address at once."""
import socket


def bind(host, port, tries=16):
    """A listening socket on ``port`` or, as Spark does, the next free one after it (port 0: any)."""
    last = None
    for candidate in ([0] if port == 0 else range(port, port + tries)):
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, candidate))
        except OSError as exc:
            sock.close()
            last = exc
            continue
        sock.listen(128)
        return sock
    raise OSError("no free port for the web UI from %d to %d on %s: %s" % (port, port + tries - 1, host, last))


def url_of(sock, host):
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return "http://%s:%d" % (shown, sock.getsockname()[1])
