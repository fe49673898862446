"""Imported by the extraction workers' forkserver as it starts (multiprocessing's preload), before it forks a
worker: a SIGTERM or SIGINT sent to the whole process group (systemd's default, `timeout` in a crontab,
Ctrl-C) is the watcher's to act on, not theirs. Killed by it, the forkserver would take its workers with it
(PDEATHSIG), one of them holding the pool's queue lock, and closing the pool would wait for ever; a worker
would print a traceback of its own. They still end with the watcher: the forkserver when the watcher's end
of its pipe closes, the workers with the forkserver."""

import signal

signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGINT, signal.SIG_IGN)
