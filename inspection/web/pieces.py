"""HTML pieces drawn once per process for each content (issue 14).

A piece is kept under a key made of everything it shows (and the language, and the script prefix
its links were reversed under), so a kept piece can never be stale and nothing needs to be shared
between processes: each process draws a piece the first time it is asked for. The store is bounded;
when it is full it is emptied, and every piece is drawn again from its content when next asked.
Used for the page frame's top bar and menu (templatetags/nav.py) and the dashboard's coverage grid
(web/grid_rows.py), which every page and every dashboard read would otherwise draw again.
"""

from collections.abc import Callable


class Pieces:
    def __init__(self, kept: int):
        self.kept = kept
        self._drawn: dict[tuple, str] = {}

    def get(self, key: tuple, draw: Callable[[], str]) -> str:
        found = self._drawn.get(key)
        if found is None:
            if len(self._drawn) >= self.kept:
                self._drawn.clear()
            found = self._drawn[key] = draw()
        return found
