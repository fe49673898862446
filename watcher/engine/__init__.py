"""The only room that wires the stages and does their I/O: the cycle, its streams, cursors, the clock, roles and shared files."""
