"""The generation engine: from a recorded generation to its stored results, one way.

Each module imports only those listed before it (`tests/test_import_graph.py` fails on any import cycle):

1. `enqueue`   — puts the engine's tasks on the queue by dotted path (never importing `tasks.py`).
2. `storage`   — stores a result file (downloaded or answered) as an Asset, with its preview.
3. `progress`  — writes what the gateway said about a task: progress, running, ingesting, failed.
4. `capacity`  — the team's slots per family at the gateway, and whose turn is next.
5. `submit`    — sends a generation to the gateway exactly once, and settles a failed send.
6. `run`       — kinds the gateway answers within one request: the whole call, streamed saves included.
7. `ingest`    — copies a finished task's results into the studio's storage.
8. `recovery`  — lost work: dead submits, lost queue messages, deadlines.
9. `poller`    — the poller's tick: recovery, slots, then asking the gateways about due tasks.

State changes are `Generation` methods (see `models.TRANSITIONS`). The thin `tasks.py` is the only module
that imports the engine from above for the queue's workers; views call `services.py`.
"""
