"""The send-reminders command (being built)."""

COMMANDS: list = []
