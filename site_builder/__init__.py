"""site_builder: a bilingual static site generator for briefing microsites.

The pipeline, one module per stage: load → assemble → render → write (build.py),
with markup, i18n, server and cli around it.
"""

__version__ = "0.1.0"
