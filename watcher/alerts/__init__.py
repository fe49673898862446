"""What a subscriber reads: an alert built and rendered in Dutch, the buttons under it, and what each headline means."""
