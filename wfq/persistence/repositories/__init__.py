"""One module per aggregate: definitions, executions, cron_triggers."""
