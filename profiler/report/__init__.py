"""The report stage: `swapbench report RUN [RUN ...]` (docs/report.md).

Modules, in data-flow order:

- ``data``      load a run directory (through :mod:`profiler.rundir`) into compact numpy columns
- ``hdr``       vectorised HDR read-out (summary, CDF, percentile spectrum)
- ``stats``     Wilson, McNemar, bootstrap (order-statistic and cluster)
- ``compare``   the numbers: per model/task, candidate vs baseline; ``token_inflation()``
- ``verdict``   SLO gates and the weighted verdict with reasons
- ``build``     the report document (JSON schema v1), headline, runs side by side
- ``tables``    the tables as strings, shared by the renderers
- ``render_terminal``, ``render_md``, ``render_json`` (JSON + CSV), ``render_html`` + ``plots`` + ``examples``
- ``cli``       the command line; ``synth`` writes synthetic run directories for tests and benchmarks
"""
