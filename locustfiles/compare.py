"""swapbench main job: ``locust -f locustfiles/compare.py [--scenario FILE] [--headless -u N -t 2m]``.

One Locust User class per model of the scenario (``gpt-4o`` -> ``Gpt4oUser``), equal weights, so ``-u 64``
with two models runs 32 users per model; every model replays the same prompt sequence (paired by prompt
id). Simulated models get the embedded simulator, started and stopped automatically. The options
(``--scenario``, ``--mode``, ``--rate``, ``--warmup``, ``--capture``, ``--transport``, ``--sim-url``,
``--reports-dir``, ``--run-id``, ``--no-report``) and their precedence are documented in
``profiler/locust_plugin.py``. The run directory is written to ``reports/RUN/``.
"""

from profiler.locust_plugin import setup

globals().update(setup())
