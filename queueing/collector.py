"""The garbage collector's settings for a process that holds thousands of open streams.

Why: CPython's full collection walks every tracked object, and a started API holds several
hundred thousand (Litestar's routes, SQLAlchemy's mappers, the modules); 2,000 display streams
add their tasks and generators. Measured on the reconnect-storm bench (docs/performance.md),
the defaults ran 18 full collections taking 6 s of a 40 s run, a third of a second each on
average, and every request in flight, ticket writes included, stood still through each. What
exists once the app has started lives as long as the process: it is moved out of the
collector's sight (`gc.freeze`), and the young generation is collected less often, so a
storm's burst of allocations does not turn into a run of collections.
"""

from __future__ import annotations

import gc

# Objects allocated before a young collection, then young collections per older one, twice.
THRESHOLDS = (20_000, 20, 20)
_settled = False


def settle() -> None:
    """Freeze what startup built and raise the thresholds; once per process (tests start many
    apps in one process, and a second freeze would only keep their garbage alive)."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()  # what startup left as garbage is freed, not frozen
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
