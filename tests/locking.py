"""Holding a job lock from another thread: a second server in the middle of the same job."""

import contextlib
import threading

from inspection.services.locks import exclusive


@contextlib.contextmanager
def held_elsewhere(name: str):
    holding, release = threading.Event(), threading.Event()

    def other_server():
        from django.db import connection

        with exclusive(name):
            holding.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=other_server)
    thread.start()
    assert holding.wait(10), f"the other server never took the {name!r} lock"
    try:
        yield
    finally:
        release.set()
        thread.join()
