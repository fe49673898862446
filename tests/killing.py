"""Steps of a story with a SIGKILL in each: the shared loop of the crash tests of votes and the agenda."""

import signal
import time


def outputs_killed_at_each_step(spawn, config, steps, rng, longest: float) -> list[str]:
    """For each step: make it happen upstream, start `run --once`, SIGKILL it after a random moment of up
    to `longest` seconds, then run once more to the end (the next run goes on from where the killed one
    was). Returns every run's stdout, killed ones included."""
    outputs = []
    for step in steps:
        step()
        proc = spawn("-c", config, "run", "--once")
        time.sleep(rng.uniform(0.05, longest))
        proc.send_signal(signal.SIGKILL)
        outputs.append(proc.communicate(timeout=60)[0])
        proc = spawn("-c", config, "run", "--once")
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outputs.append(out)
    return outputs
