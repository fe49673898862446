"""How a channel beside Telegram says a send did not happen."""


class ChannelFailed(Exception):
    """Not delivered. `refused`: it never will be (the alert is given up, the channel goes on); otherwise a
    passing failure: the alert stays in the outbox and the channel waits (deliver.py's back-off)."""

    def __init__(self, message: str, refused: bool = False):
        super().__init__(message)
        self.refused = refused
