class ExtractError(Exception):
    """This file's text cannot be had (corrupt, encrypted, too large, unknown format)."""
