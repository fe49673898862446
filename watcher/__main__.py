import signal
import sys

# A stop asked for while watcher still starts, before anything is done, is a stop like any other (exit 0), not
# a death by signal: said here, before the imports take their tenth of a second. `run` answers SIGTERM itself
# once it is under way.
signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))

from .cli import main  # noqa: E402

raise SystemExit(main())
