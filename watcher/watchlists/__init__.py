"""Who hears of a change: the subscribers and their rules (from sources.yaml and from chat), and the matcher."""
