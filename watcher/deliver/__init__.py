"""When and how an alert is sent: the outbox worked through fairly, Telegram and stdout, the rate limits, the admins' reports."""
