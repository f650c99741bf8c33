import os
import sys

from site_builder.cli import main

code = main()
# Done: leave without freeing the model object by object, which takes a third of a
# one-story rebuild at 10,000 stories. Everything was written and closed; flush the rest.
try:
    sys.stdout.flush()
    sys.stderr.flush()
except OSError:
    pass
os._exit(code or 0)
