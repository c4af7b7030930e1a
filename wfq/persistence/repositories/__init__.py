"""One module per aggregate: definitions, executions."""
