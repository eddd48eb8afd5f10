"""The mail outbox: e-mails written in the same transaction as the change that causes them, sent by the worker."""
