"""One module per `cxsched` subcommand; each defines `command`, a click command."""
