"""What `watcher`'s exit status means, so that a cron wrapper or a container runtime can tell cases apart.

Only a source that failed (1) is worth retrying as it is; a wrong config (2) or an unusable state (3)
needs a person; 70 (EX_SOFTWARE in sysexits.h) is a bug, and its traceback is in the log.
"""

OK = 0
SOURCE_FAILED = 1  # a source failed this cycle, or (status) one is stale: the next run may well succeed
CONFIG = 2  # sources.yaml is wrong, or an argument is
STATE = 3  # the state directory cannot be used: locked by another watcher, damaged, unwritable, disk full
BUG = 70

HELP = """\
exit status:
  0   all went well
  1   a source failed this cycle (cron may simply run again), or `status` found one stale
  2   sources.yaml (or an argument) is wrong, or Telegram refused the bot's token: the alerts wait
  3   the state cannot be used: locked by another watcher, damaged, unwritable, the disk is full, or
      the database does not answer
  70  an unexpected error: a bug in watcher (the traceback is in the log; please report it)
"""
